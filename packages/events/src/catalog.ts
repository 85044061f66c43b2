import { z } from 'zod';

/**
 * The contract between services: every event name, the service that publishes it and its payload.
 * Consumers parse with these schemas, so a producer cannot silently change a payload.
 */
export const serviceNames = ['accounts', 'billing', 'contacts', 'privacy', 'analytics'] as const;
export type ServiceName = (typeof serviceNames)[number];

const id = z.string().min(1);
const isoTime = z.string().datetime({ offset: true });
export const creditTypeSchema = z.enum(['PRO_EMAIL', 'PHONE', 'DIRECT_EMAIL', 'EXPORT']);
export const workspaceRoleSchema = z.enum(['ADMIN', 'MEMBER']);
/** Keyed hash (HMAC-SHA256 with a versioned secret) of a normalised identifier: never the identifier itself. */
export const identifierHashSchema = z.object({
  kind: z.enum(['EMAIL', 'PHONE', 'PROFILE_URL']),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  keyVersion: z.number().int().positive(),
});

export const eventCatalog = {
  AccountCreated: {
    source: 'accounts',
    data: z.object({ userId: id, language: z.enum(['en', 'fr']), termsVersion: z.string(), createdAt: isoTime }),
  },
  LinkedInProfileLinked: {
    source: 'accounts',
    data: z.object({ userId: id, linkedAt: isoTime }),
  },
  AccountSuspended: {
    source: 'accounts',
    data: z.object({ userId: id, reason: z.string().min(1), suspendedAt: isoTime, regulariseBy: isoTime }),
  },
  AccountReinstated: {
    source: 'accounts',
    data: z.object({ userId: id, reinstatedAt: isoTime }),
  },
  AccountDeleted: {
    source: 'accounts',
    data: z.object({
      userId: id,
      deletedAt: isoTime,
      /** Workspace deleted with the account because the user was its only administrator (ACC-06). */
      deletedWorkspaceId: id.nullable(),
      /** Workspace the user was withdrawn from as a member, if any. */
      leftWorkspaceId: id.nullable(),
    }),
  },
  WorkspaceCreated: {
    source: 'accounts',
    data: z.object({ workspaceId: id, createdByUserId: id, createdAt: isoTime }),
  },
  WorkspaceDeleted: {
    source: 'accounts',
    data: z.object({
      workspaceId: id,
      reason: z.enum(['SOLE_ADMIN_ACCOUNT_DELETED', 'SUBSCRIPTION_TERMINATED', 'DELETED_BY_ADMIN']),
      formerMemberUserIds: z.array(id),
      deletedAt: isoTime,
    }),
  },
  MemberJoined: {
    source: 'accounts',
    data: z.object({ workspaceId: id, userId: id, role: workspaceRoleSchema, joinedAt: isoTime }),
  },
  MemberRemoved: {
    source: 'accounts',
    data: z.object({
      workspaceId: id,
      userId: id,
      reason: z.enum(['REMOVED_BY_ADMIN', 'LEFT', 'ACCOUNT_DELETED']),
      removedAt: isoTime,
    }),
  },
  ReferralRewardEarned: {
    source: 'accounts',
    data: z.object({ referrerUserId: id, inviteeUserId: id, invitationId: id, earnedAt: isoTime }),
  },
  SubscriptionStarted: {
    source: 'billing',
    data: z.object({
      subscriptionId: id,
      workspaceId: id,
      subscriberUserId: id,
      planId: id,
      seats: z.number().int().positive(),
      periodStart: isoTime,
      periodEnd: isoTime,
    }),
  },
  SubscriptionChanged: {
    source: 'billing',
    data: z.object({
      subscriptionId: id,
      workspaceId: id,
      planId: id,
      seats: z.number().int().positive(),
      status: z.enum(['ACTIVE', 'SUSPENDED', 'CANCELLING']),
      changedAt: isoTime,
    }),
  },
  SubscriptionTerminated: {
    source: 'billing',
    data: z.object({
      subscriptionId: id,
      workspaceId: id,
      subscriberUserId: id,
      reason: z.enum(['NON_RENEWAL', 'SUBSCRIBER_CHOICE', 'BREACH', 'NON_PAYMENT', 'ACCOUNT_DELETED']),
      terminatedAt: isoTime,
    }),
  },
  PaymentFailed: {
    source: 'billing',
    data: z.object({
      subscriptionId: id,
      workspaceId: id,
      invoiceId: id,
      amountDueCents: z.number().int().nonnegative(),
      currency: z.literal('EUR'),
      failedAt: isoTime,
    }),
  },
  CreditsGranted: {
    source: 'billing',
    data: z.object({
      ownerType: z.enum(['USER', 'WORKSPACE']),
      ownerId: id,
      creditType: creditTypeSchema,
      amount: z.number().int().positive(),
      source: z.enum(['REGISTRATION', 'SUBSCRIPTION', 'REWARD', 'ADD_ON']),
      expiresAt: isoTime.nullable(),
      grantedAt: isoTime,
    }),
  },
  CreditsExpired: {
    source: 'billing',
    data: z.object({
      ownerType: z.enum(['USER', 'WORKSPACE']),
      ownerId: id,
      creditType: creditTypeSchema,
      amount: z.number().int().positive(),
      expiredAt: isoTime,
    }),
  },
  /** A monthly credit budget (member or partner token) or a credit pool reached 75, 90 or 100 % of use. */
  CreditThresholdReached: {
    source: 'billing',
    data: z.object({
      ownerType: z.enum(['USER', 'WORKSPACE']),
      ownerId: id,
      scope: z.enum(['POOL', 'MEMBER_BUDGET', 'API_TOKEN_BUDGET']),
      /** The member's user id or the token id for a budget; null for the pool. */
      subjectId: id.nullable(),
      creditType: creditTypeSchema,
      thresholdPercent: z.union([z.literal(75), z.literal(90), z.literal(100)]),
      limit: z.number().int().positive(),
      used: z.number().int().nonnegative(),
      /** Calendar month (YYYY-MM, UTC) of a monthly budget; null for the pool. */
      month: z.string().regex(/^\d{4}-\d{2}$/).nullable(),
      reachedAt: isoTime,
    }),
  },
  ContactRevealed: {
    source: 'contacts',
    data: z.object({
      contactId: id,
      workspaceId: id.nullable(),
      userId: id,
      viaApiTokenId: id.nullable(),
      fields: z.array(creditTypeSchema.exclude(['EXPORT'])).min(1),
      creditsCharged: z.number().int().nonnegative(),
      revealedAt: isoTime,
    }),
  },
  /** CON-08: a contact this workspace (or user, outside one) had revealed opted out; its data is gone. */
  RevealedContactOptedOut: {
    source: 'contacts',
    data: z.object({ contactId: id, workspaceId: id.nullable(), userId: id.nullable(), optedOutAt: isoTime }),
  },
  /** A workspace address-book action, for the workspace activity log kept by accounts (CON-05, ACC-05). */
  AddressBookActivityRecorded: {
    source: 'contacts',
    data: z.object({
      activityId: id,
      workspaceId: id,
      actorUserId: id.nullable(),
      action: z.enum([
        'CONTACT_SAVED',
        'CONTACT_REMOVED',
        'LIST_CREATED',
        'LIST_DELETED',
        'ADDED_TO_LIST',
        'REMOVED_FROM_LIST',
        'NOTE_ADDED',
        'CONTACTS_EXPORTED',
        'CONTACT_OPTED_OUT',
      ]),
      contactId: id.nullable(),
      listId: id.nullable(),
      at: isoTime,
    }),
  },
  ContactsExported: {
    source: 'contacts',
    data: z.object({
      exportId: id,
      workspaceId: id.nullable(),
      userId: id,
      contactCount: z.number().int().nonnegative(),
      format: z.enum(['CSV', 'JSON', 'CRM_WEBHOOK']),
      exportedAt: isoTime,
    }),
  },
  ContactOptedOut: {
    source: 'privacy',
    data: z.object({ optOutId: id, identifiers: z.array(identifierHashSchema).min(1), optedOutAt: isoTime }),
  },
  ConsentChanged: {
    source: 'privacy',
    data: z.object({
      subjectType: z.enum(['VISITOR', 'USER']),
      subjectId: id,
      categories: z.object({
        strictlyNecessary: z.literal(true),
        analytics: z.boolean(),
        functionality: z.boolean(),
        targeting: z.boolean(),
      }),
      policyVersion: z.string().min(1),
      method: z.enum(['ACCEPT', 'REJECT', 'SAVE', 'GPC', 'WITHDRAW']),
      changedAt: isoTime,
      expiresAt: isoTime,
    }),
  },
  DataSubjectRequestOpened: {
    source: 'privacy',
    data: z.object({
      requestId: id,
      right: z.enum([
        'ACCESS',
        'PORTABILITY',
        'RECTIFICATION',
        'ERASURE',
        'RESTRICTION',
        'OBJECTION',
        'CONSENT_WITHDRAWAL',
        'POST_MORTEM_DIRECTIVE',
      ]),
      userId: id.nullable(),
      identifiers: z.array(identifierHashSchema),
      dueAt: isoTime,
      openedAt: isoTime,
    }),
  },
  DataSubjectRequestCompleted: {
    source: 'privacy',
    data: z.object({
      requestId: id,
      outcome: z.enum(['COMPLETED', 'DENIED', 'REVOKED']),
      completedAt: isoTime,
    }),
  },
} as const satisfies Record<string, { source: ServiceName; data: z.ZodType }>;

export type EventName = keyof typeof eventCatalog;
export type EventData<N extends EventName> = z.infer<(typeof eventCatalog)[N]['data']>;
export const eventNames = Object.keys(eventCatalog) as EventName[];

export function isEventName(value: string): value is EventName {
  return Object.prototype.hasOwnProperty.call(eventCatalog, value);
}
