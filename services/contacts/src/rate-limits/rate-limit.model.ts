import { Schema, type Connection, type Model } from 'mongoose';
import { bulkSignals, type BulkSignal } from './rate-limit.rules';

/** One account's searches and reveals on one UTC day (`_id` = `userId:day`): one upsert per call. */
export interface UsageCounterDocument {
  _id: string;
  userId: string;
  workspaceId: string | null;
  day: string;
  searchPages: number;
  deepPages: number;
  reveals: number;
}

const usageCounterSchema = new Schema<UsageCounterDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    workspaceId: { type: String, default: null },
    day: { type: String, required: true },
    searchPages: { type: Number, default: 0 },
    deepPages: { type: Number, default: 0 },
    reveals: { type: Number, default: 0 },
  },
  { collection: 'usage_counters', versionKey: false },
);

export type UsageCounterModel = Model<UsageCounterDocument>;

export function usageCounterModel(connection: Connection): UsageCounterModel {
  return (connection.models.UsageCounter as UsageCounterModel | undefined) ?? connection.model<UsageCounterDocument>('UsageCounter', usageCounterSchema);
}

/** An account flagged for a bulk-extraction pattern (CON-10), for staff to review. */
export interface ExtractionFlagDocument {
  _id: string;
  userId: string;
  workspaceId: string | null;
  day: string;
  signals: BulkSignal[];
  usage: { searchPages: number; deepPages: number; reveals: number };
  flaggedAt: Date;
}

const extractionFlagSchema = new Schema<ExtractionFlagDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    workspaceId: { type: String, default: null },
    day: { type: String, required: true },
    signals: { type: [String], enum: bulkSignals, default: [] },
    usage: { type: Schema.Types.Mixed, required: true },
    flaggedAt: { type: Date, required: true },
  },
  { collection: 'extraction_flags', versionKey: false },
);
extractionFlagSchema.index({ flaggedAt: -1, _id: -1 });

export type ExtractionFlagModel = Model<ExtractionFlagDocument>;

export function extractionFlagModel(connection: Connection): ExtractionFlagModel {
  return (connection.models.ExtractionFlag as ExtractionFlagModel | undefined) ?? connection.model<ExtractionFlagDocument>('ExtractionFlag', extractionFlagSchema);
}
