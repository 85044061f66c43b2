import { Schema, type Connection, type Model } from 'mongoose';
import { staffRoles, type StaffRole } from '@leadgraph/platform';

/** Append-only record of staff role grants and revocations: entries are inserted, never changed. */
export interface StaffAuditEntryDocument {
  /** The id given when the change was written to the user: copying it twice inserts it once. */
  _id: string;
  action: 'GRANT' | 'REVOKE';
  role: StaffRole;
  targetUserId: string;
  /** Null when the system acted (bootstrap super admin at verification). */
  actorUserId: string | null;
  at: Date;
}

const staffAuditSchema = new Schema<StaffAuditEntryDocument>(
  {
    _id: { type: String, required: true },
    action: { type: String, enum: ['GRANT', 'REVOKE'], required: true },
    role: { type: String, enum: staffRoles, required: true },
    targetUserId: { type: String, required: true },
    actorUserId: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { collection: 'staff_audit_log', versionKey: false },
);
staffAuditSchema.index({ at: -1, _id: -1 });

export type StaffAuditModel = Model<StaffAuditEntryDocument>;

export function staffAuditModel(connection: Connection): StaffAuditModel {
  return (
    (connection.models.StaffAuditEntry as StaffAuditModel | undefined) ??
    connection.model<StaffAuditEntryDocument>('StaffAuditEntry', staffAuditSchema)
  );
}
