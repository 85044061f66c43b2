import type { RetentionLimit, RetentionTrigger } from './retention-schedule.model';

/** Calendar months later, in UTC; a day missing from the target month becomes its last day. */
export function addMonths(from: Date, months: number): Date {
  const target = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  target.setUTCHours(from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds());
  return target;
}

/**
 * When a record must be deleted under its category's limits (PRV-07): the earliest limit among
 * those whose trigger has happened, or null while none has (the record is kept).
 */
export function retentionDeadline(limits: readonly RetentionLimit[], happened: Partial<Record<RetentionTrigger, Date>>): Date | null {
  const deadlines = limits.flatMap((limit) => {
    const start = happened[limit.trigger];
    return start ? [addMonths(start, limit.months).getTime()] : [];
  });
  return deadlines.length > 0 ? new Date(Math.min(...deadlines)) : null;
}
