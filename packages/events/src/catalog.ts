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

/** PRV-02: the rights a data subject can exercise. */
export const dataSubjectRightSchema = z.enum([
  'ACCESS',
  'PORTABILITY',
  'RECTIFICATION',
  'ERASURE',
  'RESTRICTION',
  'OBJECTION',
  'CONSENT_WITHDRAWAL',
  'POST_MORTEM_DIRECTIVE',
]);
export type DataSubjectRight = z.infer<typeof dataSubjectRightSchema>;

/** The services that hold personal data and must answer every data-subject request (PRV-05). */
export const dataSubjectAnsweringServices = ['accounts', 'billing', 'contacts', 'analytics'] as const;
export type DataSubjectAnsweringService = (typeof dataSubjectAnsweringServices)[number];

/** One service's answer to a data-subject request (PRV-05). */
export const dataSubjectRequestAnswerSchema = z.object({
  requestId: id,
  service: z.enum(dataSubjectAnsweringServices),
  right: dataSubjectRightSchema,
  /** CARRIED_OUT: something was done or exported; NO_DATA_HELD: nothing about this person here. */
  outcome: z.enum(['CARRIED_OUT', 'NO_DATA_HELD']),
  actions: z.array(
    z.object({
      dataCategory: z.string().min(1),
      action: z.enum([
        'EXPORTED',
        'ERASED',
        'ANONYMISED',
        'RECTIFIED',
        'RESTRICTED',
        'OBJECTION_APPLIED',
        'CONSENT_WITHDRAWN',
        'DIRECTIVE_RECORDED',
        'SUPPRESSED',
      ]),
      count: z.number().int().nonnegative(),
      note: z.string().nullable(),
    }),
  ),
  /** Data kept despite the request, restricted, and why (PRV-05: accounting under legal retention). */
  retained: z.array(
    z.object({
      dataCategory: z.string().min(1),
      legalBasis: z.string().min(1),
      keptUntil: isoTime.nullable(),
    }),
  ),
  /** ACCESS / PORTABILITY: this service's `DataSubjectExportPart`, sealed for the privacy service. */
  sealedExport: z.string().nullable(),
  /**
   * A large sealed export travels in several events (NATS messages are limited to 1 MB): each
   * carries one slice of `sealedExport` and its place; the answer counts once all have arrived.
   */
  exportChunk: z.object({ index: z.number().int().nonnegative(), count: z.number().int().min(2) }).optional(),
  answeredAt: isoTime,
});
export type DataSubjectRequestAnswer = z.infer<typeof dataSubjectRequestAnswerSchema>;

/**
 * What a service contributes to an access / portability export (PRV-02): its records about the
 * person with purpose, legal basis and source, and who received the person's details.
 * Travels sealed inside the answer event; the privacy service assembles one JSON document.
 */
export const dataSubjectExportPartSchema = z.object({
  records: z.array(
    z.object({
      dataCategory: z.string().min(1),
      description: z.string().min(1),
      purpose: z.string().min(1),
      legalBasis: z.string().min(1),
      source: z.string().min(1),
      data: z.unknown(),
    }),
  ),
  recipients: z.array(
    z.object({
      workspaceId: id.nullable(),
      userId: id.nullable(),
      fields: z.array(z.string()),
      receivedAt: isoTime,
    }),
  ),
});
export type DataSubjectExportPart = z.infer<typeof dataSubjectExportPartSchema>;

/** The profile fields a RECTIFICATION can correct, and the limits of what a request may carry. */
export const rectificationFieldSchema = z.enum(['FULL_NAME', 'JOB_TITLE', 'COMPANY_NAME', 'LOCATION']);
export const MAX_CORRECTION_LENGTH = 200;
export const MAX_DIRECTIVE_LENGTH = 4000;

/** RECTIFICATION corrections and POST_MORTEM_DIRECTIVE text, sealed inside DataSubjectRequestOpened. */
export const dataSubjectRequestDetailsSchema = z.object({
  corrections: z.array(z.object({ field: rectificationFieldSchema, value: z.string().min(1).max(MAX_CORRECTION_LENGTH) })),
  directive: z.string().max(MAX_DIRECTIVE_LENGTH).nullable(),
});
export type DataSubjectRequestDetails = z.infer<typeof dataSubjectRequestDetailsSchema>;

