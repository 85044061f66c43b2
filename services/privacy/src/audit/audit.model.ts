import { Schema, type Connection, type Model } from 'mongoose';

/** Privacy actions kept in the audit trail (PRV-10); opt-outs and requests add theirs. */
export const privacyAuditActions = [
  'CONSENT_RECORDED',
  'CONSENT_WITHDRAWN',
  'OPT_OUT_CONFIRMED',
  'REQUEST_RECEIVED',
  'REQUEST_VERIFIED',
  'REQUEST_EXTENDED',
  'REQUEST_EXECUTED_BY_SERVICE',
  'REQUEST_COMPLETED',
  'REQUEST_DENIED',
  'REQUEST_REVOKED',
  'RESTRICTION_LIFTED',
  'EXPORT_DOWNLOADED',
  'RETENTION_RUN_REPORTED',
] as const;
export type PrivacyAuditAction = (typeof privacyAuditActions)[number];

export const privacyAuditSubjectTypes = ['VISITOR', 'USER', 'OPT_OUT_REQUEST', 'DATA_SUBJECT_REQUEST', 'RETENTION_RUN'] as const;
export type PrivacyAuditSubjectType = (typeof privacyAuditSubjectTypes)[number];

/** Append-only (PRV-10): no code path updates or deletes an entry. */
export interface PrivacyAuditEntryDocument {
  _id: string;
  action: PrivacyAuditAction;
  subjectType: PrivacyAuditSubjectType;
  subjectId: string;
  /** The signed-in user who acted, null for anonymous visitors and system actions. */
  actorUserId: string | null;
  /** Short facts (policy version, method, resulting choices). */
  details: Record<string, string>;
  at: Date;
}

const privacyAuditEntrySchema = new Schema<PrivacyAuditEntryDocument>(
  {
    _id: { type: String, required: true },
    action: { type: String, enum: privacyAuditActions, required: true },
    subjectType: { type: String, enum: privacyAuditSubjectTypes, required: true },
    subjectId: { type: String, required: true },
    actorUserId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { collection: 'privacy_audit', versionKey: false, minimize: false },
);
// Newest first, with the id as tie-breaker for the cursor.
privacyAuditEntrySchema.index({ at: -1, _id: -1 });

export type PrivacyAuditEntryModel = Model<PrivacyAuditEntryDocument>;

export function privacyAuditEntryModel(connection: Connection): PrivacyAuditEntryModel {
  return (
    (connection.models.PrivacyAuditEntry as PrivacyAuditEntryModel | undefined) ??
    connection.model<PrivacyAuditEntryDocument>('PrivacyAuditEntry', privacyAuditEntrySchema)
  );
}
