import { Schema, type Connection, type Model } from 'mongoose';
import type { WorkspacePlanKind } from './spend.rules';

/**
 * What billing remembers of each workspace's plan to decide who pays a spend (BIL-08): kept from
 * SubscriptionStarted / SubscriptionChanged / SubscriptionTerminated, newest event wins.
 */
export interface WorkspacePlanDocument {
  /** The workspace id. */
  _id: string;
  plan: WorkspacePlanKind;
  subscriptionId: string;
  planId: string;
  /** Time of the event this record follows; older events arriving late change nothing. */
  asOf: Date;
}

const workspacePlanSchema = new Schema<WorkspacePlanDocument>(
  {
    _id: { type: String, required: true },
    plan: { type: String, enum: ['FREEMIUM', 'PREMIUM'], required: true },
    subscriptionId: { type: String, required: true },
    planId: { type: String, required: true },
    asOf: { type: Date, required: true },
  },
  { collection: 'credit_owners', versionKey: false },
);

export type WorkspacePlanModel = Model<WorkspacePlanDocument>;

export function workspacePlanModel(connection: Connection): WorkspacePlanModel {
  return (
    (connection.models.CreditWorkspacePlan as WorkspacePlanModel | undefined) ??
    connection.model<WorkspacePlanDocument>('CreditWorkspacePlan', workspacePlanSchema)
  );
}
