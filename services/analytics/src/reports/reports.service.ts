import { z } from 'zod';
import { checkPageSize, decodeCursor, encodeCursor, type Caller } from '@leadgraph/platform';
import type { PageCountDocument, PageCountModel } from '../collection/collection.model';
import type { FunnelUserModel, MetricHourlyDocument, MetricHourlyModel } from '../metering/metering.model';
import { PLATFORM_SCOPE, workspaceScope } from '../metering/metering.rules';
import { assertMayReadWorkspaceUsage } from '../usage/usage.rules';
import {
  assertMayReadPlatformReports,
  checkDayRange,
  checkTimeZone,
  funnelCohorts,
  pageOfDays,
  rollUpDays,
  startOfDay,
  addDays,
  type FunnelCohort,
  type FunnelRow,
  type MetricTotals,
} from './reports.rules';

export interface ReportRange {
  from: string;
  to: string;
  timeZone: string;
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  timeZone: string;
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface DayTotals {
  day: string;
  totals: MetricTotals;
}

const cursorSchema = z.object({ d: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });
const pageCursorSchema = z.object({ id: z.string().min(1) });
const DEFAULT_DAYS_PER_PAGE = 31;

/** Day-by-day reports over server-side metering (ANA-02): workspace activity, platform totals, funnel. */
export class ReportsService {
  constructor(
    private readonly metricsHourly: MetricHourlyModel,
    private readonly funnel: FunnelUserModel,
    private readonly pageCounts: PageCountModel,
    /** The zone anonymous page counts are kept in (ANALYTICS_TIME_ZONE). */
    private readonly storageTimeZone: string,
  ) {}

  private pageOf(range: ReportRange): { timeZone: string; days: string[]; hasNextPage: boolean } {
    const timeZone = checkTimeZone(range.timeZone);
    const from = range.from.trim();
    const to = range.to.trim();
    checkDayRange(from, to);
    const first = checkPageSize(range.first, 'first', DEFAULT_DAYS_PER_PAGE);
    const after = range.after ? decodeCursor(range.after, cursorSchema, 'after').d : null;
    return { timeZone, ...pageOfDays(from, to, after, first) };
  }

  private async dailyTotals(scope: string, range: ReportRange): Promise<Page<DayTotals>> {
    const { timeZone, days, hasNextPage } = this.pageOf(range);
    const firstDay = days[0];
    const lastDay = days.at(-1);
    if (!firstDay || !lastDay) return { timeZone, nodes: [], hasNextPage: false, endCursor: null };
    const buckets = await this.metricsHourly
      .find({ scope, hour: { $gte: startOfDay(firstDay, timeZone), $lt: startOfDay(addDays(lastDay, 1), timeZone) } }, { hour: 1, metric: 1, count: 1 })
      .lean<Array<Pick<MetricHourlyDocument, 'hour' | 'metric' | 'count'>>>();
    const totals = rollUpDays(buckets, days, timeZone);
    return {
      timeZone,
      nodes: days.map((day) => ({ day, totals: totals.get(day) as MetricTotals })),
      hasNextPage,
      endCursor: encodeCursor({ d: lastDay }),
    };
  }

  /** ANA-02: searches, reveals, credits and exports of one workspace per day, in the caller's time zone. */
  async workspaceActivity(caller: Caller, workspaceId: string, range: ReportRange): Promise<Page<DayTotals>> {
    assertMayReadWorkspaceUsage(caller, workspaceId);
    return this.dailyTotals(workspaceScope(workspaceId), range);
  }

  /** Platform totals per day for internal staff. */
  async platformTotals(caller: Caller, range: ReportRange): Promise<Page<DayTotals>> {
    assertMayReadPlatformReports(caller);
    return this.dailyTotals(PLATFORM_SCOPE, range);
  }

  /** Sign-up funnel by sign-up day cohort, for internal staff. */
  async signUpFunnel(caller: Caller, range: ReportRange): Promise<Page<FunnelCohort>> {
    assertMayReadPlatformReports(caller);
    const { timeZone, days, hasNextPage } = this.pageOf(range);
    const firstDay = days[0];
    const lastDay = days.at(-1);
    if (!firstDay || !lastDay) return { timeZone, nodes: [], hasNextPage: false, endCursor: null };
    const rows = await this.funnel
      .find({ signedUpAt: { $gte: startOfDay(firstDay, timeZone), $lt: startOfDay(addDays(lastDay, 1), timeZone) } }, { _id: 0, signedUpAt: 1, firstSearchAt: 1, firstRevealAt: 1, subscribedAt: 1 })
      .lean<FunnelRow[]>();
    return { timeZone, nodes: funnelCohorts(rows, days, timeZone), hasNextPage, endCursor: encodeCursor({ d: lastDay }) };
  }

  /**
   * Anonymous page traffic (ANA-01): events per page and day, whoever sent them, for internal
   * staff. Days are those of the storage zone: counts are kept per day, not per hour.
   */
  async pageTraffic(caller: Caller, range: { from: string; to: string; first?: number | null; after?: string | null }): Promise<Page<PageCountDocument>> {
    assertMayReadPlatformReports(caller);
    const from = range.from.trim();
    const to = range.to.trim();
    checkDayRange(from, to);
    const first = checkPageSize(range.first, 'first', 50);
    const after = range.after ? decodeCursor(range.after, pageCursorSchema, 'after').id : null;
    const found = await this.pageCounts
      .find({ day: { $gte: from, $lte: to }, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(first + 1)
      .lean<PageCountDocument[]>();
    const nodes = found.slice(0, first);
    const last = nodes.at(-1);
    return { timeZone: this.storageTimeZone, nodes, hasNextPage: found.length > first, endCursor: last ? encodeCursor({ id: last._id }) : null };
  }
}
