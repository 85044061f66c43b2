/** ANA-04 / PRV-07: raw analytics data is kept 25 months. */
export const RAW_EVENT_RETENTION_MONTHS = 25;

/** The privacy retention schedule's category for raw analytics data. */
export const ANALYTICS_RAW_CATEGORY = 'ANALYTICS_RAW';

/**
 * The instant `months` calendar months before `now` (UTC): raw events that occurred before it are
 * due. The day is clamped to the end of a shorter month: 25 months before 31 March 2028 is
 * 28 February 2026 (not 3 March), the same time of day.
 */
export function monthsBefore(now: Date, months: number): Date {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(now.getUTCDate(), lastDay);
  return new Date(Date.UTC(year, month, day, now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds()));
}

export function rawEventCutoff(now: Date): Date {
  return monthsBefore(now, RAW_EVENT_RETENTION_MONTHS);
}
