import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { ReportsService } from './reports.service';
import { AnalyticsDayPageType, PageTrafficPageType, SignUpFunnelPageType } from './reports.types';

const FROM = { description: 'YYYY-MM-DD, first day included' };
const TO = { description: 'YYYY-MM-DD, last day included, at most 366 days after from' };
const ZONE = { description: 'IANA time zone the days are counted in, e.g. Europe/Paris' };
const FIRST = { nullable: true, description: 'Days per page, 1-100 (31 by default)' };
const AFTER = { nullable: true, description: 'pageInfo.endCursor of the previous page' };

@Resolver()
export class ReportsResolver {
  constructor(private readonly reports: ReportsService) {}

  @Query(() => AnalyticsDayPageType, { description: "A workspace's searches, reveals, credits and exports per day; its administrators or analytics:read tokens" })
  async workspaceActivity(
    @Ctx() context: RequestContext,
    @Arg('workspaceId', () => ID) workspaceId: string,
    @Arg('from', () => String, FROM) from: string,
    @Arg('to', () => String, TO) to: string,
    @Arg('timeZone', () => String, ZONE) timeZone: string,
    @Arg('first', () => Int, FIRST) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
  ): Promise<AnalyticsDayPageType> {
    return AnalyticsDayPageType.from(await this.reports.workspaceActivity(context.caller, workspaceId, { from, to, timeZone, first, after }));
  }

  @Query(() => AnalyticsDayPageType, { description: 'Platform totals per day; internal staff only' })
  async platformTotals(
    @Ctx() context: RequestContext,
    @Arg('from', () => String, FROM) from: string,
    @Arg('to', () => String, TO) to: string,
    @Arg('timeZone', () => String, ZONE) timeZone: string,
    @Arg('first', () => Int, FIRST) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
  ): Promise<AnalyticsDayPageType> {
    return AnalyticsDayPageType.from(await this.reports.platformTotals(context.caller, { from, to, timeZone, first, after }));
  }

  @Query(() => SignUpFunnelPageType, { description: 'Sign-up funnel (signed up, first search, first reveal, subscription) by sign-up day; internal staff only' })
  async signUpFunnel(
    @Ctx() context: RequestContext,
    @Arg('from', () => String, FROM) from: string,
    @Arg('to', () => String, TO) to: string,
    @Arg('timeZone', () => String, ZONE) timeZone: string,
    @Arg('first', () => Int, FIRST) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
  ): Promise<SignUpFunnelPageType> {
    return SignUpFunnelPageType.from(await this.reports.signUpFunnel(context.caller, { from, to, timeZone, first, after }));
  }

  @Query(() => PageTrafficPageType, { description: 'Anonymous page traffic per day (every visitor, consent or not); internal staff only' })
  async pageTraffic(
    @Ctx() context: RequestContext,
    @Arg('from', () => String, FROM) from: string,
    @Arg('to', () => String, TO) to: string,
    @Arg('first', () => Int, { nullable: true, description: 'Rows per page, 1-100 (50 by default)' }) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
  ): Promise<PageTrafficPageType> {
    return PageTrafficPageType.from(await this.reports.pageTraffic(context.caller, { from, to, first, after }));
  }
}
