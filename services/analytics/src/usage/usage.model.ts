import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';

export type CreditType = z.infer<typeof creditTypeSchema>;

/**
 * Server-side usage of one workspace, one calendar day and one credit type (ANA-02): counts only,
 * no person and no contact detail (ANA-03), so it is an anonymous aggregate that may be kept.
 */
export interface UsageDailyDocument {
  /** `workspaceId|day|creditType`: one document per bucket, updated with `$inc`. */
  _id: string;
  workspaceId: string;
  /** YYYY-MM-DD in `timeZone`. */
  day: string;
  timeZone: string;
  creditType: CreditType;
  creditsSpent: number;
  /** Reveals of this field type (contacts exported for EXPORT), charged or free. */
  actions: number;
  /** Events already counted in this bucket (ANA-02 idempotency); never returned by reports. */
  eventIds?: string[];
  updatedAt: Date;
}

const usageDailySchema = new Schema<UsageDailyDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    day: { type: String, required: true, match: /^\d{4}-\d{2}-\d{2}$/ },
    timeZone: { type: String, required: true },
    creditType: { type: String, enum: creditTypeSchema.options, required: true },
    creditsSpent: { type: Number, default: 0 },
    actions: { type: Number, default: 0 },
    eventIds: { type: [String], default: undefined },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'usage_daily', versionKey: false },
);
// Reports read one workspace over a day range; YYYY-MM-DD strings sort as dates.
usageDailySchema.index({ workspaceId: 1, day: 1 });

export type UsageDailyModel = Model<UsageDailyDocument>;

export function usageDailyModel(connection: Connection): UsageDailyModel {
  return (connection.models.UsageDaily as UsageDailyModel | undefined) ?? connection.model<UsageDailyDocument>('UsageDaily', usageDailySchema);
}

export function usageBucketId(workspaceId: string, day: string, creditType: CreditType): string {
  return `${workspaceId}|${day}|${creditType}`;
}
