import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, staffRoles, workspaceRoles, type StaffRole, type WithOutbox, type WorkspaceRole } from '@leadgraph/platform';

export const userStatuses = ['PENDING_VERIFICATION', 'ACTIVE', 'SUSPENDED', 'DELETED'] as const;
export type UserStatus = (typeof userStatuses)[number];

export const legalDocumentKinds = ['TERMS', 'PRIVACY_POLICY'] as const;
export type LegalDocumentKind = (typeof legalDocumentKinds)[number];

export interface TermsAcceptance {
  kind: LegalDocumentKind;
  version: string;
  acceptedAt: Date;
  /** EXPLICIT: ticked/clicked; SILENCE: notified and did not object before it took effect (ACC-09). */
  method: 'EXPLICIT' | 'SILENCE';
}

export interface OneTimeCode {
  codeHash: string;
  expiresAt: Date;
  attempts: number;
  sentAt: Date;
}

export interface Suspension {
  reason: string;
  suspendedAt: Date;
  regulariseBy: Date;
  suspendedByUserId: string;
}

/** A suspension once lifted, kept so staff can see an account's record (ACC-07). */
export interface LiftedSuspension extends Suspension {
  liftedAt: Date;
  liftedByUserId: string;
}

/** The user was told by mail of a new legal document version (ACC-09). */
export interface LegalNotice {
  kind: LegalDocumentKind;
  version: string;
  notifiedAt: Date;
}

/** The user explicitly refused a legal document version (ACC-09). */
export interface LegalRefusal {
  kind: LegalDocumentKind;
  version: string;
  refusedAt: Date;
}

/**
 * A staff role change written with the change itself, then copied to the append-only staff audit
 * log: no transactions, so the change and its audit record must share one document write.
 */
export interface PendingStaffAuditEntry {
  _id: string;
  action: 'GRANT' | 'REVOKE';
  role: StaffRole;
  targetUserId: string;
  /** Null when the system acted (bootstrap super admin). */
  actorUserId: string | null;
  at: Date;
}

/** PRV-02: a French resident's directive on their data after death, stored sealed as received. */
export interface PostMortemDirective {
  /** The sealed text (`sealDataSubjectPayload`): never opened into logs. */
  sealed: string;
  requestId: string;
  recordedAt: Date;
}

/**
 * A person with an account. Workspace membership lives on the user (a user belongs to at most
 * one workspace), so joining and leaving are single-document atomic updates.
 */
