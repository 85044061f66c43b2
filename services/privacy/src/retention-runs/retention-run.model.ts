import { Schema, type Connection, type Model } from 'mongoose';
import type { RetentionRunReport } from '@leadgraph/events';

/** PRV-07 evidence: one document per retention pass reported by a service; never changed. */
export interface RetentionRunEvidenceDocument {
  _id: string;
  service: RetentionRunReport['service'];
  dataCategory: string;
  dryRun: boolean;
  cutoff: Date;
  due: number;
  deleted: number;
  ranAt: Date;
  finishedAt: Date;
  /** Whether the reporting service is the one the schedule says enforces this category. */
  matchesSchedule: boolean;
  receivedAt: Date;
}

const evidenceSchema = new Schema<RetentionRunEvidenceDocument>(
  {
    _id: { type: String, required: true },
    service: { type: String, required: true },
    dataCategory: { type: String, required: true },
    dryRun: { type: Boolean, required: true },
    cutoff: { type: Date, required: true },
    due: { type: Number, required: true },
    deleted: { type: Number, required: true },
    ranAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true },
    matchesSchedule: { type: Boolean, required: true },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'retention_run_evidence', versionKey: false },
);
evidenceSchema.index({ ranAt: -1, _id: -1 });
evidenceSchema.index({ dataCategory: 1, ranAt: -1 });

export type RetentionRunEvidenceModel = Model<RetentionRunEvidenceDocument>;

export function retentionRunEvidenceModel(connection: Connection): RetentionRunEvidenceModel {
  return (
    (connection.models.RetentionRunEvidence as RetentionRunEvidenceModel | undefined) ??
    connection.model<RetentionRunEvidenceDocument>('RetentionRunEvidence', evidenceSchema)
  );
}
