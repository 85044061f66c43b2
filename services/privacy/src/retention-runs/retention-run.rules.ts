import { afterKeyset } from '@leadgraph/platform';
import { z } from 'zod';

/** PRV-07: a report is expected from the service the schedule names for its category. */
export function reportMatchesSchedule(report: { service: string; dataCategory: string }, schedule: ReadonlyArray<{ dataCategory: string; enforcedBy: string }>): boolean {
  return schedule.some((rule) => rule.dataCategory === report.dataCategory && rule.enforcedBy === report.service);
}

export const retentionRunCursorSchema = z.object({ ranAt: z.number().int(), id: z.string().min(1) });
export type RetentionRunCursor = z.infer<typeof retentionRunCursorSchema>;

/** Newest first: runs strictly after the cursor in (ranAt desc, _id desc) order. */
export function olderThanRunCursor(cursor: RetentionRunCursor): { $or: Array<Record<string, unknown>> } {
  return afterKeyset('ranAt', 'desc', new Date(cursor.ranAt), cursor.id);
}