export interface UserDocument extends WithOutbox {
  _id: string;
  /** Lower-cased; null once the account is deleted (personal data scrubbed). */
  email: string | null;
  /**
   * Keyed hash (identifierHash EMAIL, current key version) of `email`, absent when the e-mail is:
   * how data-subject requests and opt-outs, which carry only hashes, find the account (PRV-05, PRV-08).
   */
  emailHash?: string | null;
  displayName: string | null;
  passwordHash: string | null;
  status: UserStatus;
  emailVerifiedAt: Date | null;
  verification: OneTimeCode | null;
  termsAcceptances: TermsAcceptance[];
  /** Normalised LinkedIn profile URL; unique across accounts (ACC-04). */
  linkedInProfileUrl: string | null;
  linkedInLinkedAt: Date | null;
  workspaceId: string | null;
  workspaceRole: WorkspaceRole | null;
  staffRoles: StaffRole[];
  preferences: { language: 'en' | 'fr'; marketingEmails: boolean; marketingEmailsChangedAt?: Date | null };
  suspension: Suspension | null;
  suspensionHistory?: LiftedSuspension[];
  legalNotices?: LegalNotice[];
  legalRefusals?: LegalRefusal[];
  pendingStaffAudit?: PendingStaffAuditEntry[];
  lastLoginAt?: Date | null;
  /** PRV-02 restriction of processing: no marketing e-mails, no referral invitations to this address. */
  processingRestrictedAt?: Date | null;
  /**
   * The RESTRICTION requests keeping it restricted: lifting one clears the restriction only when
   * none is left. Absent on accounts restricted before the ids were recorded (cause unknown).
   */
  processingRestrictedBy?: string[];
  postMortemDirective?: PostMortemDirective | null;
  /** Bumped on password change: refresh tokens of older generations are refused. */
  credentialsVersion: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

const oneTimeCodeSchema = new Schema<OneTimeCode>(
  { codeHash: String, expiresAt: Date, attempts: Number, sentAt: Date },
  { _id: false },
);

const userSchema = new Schema<UserDocument>(
  {
    _id: { type: String, required: true },
    email: { type: String, default: null },
    emailHash: { type: String, default: null },
    displayName: { type: String, default: null },
    passwordHash: { type: String, default: null },
    status: { type: String, enum: userStatuses, required: true },
    emailVerifiedAt: { type: Date, default: null },
    verification: { type: oneTimeCodeSchema, default: null },
    termsAcceptances: {
      type: [
        new Schema<TermsAcceptance>(
          { kind: { type: String, enum: legalDocumentKinds }, version: String, acceptedAt: Date, method: String },
          { _id: false },
        ),
      ],
      default: [],
    },
    linkedInProfileUrl: { type: String, default: null },
    linkedInLinkedAt: { type: Date, default: null },
    workspaceId: { type: String, default: null },
    workspaceRole: { type: String, enum: [...workspaceRoles, null], default: null },
    staffRoles: { type: [{ type: String, enum: staffRoles }], default: [] },
    preferences: {
      language: { type: String, enum: ['en', 'fr'], default: 'en' },
      marketingEmails: { type: Boolean, default: false },
      marketingEmailsChangedAt: { type: Date, default: null },
    },
    suspension: {
      type: new Schema<Suspension>(
        { reason: String, suspendedAt: Date, regulariseBy: Date, suspendedByUserId: String },
        { _id: false },
      ),
      default: null,
    },
    suspensionHistory: {
      type: [
        new Schema<LiftedSuspension>(
          { reason: String, suspendedAt: Date, regulariseBy: Date, suspendedByUserId: String, liftedAt: Date, liftedByUserId: String },
          { _id: false },
        ),
      ],
      default: [],
    },
    legalNotices: {
      type: [new Schema<LegalNotice>({ kind: { type: String, enum: legalDocumentKinds }, version: String, notifiedAt: Date }, { _id: false })],
      default: [],
    },
    legalRefusals: {
      type: [new Schema<LegalRefusal>({ kind: { type: String, enum: legalDocumentKinds }, version: String, refusedAt: Date }, { _id: false })],
      default: [],
    },
    pendingStaffAudit: {
      type: [
        new Schema<PendingStaffAuditEntry>(
          {
            _id: { type: String, required: true },
            action: { type: String, enum: ['GRANT', 'REVOKE'] },
            role: { type: String, enum: staffRoles },
            targetUserId: String,
            actorUserId: { type: String, default: null },
            at: Date,
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    lastLoginAt: { type: Date, default: null },
    processingRestrictedAt: { type: Date, default: null },
    // No default: absent means "restricted (if at all) before the request ids were recorded".
    processingRestrictedBy: { type: [String], default: undefined },
    postMortemDirective: {
      type: new Schema<PostMortemDirective>({ sealed: String, requestId: String, recordedAt: Date }, { _id: false }),
      default: null,
    },
    credentialsVersion: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
    ...outboxSchemaFields,
  },
  { collection: 'users', versionKey: false },
);
// Sparse, not partial: the embedded server has no partial indexes; deleted users have email null.
userSchema.index({ email: 1 }, { unique: true, sparse: true });
userSchema.index({ linkedInProfileUrl: 1 }, { unique: true, sparse: true });
userSchema.index({ workspaceId: 1 }, { sparse: true });
userSchema.index({ emailHash: 1 }, { sparse: true });
// PRV-02: a lifted restriction finds the accounts its request restricted.
userSchema.index({ processingRestrictedBy: 1 }, { sparse: true });
// Retention (PRV-07) finds deleted accounts by their deletion date.
userSchema.index({ status: 1, deletedAt: 1 });

/**
 * A sparse index skips documents WITHOUT the field but still indexes an explicit null, and two
 * nulls collide in a unique index. So these fields are stored absent, never null: a null written
 * through `create`/`save` or `$set`/`$setOnInsert` is turned into "no field" / `$unset` here.
 * Reads and filters are unaffected (`{ email: null }` matches absent fields).
 */
const absentWhenNullFields = ['email', 'emailHash', 'linkedInProfileUrl'] as const;

userSchema.pre('save', function dropNullUniqueFields() {
  for (const field of absentWhenNullFields) {
    if (this.get(field) === null) this.set(field, undefined);
  }
});

userSchema.pre(['updateOne', 'updateMany', 'findOneAndUpdate'], function unsetNullUniqueFields() {
  const update = this.getUpdate();
  if (!update || Array.isArray(update)) return;
  const unset: Record<string, 1> = { ...((update.$unset as Record<string, 1> | undefined) ?? {}) };
  for (const field of absentWhenNullFields) {
    for (const container of [update, update.$set, update.$setOnInsert] as Array<Record<string, unknown> | undefined>) {
      if (container && Object.prototype.hasOwnProperty.call(container, field) && container[field] === null) {
        delete container[field];
        if (container !== update.$setOnInsert) unset[field] = 1;
      }
    }
  }
  if (Object.keys(unset).length > 0) this.setUpdate({ ...update, $unset: unset });
});
userSchema.index({ status: 1, 'suspension.regulariseBy': 1 });
addOutboxIndex(userSchema);

export type UserModel = Model<UserDocument>;

export function userModel(connection: Connection): UserModel {
  return (connection.models.User as UserModel | undefined) ?? connection.model<UserDocument>('User', userSchema);
}
