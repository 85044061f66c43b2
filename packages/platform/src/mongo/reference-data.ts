import type { Model, RootFilterQuery, UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from './connection';

/** A row of reference data (plan catalogue, sub-processors...) as shipped with the service. */
export interface ReferenceRecord {
  _id: string;
  /** Bumped when the shipped row changes; the stored row is replaced only by a higher revision. */
  revision: number;
}

/**
 * Seeds reference data at start-up, idempotently: missing rows are inserted, rows with a lower
 * revision are replaced, equal or newer rows are left alone. Safe when several instances start
 * at once (the losing upsert hits the unique `_id` and is ignored). One single-document write per row.
 */
export async function seedReferenceData<T extends ReferenceRecord>(model: Model<T>, records: readonly T[]): Promise<{ written: number }> {
  let written = 0;
  for (const record of records) {
    // `_id` comes from the filter on insert and must not be "changed" on update.
    const { _id, ...fields } = record;
    try {
      const result = await model.updateOne(
        { _id, revision: { $lt: record.revision } } as RootFilterQuery<T>,
        { $set: fields } as UpdateQuery<T>,
        { upsert: true },
      );
      written += result.upsertedCount + result.modifiedCount;
    } catch (error) {
      // The row exists with the same or a newer revision: nothing to do.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  return { written };
}
