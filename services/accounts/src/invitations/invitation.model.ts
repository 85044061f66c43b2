import { Schema, type Connection, type Model } from 'mongoose';
import { workspaceRoles, type WorkspaceRole } from '@leadgraph/platform';

/** EXPIRED is never stored: expiry is checked on read (no TTL on the embedded server). */
export const storedInvitationStatuses = ['PENDING', 'ACCEPTED', 'REVOKED'] as const;
export type StoredInvitationStatus = (typeof storedInvitationStatuses)[number];

/**
 * An invitation to join a workspace (ACC-05). The mailed link carries a signed token; only its
 * SHA-256 is stored, so the record lets us revoke it and accept it once without keeping the secret.
 */
export interface InvitationDocument {
  _id: string;
  workspaceId: string;
  /** Normalised (trimmed, lower-cased) invited address. */
  email: string;
  role: WorkspaceRole;
  tokenHash: string;
  status: StoredInvitationStatus;
  invitedByUserId: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedByUserId: string | null;
  acceptedAt: Date | null;
  revokedByUserId: string | null;
  revokedAt: Date | null;
}

const invitationSchema = new Schema<InvitationDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    email: { type: String, required: true },
    role: { type: String, enum: workspaceRoles, required: true },
    tokenHash: { type: String, required: true },
    status: { type: String, enum: storedInvitationStatuses, required: true },
    invitedByUserId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    acceptedByUserId: { type: String, default: null },
    acceptedAt: { type: Date, default: null },
    revokedByUserId: { type: String, default: null },
    revokedAt: { type: Date, default: null },
  },
  { collection: 'invitations', versionKey: false },
);
invitationSchema.index({ tokenHash: 1 }, { unique: true });
invitationSchema.index({ workspaceId: 1, status: 1, createdAt: -1 });
invitationSchema.index({ workspaceId: 1, email: 1 });

export type InvitationModel = Model<InvitationDocument>;

export function invitationModel(connection: Connection): InvitationModel {
  return (connection.models.Invitation as InvitationModel | undefined) ?? connection.model<InvitationDocument>('Invitation', invitationSchema);
}
