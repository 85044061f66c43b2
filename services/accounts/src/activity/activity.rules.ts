import { afterKeyset } from '@leadgraph/platform';
import { z } from 'zod';
import type { EventData } from '@leadgraph/events';
import type { ActivityAction, ActivityEntryDocument, ActivityTargetType } from './activity.model';

/** Sort key of the newest-first activity list; encoded as an opaque cursor. */
export const activityCursorSchema = z.object({ at: z.number().int().nonnegative(), id: z.string().min(1) });
export type ActivityCursor = z.infer<typeof activityCursorSchema>;

export function cursorOf(entry: Pick<ActivityEntryDocument, '_id' | 'at'>): ActivityCursor {
  return { at: entry.at.getTime(), id: entry._id };
}

/** Entries strictly after the cursor in (at desc, _id desc) order. */
export function olderThanCursor(cursor: ActivityCursor): { $or: Array<Record<string, unknown>> } {
  return afterKeyset('at', 'desc', new Date(cursor.at), cursor.id);
}

/** Pages are read with one extra row: its presence is what tells there is a next page. */
export function pageOf<T>(rows: T[], size: number): { items: T[]; hasNextPage: boolean } {
  return { items: rows.slice(0, size), hasNextPage: rows.length > size };
}

/** How a contacts address-book action reads in the workspace activity log (CON-05, ACC-05). */
export function addressBookActivityEntry(data: EventData<'AddressBookActivityRecorded'>): {
  action: ActivityAction;
  targetType: ActivityTargetType;
  targetId: string;
  details: Record<string, string>;
} {
  const action: ActivityAction = `ADDRESS_BOOK_${data.action}`;
  if (data.contactId) {
    return { action, targetType: 'CONTACT', targetId: data.contactId, details: data.listId ? { listId: data.listId } : {} };
  }
  return { action, targetType: 'CONTACT_LIST', targetId: data.listId ?? data.workspaceId, details: {} };
}
