import { Schema, type Connection, type Model } from 'mongoose';

/** The report of one retention pass (CON-09): when, the cut-off applied, and how many profiles went. */
export interface RetentionRunDocument {
  _id: string;
  ranAt: Date;
  cutoff: Date;
  deletedProfiles: number;
  finishedAt: Date;
}

const retentionRunSchema = new Schema<RetentionRunDocument>(
  {
    _id: { type: String, required: true },
    ranAt: { type: Date, required: true },
    cutoff: { type: Date, required: true },
    deletedProfiles: { type: Number, required: true },
    finishedAt: { type: Date, required: true },
  },
  { collection: 'retention_runs', versionKey: false },
);
retentionRunSchema.index({ ranAt: -1 });

export type RetentionRunModel = Model<RetentionRunDocument>;

export function retentionRunModel(connection: Connection): RetentionRunModel {
  return (connection.models.RetentionRun as RetentionRunModel | undefined) ?? connection.model<RetentionRunDocument>('RetentionRun', retentionRunSchema);
}
