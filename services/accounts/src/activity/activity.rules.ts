import { z } from 'zod';
import type { ActivityEntryDocument } from './activity.model';

/** Sort key of the newest-first activity list; encoded as an opaque cursor. */
export const activityCursorSchema = z.object({ at: z.number().int().nonnegative(), id: z.string().min(1) });
export type ActivityCursor = z.infer<typeof activityCursorSchema>;

export function cursorOf(entry: Pick<ActivityEntryDocument, '_id' | 'at'>): ActivityCursor {
  return { at: entry.at.getTime(), id: entry._id };
}

/** Entries strictly after the cursor in (at desc, _id desc) order. */
export function olderThanCursor(cursor: ActivityCursor): { $or: Array<Record<string, unknown>> } {
  const at = new Date(cursor.at);
  return { $or: [{ at: { $lt: at } }, { at, _id: { $lt: cursor.id } }] };
}

/** Pages are read with one extra row: its presence is what tells there is a next page. */
export function pageOf<T>(rows: T[], size: number): { items: T[]; hasNextPage: boolean } {
  return { items: rows.slice(0, size), hasNextPage: rows.length > size };
}
