import { afterKeyset } from '@leadgraph/platform';
import { z } from 'zod';
import type { PrivacyAuditEntryDocument } from './audit.model';

/** Sort key of the newest-first audit trail; encoded as an opaque cursor. */
export const auditCursorSchema = z.object({ at: z.number().int().nonnegative(), id: z.string().min(1) });
export type AuditCursor = z.infer<typeof auditCursorSchema>;

export function auditCursorOf(entry: Pick<PrivacyAuditEntryDocument, '_id' | 'at'>): AuditCursor {
  return { at: entry.at.getTime(), id: entry._id };
}

/** Entries strictly after the cursor in (at desc, _id desc) order. */
export function olderThanAuditCursor(cursor: AuditCursor): { $or: Array<Record<string, unknown>> } {
  return afterKeyset('at', 'desc', new Date(cursor.at), cursor.id);
}
