import { z } from 'zod';

/**
 * Request/reply contracts on core NATS, for the few synchronous questions one part of the
 * system asks another (the gateway resolving a caller, contacts spending credits...).
 */
const scope = z.enum(['contacts:read', 'contacts:reveal', 'contacts:export', 'billing:read', 'analytics:read']);
const staffRole = z.enum(['SUPPORT', 'PRIVACY_OFFICER', 'BILLING_ADMIN', 'SUPER_ADMIN']);

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
} as const;

export type RpcName = keyof typeof rpcContracts;
export type RpcRequest<N extends RpcName> = z.infer<(typeof rpcContracts)[N]['request']>;
export type RpcResponse<N extends RpcName> = z.infer<(typeof rpcContracts)[N]['response']>;
