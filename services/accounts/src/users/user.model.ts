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

/**
 * A person with an account. Workspace membership lives on the user (a user belongs to at most
 * one workspace), so joining and leaving are single-document atomic updates.
 */
export interface UserDocument extends WithOutbox {
  _id: string;
  /** Lower-cased; null once the account is deleted (personal data scrubbed). */
  email: string | null;
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
  preferences: { language: 'en' | 'fr'; marketingEmails: boolean };
  suspension: Suspension | null;
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
    },
    suspension: {
      type: new Schema<Suspension>(
        { reason: String, suspendedAt: Date, regulariseBy: Date, suspendedByUserId: String },
        { _id: false },
      ),
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
userSchema.index({ status: 1, 'suspension.regulariseBy': 1 });
addOutboxIndex(userSchema);

export type UserModel = Model<UserDocument>;

export function userModel(connection: Connection): UserModel {
  return (connection.models.User as UserModel | undefined) ?? connection.model<UserDocument>('User', userSchema);
}
