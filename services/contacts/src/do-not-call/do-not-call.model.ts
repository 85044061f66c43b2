import { Schema, type Connection, type Model } from 'mongoose';

/** A number on a national do-not-call list (e.g. Bloctel in France); `_id` is the E.164 number. */
export interface DoNotCallDocument {
  _id: string;
  country: string;
  /** The list import that last contained it: numbers missing from a newer import of the country leave the list. */
  importId: string;
  listedAt: Date;
}

const doNotCallSchema = new Schema<DoNotCallDocument>(
  {
    _id: { type: String, required: true },
    country: { type: String, required: true },
    importId: { type: String, required: true },
    listedAt: { type: Date, required: true },
  },
  { collection: 'do_not_call', versionKey: false },
);
doNotCallSchema.index({ country: 1, importId: 1 });

export type DoNotCallModel = Model<DoNotCallDocument>;

export function doNotCallModel(connection: Connection): DoNotCallModel {
  return (connection.models.DoNotCall as DoNotCallModel | undefined) ?? connection.model<DoNotCallDocument>('DoNotCall', doNotCallSchema);
}
