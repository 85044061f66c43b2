import { Schema, type Connection, type Model } from 'mongoose';
import { legalDocumentKinds, type LegalDocumentKind } from '../users/user.model';

/** One version of the terms or the privacy policy, with the date it takes effect (ACC-09). */
export interface LegalDocumentVersion {
  /** `<kind>:<version>`, so a version is published once. */
  _id: string;
  kind: LegalDocumentKind;
  version: string;
  effectiveAt: Date;
  /** What changed, quoted in the notice mail. */
  summary: string;
  documentUrl: string | null;
  publishedAt: Date;
  /** Null for the versions seeded at start-up. */
  publishedByUserId: string | null;
  /** Set once silence was recorded as acceptance for everyone notified who did not decide. */
  silenceRecordedAt: Date | null;
}

const legalDocumentSchema = new Schema<LegalDocumentVersion>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: legalDocumentKinds, required: true },
    version: { type: String, required: true },
    effectiveAt: { type: Date, required: true },
    summary: { type: String, required: true },
    documentUrl: { type: String, default: null },
    publishedAt: { type: Date, required: true },
    publishedByUserId: { type: String, default: null },
    silenceRecordedAt: { type: Date, default: null },
  },
  { collection: 'legal_documents', versionKey: false },
);
legalDocumentSchema.index({ kind: 1, effectiveAt: -1 });

export type LegalDocumentModel = Model<LegalDocumentVersion>;

export function legalDocumentModel(connection: Connection): LegalDocumentModel {
  return (
    (connection.models.LegalDocument as LegalDocumentModel | undefined) ??
    connection.model<LegalDocumentVersion>('LegalDocument', legalDocumentSchema)
  );
}

export function legalDocumentId(kind: LegalDocumentKind, version: string): string {
  return `${kind}:${version}`;
}
