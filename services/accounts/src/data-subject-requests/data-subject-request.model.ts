import { Schema, type Connection, type Model } from 'mongoose';
import type { DataSubjectRight } from '@leadgraph/events';

/**
 * What accounts decided when it first handled a data-subject request (PRV-05): whose data, under
 * which e-mail hashes, and the counts the answer reports, taken before acting. A redelivered
 * request (or one resumed after a crash) replays the same decision, so the work is done once and
 * answered with the same figures. Removed once the answer is recorded. Holds no personal data in
 * clear: an account id and keyed hashes.
 */
export interface DataSubjectWorkDocument {
  /** The request id. */
  _id: string;
  right: DataSubjectRight;
  /** The person's live account, when they have one. */
  userId: string | null;
  /** The request's e-mail hashes plus the account's own. */
  emailHashes: string[];
  counts: {
    /** Referral invitations addressed to the person that still hold their data. */
    invitationsHoldingData: number;
    /** ... of which still carry their name. */
    invitationsWithName: number;
    /** 1 when the account accepted marketing e-mails when the request arrived. */
    marketingOn: number;
    /** Workspace invitations (ACC-05) sent to the person's address. */
    workspaceInvitations: number;
  };
  startedAt: Date;
}

const workSchema = new Schema<DataSubjectWorkDocument>(
  {
    _id: { type: String, required: true },
    right: { type: String, required: true },
    userId: { type: String, default: null },
    emailHashes: { type: [String], default: [] },
    counts: {
      invitationsHoldingData: { type: Number, default: 0 },
      invitationsWithName: { type: Number, default: 0 },
      marketingOn: { type: Number, default: 0 },
      workspaceInvitations: { type: Number, default: 0 },
    },
    startedAt: { type: Date, required: true },
  },
  { collection: 'data_subject_work', versionKey: false },
);

export type DataSubjectWorkModel = Model<DataSubjectWorkDocument>;

export function dataSubjectWorkModel(connection: Connection): DataSubjectWorkModel {
  return (connection.models.DataSubjectWork as DataSubjectWorkModel | undefined) ?? connection.model<DataSubjectWorkDocument>('DataSubjectWork', workSchema);
}
