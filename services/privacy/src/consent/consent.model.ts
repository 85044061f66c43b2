import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';
import { consentMethods, type ConsentCategories, type ConsentMethod } from './consent.rules';

export const consentSubjectTypes = ['VISITOR', 'USER'] as const;
export type ConsentSubjectType = (typeof consentSubjectTypes)[number];

/**
 * One consent choice (PRV-06). Append-only: every choice is a new document, never updated except
 * for the relay draining its outbox (ConsentChanged travels in the document that records it).
 */
export interface ConsentRecordDocument extends WithOutbox {
  _id: string;
  subjectType: ConsentSubjectType;
  subjectId: string;
  categories: ConsentCategories;
  policyVersion: string;
  method: ConsentMethod;
  /** Whether the browser sent Global Privacy Control with this choice (evidence of "how"). */
  globalPrivacyControl: boolean;
  decidedAt: Date;
  expiresAt: Date;
}

const consentRecordSchema = new Schema<ConsentRecordDocument>(
  {
    _id: { type: String, required: true },
    subjectType: { type: String, enum: consentSubjectTypes, required: true },
    subjectId: { type: String, required: true },
    categories: {
      analytics: { type: Boolean, required: true },
      functionality: { type: Boolean, required: true },
      targeting: { type: Boolean, required: true },
    },
    policyVersion: { type: String, required: true },
    method: { type: String, enum: consentMethods, required: true },
    globalPrivacyControl: { type: Boolean, required: true },
    decidedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'consent_records', versionKey: false },
);
// Latest choice of a subject first; the id (growing ObjectId hex) breaks ties within a millisecond.
consentRecordSchema.index({ subjectType: 1, subjectId: 1, decidedAt: -1, _id: -1 });
addOutboxIndex(consentRecordSchema);

export type ConsentRecordModel = Model<ConsentRecordDocument>;

export function consentRecordModel(connection: Connection): ConsentRecordModel {
  return (connection.models.ConsentRecord as ConsentRecordModel | undefined) ?? connection.model<ConsentRecordDocument>('ConsentRecord', consentRecordSchema);
}
