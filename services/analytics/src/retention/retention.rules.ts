import { addCalendarMonths } from '@leadgraph/platform';
/** ANA-04 / PRV-07: raw analytics data is kept 25 months. */
export const RAW_EVENT_RETENTION_MONTHS = 25;

/** The privacy retention schedule's category for raw analytics data. */
export const ANALYTICS_RAW_CATEGORY = 'ANALYTICS_RAW';

export function rawEventCutoff(now: Date): Date {
  return addCalendarMonths(now, -RAW_EVENT_RETENTION_MONTHS);
}
