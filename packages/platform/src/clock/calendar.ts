/**
 * Calendar months later (earlier when negative), in UTC, at the same time of day; a day the target
 * month lacks becomes its last day (31 January + 1 month = 28 or 29 February), as card schemes,
 * Stripe and legal deadlines count. Used for billing periods, request deadlines and retention.
 */
export function addCalendarMonths(from: Date, months: number): Date {
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(from.getUTCDate(), lastDay), from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()),
  );
}
