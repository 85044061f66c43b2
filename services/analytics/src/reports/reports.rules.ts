import { DAY_MS, badInput, requireStaffRole, type Caller, type UserCaller } from '@leadgraph/platform';
import { dayBucket, dayRangeProblem, isTimeZone } from '../usage/usage.rules';
import { metrics, type Metric } from '../metering/metering.rules';

/** A report's time zone: an IANA zone, or BAD_USER_INPUT naming the field. */
export function checkTimeZone(timeZone: string, field = 'timeZone'): string {
  const zone = timeZone.trim();
  if (!isTimeZone(zone) || zone === '') throw badInput(field, `${field}: must be an IANA time zone such as Europe/Paris`);
  return zone;
}

/** A checked day range, both days included, at most a year (BAD_USER_INPUT naming from / to). */
export function checkDayRange(from: string, to: string): void {
  const problem = dayRangeProblem(from.trim(), to.trim());
  if (problem) throw badInput(problem.field, `${problem.field}: ${problem.message}`);
}

function dayParts(day: string): [number, number, number] {
  const [year, month, date] = day.split('-').map(Number);
  return [year ?? 0, month ?? 1, date ?? 1];
}

/** The calendar day `count` days after `day` (YYYY-MM-DD, time-zone free). */
export function addDays(day: string, count: number): string {
  const [year, month, date] = dayParts(day);
  return new Date(Date.UTC(year, month - 1, date) + count * DAY_MS).toISOString().slice(0, 10);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a zone from UTC at an instant, in ms (Paris in winter: +3 600 000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant a calendar day starts in a time zone (local midnight, DST included). */
export function startOfDay(day: string, timeZone: string): Date {
  const [year, month, date] = dayParts(day);
  const wallMidnight = Date.UTC(year, month - 1, date);
  let instant = wallMidnight - zoneOffsetMs(new Date(wallMidnight), timeZone);
  // The offset at the guess may differ from the offset at the real midnight (a DST change that day).
  const corrected = wallMidnight - zoneOffsetMs(new Date(instant), timeZone);
  if (corrected !== instant) instant = corrected;
  return new Date(instant);
}

/** The days of one report page: after the cursor day (exclusive), at most `first`, within the range. */
export function pageOfDays(from: string, to: string, afterDay: string | null, first: number): { days: string[]; hasNextPage: boolean } {
  const start = afterDay && afterDay >= from ? addDays(afterDay, 1) : from;
  const days: string[] = [];
  for (let day = start; day <= to && days.length < first; day = addDays(day, 1)) days.push(day);
  const last = days.at(-1);
  return { days, hasNextPage: last !== undefined && last < to };
}

/** Platform totals and funnels are for internal staff (any staff role; SUPER_ADMIN included). */
export function assertMayReadPlatformReports(caller: Caller): UserCaller {
  return requireStaffRole(caller, 'SUPPORT', 'BILLING_ADMIN', 'PRIVACY_OFFICER');
}

export type MetricTotals = Record<Metric, number>;

export function emptyTotals(): MetricTotals {
  return Object.fromEntries(metrics.map((metric) => [metric, 0])) as MetricTotals;
}

/**
 * Rolls hourly counters up into the calendar days of a time zone. Storage hours are UTC hours:
 * in zones whose offset is not a whole hour (India, Nepal...) an hour straddling midnight is
 * counted on the day it starts in.
 */
export function rollUpDays(buckets: Array<{ hour: Date; metric: Metric; count: number }>, days: string[], timeZone: string): Map<string, MetricTotals> {
  const totals = new Map<string, MetricTotals>(days.map((day) => [day, emptyTotals()]));
  for (const bucket of buckets) {
    const day = totals.get(dayBucket(bucket.hour, timeZone));
    if (day) day[bucket.metric] += bucket.count;
  }
  return totals;
}

export interface FunnelRow {
  signedUpAt?: Date | null;
  firstSearchAt?: Date | null;
  firstRevealAt?: Date | null;
  subscribedAt?: Date | null;
}

export interface FunnelCohort {
  cohortDay: string;
  signedUp: number;
  searched: number;
  revealed: number;
  subscribed: number;
}

/** How far one user went, steps in order: each step counts only after the previous ones (0..4). */
export function funnelDepth(row: FunnelRow): number {
  const steps = [row.signedUpAt, row.firstSearchAt, row.firstRevealAt, row.subscribedAt];
  let depth = 0;
  for (const step of steps) {
    if (!step) break;
    depth += 1;
  }
  return depth;
}

/** Sign-up cohorts by day of sign-up in a time zone: how many reached each funnel step. */
export function funnelCohorts(rows: FunnelRow[], days: string[], timeZone: string): FunnelCohort[] {
  const cohorts = new Map<string, FunnelCohort>(days.map((day) => [day, { cohortDay: day, signedUp: 0, searched: 0, revealed: 0, subscribed: 0 }]));
  for (const row of rows) {
    if (!row.signedUpAt) continue;
    const cohort = cohorts.get(dayBucket(row.signedUpAt, timeZone));
    if (!cohort) continue;
    const depth = funnelDepth(row);
    cohort.signedUp += 1;
    if (depth >= 2) cohort.searched += 1;
    if (depth >= 3) cohort.revealed += 1;
    if (depth >= 4) cohort.subscribed += 1;
  }
  return [...cohorts.values()];
}
