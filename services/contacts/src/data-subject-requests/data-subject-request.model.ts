import { Schema, type Connection, type Model } from 'mongoose';
import type { DataSubjectRight } from '@leadgraph/events';

/** What an erasure or objection did, kept so a redelivered request is answered with the same counts. */
export interface DataSubjectCaseCounts {
  addressBookEntries: number;
}

/**
 * One data-subject request as handled here (PRV-05): the profiles it matched and the keyed hashes
 * of their identifiers, recorded BEFORE anything is changed, so a retried handler (after a crash
 * halfway through an erasure) still knows whom it concerned and answers with what was done.
 * No readable personal data: contact ids and keyed hashes only.
 */
export interface DataSubjectCaseDocument {
  _id: string;
  right: DataSubjectRight;
  contactIds: string[];
  /** Erasure / objection only: the keyed hashes put on the suppression list. */
  identifierHashes: string[];
  counts: DataSubjectCaseCounts;
  receivedAt: Date;
  /** RESTRICTION only: when privacy lifted it (GDPR art. 18(3)); null while it is in force. */
  liftedAt?: Date | null;
}

const caseSchema = new Schema<DataSubjectCaseDocument>(
  {
    _id: { type: String, required: true },
    right: { type: String, required: true },
    contactIds: { type: [String], default: [] },
    identifierHashes: { type: [String], default: [] },
    counts: { type: Schema.Types.Mixed, default: () => ({ addressBookEntries: 0 }) },
    receivedAt: { type: Date, required: true },
    liftedAt: { type: Date, default: null },
  },
  { collection: 'data_subject_cases', versionKey: false, minimize: false },
);

export type DataSubjectCaseModel = Model<DataSubjectCaseDocument>;

export function dataSubjectCaseModel(connection: Connection): DataSubjectCaseModel {
  return (connection.models.DataSubjectCase as DataSubjectCaseModel | undefined) ?? connection.model<DataSubjectCaseDocument>('DataSubjectCase', caseSchema);
}
