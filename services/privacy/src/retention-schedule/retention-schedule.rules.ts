import { addCalendarMonths } from '@leadgraph/platform';
import type { RetentionLimit, RetentionTrigger } from './retention-schedule.model';

/**
 * When a record must be deleted under its category's limits (PRV-07): the earliest limit among
 * those whose trigger has happened, or null while none has (the record is kept).
 */
export function retentionDeadline(limits: readonly RetentionLimit[], happened: Partial<Record<RetentionTrigger, Date>>): Date | null {
  const deadlines = limits.flatMap((limit) => {
    const start = happened[limit.trigger];
    return start ? [addCalendarMonths(start, limit.months).getTime()] : [];
  });
  return deadlines.length > 0 ? new Date(Math.min(...deadlines)) : null;
}
