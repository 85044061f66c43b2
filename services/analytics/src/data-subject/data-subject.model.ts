import { Schema, type Connection, type Model } from 'mongoose';

/**
 * What an erasure found before it deleted anything (PRV-05): written once, before the deletes,
 * so an answer recorded after a crash between the deletes and the answer still reports what was
 * erased rather than "nothing held". Holds counts only.
 */
export interface ErasureTallyDocument {
  /** The data-subject request id. */
  _id: string;
  rawEvents: number;
  funnelRows: number;
  recordedAt: Date;
}

const erasureTallySchema = new Schema<ErasureTallyDocument>(
  {
    _id: { type: String, required: true },
    rawEvents: { type: Number, required: true },
    funnelRows: { type: Number, required: true },
    recordedAt: { type: Date, required: true },
  },
  { collection: 'erasure_tallies', versionKey: false },
);

export type ErasureTallyModel = Model<ErasureTallyDocument>;

export function erasureTallyModel(connection: Connection): ErasureTallyModel {
  return (connection.models.ErasureTally as ErasureTallyModel | undefined) ?? connection.model<ErasureTallyDocument>('ErasureTally', erasureTallySchema);
}
