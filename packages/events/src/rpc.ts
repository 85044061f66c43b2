import { z } from 'zod';
import { creditTypeSchema } from './catalog';

/**
 * Request/reply contracts on core NATS, for the few synchronous questions one part of the
 * system asks another (the gateway resolving a caller, contacts spending credits...).
 * Subjects: `rpc.<service>.<call>`, except billing's credit API, whose names the product fixed
 * (`billing.credits.spend`, `billing.credits.quote`).
 */
const scope = z.enum(['contacts:read', 'contacts:reveal', 'contacts:export', 'billing:read', 'analytics:read']);
const staffRole = z.enum(['SUPPORT', 'PRIVACY_OFFICER', 'BILLING_ADMIN', 'SUPER_ADMIN']);

/** Who acts: the user, the workspace they act in (null outside one), the partner token used (null in the app). */
const creditCaller = z.object({
  userId: z.string().min(1),
  workspaceId: z.string().min(1).nullable(),
  viaApiTokenId: z.string().min(1).nullable(),
});
const creditOwner = z.object({ ownerType: z.enum(['USER', 'WORKSPACE']), ownerId: z.string() });
const spendReceipt = z.object({
  idempotencyKey: z.string(),
  /** The ledger line of the spend. */
  entryId: z.string(),
  owner: creditOwner,
  creditType: creditTypeSchema,
  charged: z.number().int().positive(),
  /** The owner's balance of this credit type right after the spend. */
  remaining: z.number().int().nonnegative(),
  spentAt: z.string().datetime({ offset: true }),
});

export const rpcContracts = {
  /** Gateway -> accounts: is this session (from a verified access token) still valid, and who is it? */
  resolveSession: {
    subject: 'rpc.accounts.resolveSession',
    request: z.object({ sessionId: z.string().min(1), userId: z.string().min(1) }),
    response: z.object({
      userId: z.string(),
      sessionId: z.string(),
      workspaceId: z.string().nullable(),
      workspaceRole: z.enum(['ADMIN', 'MEMBER']).nullable(),
      staffRoles: z.array(staffRole),
      scopes: z.array(scope),
    }),
  },
  /** Gateway -> accounts: resolve a partner API token (records its last use). */
  resolveApiToken: {
    subject: 'rpc.accounts.resolveApiToken',
    request: z.object({ token: z.string().min(1) }),
    response: z.object({
      tokenId: z.string(),
      userId: z.string(),
      workspaceId: z.string(),
      /** Token scopes intersected with what its creator may do now (ACC-08). */
      scopes: z.array(scope),
    }),
  },
  /**
   * Privacy -> accounts: the names of the workspaces that received a person's details, so an
   * access answer (PRV-02) names its recipients rather than listing internal ids.
   */
  describeWorkspaces: {
    subject: 'rpc.accounts.describeWorkspaces',
    request: z.object({ workspaceIds: z.array(z.string().min(1)).min(1).max(500) }),
    response: z.object({
      workspaces: z.array(z.object({ workspaceId: z.string(), name: z.string().nullable(), status: z.enum(['ACTIVE', 'DELETED']) })),
    }),
  },
  /** Contacts -> billing: spend credits for an action (CON-03/04); the same key always gets the first answer. */
  spendCredits: {
    subject: 'billing.credits.spend',
    request: z.object({
      /** Same key, same answer: a retried or concurrent request never charges twice. */
      idempotencyKey: z.string().min(1).max(200),
      caller: creditCaller,
      creditType: creditTypeSchema,
      amount: z.number().int().positive(),
      /** What the credits pay for, e.g. `CONTACT_REVEAL`, `CONTACT_EXPORT`. */
      reason: z.string().min(1).max(100),
      /** What it is about, e.g. the contact id. */
      reference: z.string().max(200).nullable(),
    }),
    response: spendReceipt,
  },
  /** Contacts -> billing: what an action would cost the caller and whether it would pass; nothing is spent. */
  quoteCredits: {
    subject: 'billing.credits.quote',
    request: z.object({
      caller: creditCaller,
      creditType: creditTypeSchema,
      amount: z.number().int().positive(),
    }),
    response: z.object({
      owner: creditOwner,
      creditType: creditTypeSchema,
      cost: z.number().int().nonnegative(),
      /** What the caller could draw now (unlimited credits excluded for partner tokens, fair use applied). */
      available: z.number().int().nonnegative(),
      allowed: z.boolean(),
      refusal: z
        .object({
          reason: z.enum(['INSUFFICIENT_CREDITS', 'FAIR_USE_CAP_REACHED', 'BUDGET_EXCEEDED', 'OWNER_CLOSED']),
          message: z.string(),
        })
        .nullable(),
    }),
  },
  /** Contacts -> billing: give back what a spend took when the paid action failed afterwards (CON-03). */
  refundCredits: {
    subject: 'billing.credits.refund',
    request: z.object({
      /** The key of the spend to undo; a spend is refunded once, however often this is sent. */
      spendIdempotencyKey: z.string().min(1).max(200),
      reason: z.string().min(1).max(100),
    }),
    response: z.object({
      spendIdempotencyKey: z.string(),
      owner: creditOwner,
      creditType: creditTypeSchema,
      /** Credits returned; less than spent when some of the grants expired meanwhile. */
      refunded: z.number().int().nonnegative(),
      remaining: z.number().int().nonnegative(),
    }),
  },
} as const;

export type RpcName = keyof typeof rpcContracts;
export type RpcRequest<N extends RpcName> = z.infer<(typeof rpcContracts)[N]['request']>;
export type RpcResponse<N extends RpcName> = z.infer<(typeof rpcContracts)[N]['response']>;