/** PRV-07: one retention pass of one service over one data category. */
export const retentionRunReportSchema = z.object({
  runId: id,
  service: z.enum(serviceNames),
  dataCategory: z.string().min(1),
  dryRun: z.boolean(),
  /** Records older than this (by the category's trigger) were due. */
  cutoff: isoTime,
  /** Due records found; in a dry run nothing is deleted. */
  due: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  ranAt: isoTime,
  finishedAt: isoTime,
});
export type RetentionRunReport = z.infer<typeof retentionRunReportSchema>;

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
  /** A contact search ran (ANA-02 usage metering). No query text: it could contain a person's name. */
  ContactSearchPerformed: {
    source: 'contacts',
    data: z.object({
      searchId: id,
      workspaceId: id.nullable(),
      userId: id,
      viaApiTokenId: id.nullable(),
      resultCount: z.number().int().nonnegative(),
      searchedAt: isoTime,
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
  /**
   * PRV-05: a data-subject request whose requester's identity is verified (PRV-03): never before.
   * Every service holding personal data carries out its part and answers with its
   * `DataSubjectRequestAnsweredBy<Service>` event.
   */
  DataSubjectRequestOpened: {
    source: 'privacy',
    data: z.object({
      requestId: id,
      right: dataSubjectRightSchema,
      /** The requester's account, when they filed it signed in (or their verified e-mail matched one). */
      userId: id.nullable(),
      /** Keyed hashes of the verified e-mail and of any phone / profile URL they gave with it. */
      identifiers: z.array(identifierHashSchema),
      /** RECTIFICATION corrections / POST_MORTEM_DIRECTIVE text, sealed for services (`sealDataSubjectPayload`). */
      sealedDetails: z.string().nullable(),
      /**
       * Consent-banner visitor ids of the browser(s) the requester filed from (optional, backward compatible):
       * analytics keys a visitor's consented events by this id, which no other identifier reaches.
       */
      visitorIds: z.array(id).max(20).optional(),
      dueAt: isoTime,
      openedAt: isoTime,
    }),
  },
  /**
   * PRV-02 (GDPR art. 18(3)): a privacy officer lifts a restriction obtained through a completed
   * RESTRICTION request, after telling the requester. Each service lifts what that request restricted
   * (never what an erasure keeps restricted under legal retention).
   */
  DataSubjectRestrictionLifted: {
    source: 'privacy',
    data: z.object({
      requestId: id,
      userId: id.nullable(),
      identifiers: z.array(identifierHashSchema),
      visitorIds: z.array(id).max(20).optional(),
      liftedAt: isoTime,
    }),
  },
  DataSubjectRequestAnsweredByAccounts: { source: 'accounts', data: dataSubjectRequestAnswerSchema },
  DataSubjectRequestAnsweredByBilling: { source: 'billing', data: dataSubjectRequestAnswerSchema },
  DataSubjectRequestAnsweredByContacts: { source: 'contacts', data: dataSubjectRequestAnswerSchema },
  DataSubjectRequestAnsweredByAnalytics: { source: 'analytics', data: dataSubjectRequestAnswerSchema },
  DataSubjectRequestCompleted: {
    source: 'privacy',
    data: z.object({
      requestId: id,
      right: dataSubjectRightSchema,
      outcome: z.enum(['COMPLETED', 'DENIED', 'REVOKED']),
      completedAt: isoTime,
    }),
  },
  /** PRV-07: what one service's retention job deleted (or, in a dry run, would delete). */
  RetentionRunReportedByAccounts: { source: 'accounts', data: retentionRunReportSchema },
  RetentionRunReportedByBilling: { source: 'billing', data: retentionRunReportSchema },
  RetentionRunReportedByContacts: { source: 'contacts', data: retentionRunReportSchema },
  RetentionRunReportedByAnalytics: { source: 'analytics', data: retentionRunReportSchema },
} as const satisfies Record<string, { source: ServiceName; data: z.ZodType }>;

export type EventName = keyof typeof eventCatalog;
export type EventData<N extends EventName> = z.infer<(typeof eventCatalog)[N]['data']>;
export const eventNames = Object.keys(eventCatalog) as EventName[];

export function isEventName(value: string): value is EventName {
  return Object.prototype.hasOwnProperty.call(eventCatalog, value);
}
