import { JSONCodec } from 'nats';
import { EVENT_STREAM, createEvent, eventSubject, type EventData, type EventName, type LeadgraphEvent } from '@leadgraph/events';
import { EventBus, processedEventModel, type Caller, type RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, connectTestBus, eventually, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config';
import { startAnalyticsService } from '../src/main';
import { funnelUserModel, metricHourlyModel } from '../src/metering/metering.model';
import { PLATFORM_SCOPE } from '../src/metering/metering.rules';
import { MeteringService } from '../src/metering/metering.service';

/**
 * Server-side usage metering from real domain events on NATS (ANA-02), and the reports over it:
 * workspace activity, platform totals and the sign-up funnel, day buckets in the asked time zone.
 * Every test runs in its own NATS server, so the platform totals are this file's alone.
 */
describe('analytics metering and reports', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let config: AnalyticsConfig;
  let analytics: RunningService;
  let bus: EventBus;
  const staff = userCaller({ staffRoles: ['SUPPORT'] });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadAnalyticsConfig(serviceTestEnv('analytics', { NATS_URL: nats.url, ANALYTICS_TIME_ZONE: 'Europe/Paris' }));
    analytics = await startAnalyticsService(config, { clock, logger: testLogger('analytics') });
    bus = await connectTestBus('analytics-metering-test', nats.url);
  });
  afterAll(async () => {
    await bus.close();
    await analytics.infra.connection.dropDatabase();
    await analytics.stop();
    await nats.stop();
  });

  const connection = () => analytics.infra.connection;

  async function deliver<N extends EventName>(name: N, data: EventData<N>): Promise<LeadgraphEvent<N>> {
    const event = createEvent(name, data, { subject: 'test', time: clock.now() });
    await bus.publish(event);
    await eventually(async () => expect(await processedEventModel(connection()).exists({ eventId: event.id })).toBeTruthy());
    return event;
  }

  const DAY_FIELDS = 'day signUps searches reveals { proEmail phone directEmail export } creditsSpent exports contactsExported creditsGranted { proEmail phone directEmail export } subscriptionsStarted';
  const PLATFORM = `query P($from: String!, $to: String!, $tz: String!, $first: Int, $after: String) {
    platformTotals(from: $from, to: $to, timeZone: $tz, first: $first, after: $after) { timeZone nodes { ${DAY_FIELDS} } pageInfo { hasNextPage endCursor } }
  }`;
  const WORKSPACE = `query W($ws: ID!, $from: String!, $to: String!, $tz: String!) {
    workspaceActivity(workspaceId: $ws, from: $from, to: $to, timeZone: $tz) { timeZone nodes { ${DAY_FIELDS} } pageInfo { hasNextPage endCursor } }
  }`;
  const FUNNEL = `query F($from: String!, $to: String!, $tz: String!) {
    signUpFunnel(from: $from, to: $to, timeZone: $tz) { timeZone nodes { cohortDay signedUp searched revealed subscribed } pageInfo { hasNextPage endCursor } }
  }`;
  const USAGE = `query U($ws: ID!, $from: String!, $to: String!) { workspaceUsage(workspaceId: $ws, from: $from, to: $to) { entries { day creditType creditsSpent actions } } }`;

  interface Day {
    day: string;
    signUps: number;
    searches: number;
    reveals: { proEmail: number; phone: number; directEmail: number; export: number };
    creditsSpent: number;
    exports: number;
    contactsExported: number;
    creditsGranted: { proEmail: number; phone: number; directEmail: number; export: number };
    subscriptionsStarted: number;
  }
  interface DayPage {
    timeZone: string;
    nodes: Day[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }
  const query = <T>(text: string, variables: Record<string, unknown>, caller: Caller) => callSubgraph<T>(analytics.url, text, { variables, caller, now: clock.now() });

  const workspaceId = uniqueName('workspace');
  const userId = uniqueName('user');
  // 23:30 UTC on 22 November: the 22nd in New York, the 23rd in Paris.
  const lateEvening = '2026-11-22T23:30:00.000Z';
  const morning = '2026-11-23T08:00:00.000Z';

  it('[ANA-02] reveals, exports, searches, credits granted, sign-ups and subscriptions are counted per day in the asked time zone', async () => {
    await deliver('AccountCreated', { userId, language: 'en', termsVersion: '2026-01', createdAt: lateEvening });
    await deliver('ContactSearchPerformed', { searchId: uniqueName('search'), workspaceId, userId, viaApiTokenId: null, resultCount: 12, searchedAt: lateEvening });
    await deliver('ContactSearchPerformed', { searchId: uniqueName('search'), workspaceId, userId, viaApiTokenId: null, resultCount: 0, searchedAt: morning });
    await deliver('ContactRevealed', { contactId: uniqueName('contact'), workspaceId, userId, viaApiTokenId: null, fields: ['PHONE', 'PRO_EMAIL'], creditsCharged: 2, revealedAt: morning });
    await deliver('ContactsExported', { exportId: uniqueName('export'), workspaceId, userId, contactCount: 25, format: 'CSV', exportedAt: morning });
    await deliver('CreditsGranted', { ownerType: 'WORKSPACE', ownerId: workspaceId, creditType: 'PHONE', amount: 100, source: 'SUBSCRIPTION', expiresAt: null, grantedAt: morning });
    await deliver('SubscriptionStarted', { subscriptionId: uniqueName('sub'), workspaceId, subscriberUserId: userId, planId: 'pro', seats: 3, periodStart: morning, periodEnd: '2026-12-23T08:00:00.000Z' });

    const paris = await query<{ platformTotals: DayPage }>(PLATFORM, { from: '2026-11-22', to: '2026-11-23', tz: 'Europe/Paris' }, staff);
    expect(paris.errors).toBeUndefined();
    expect(paris.data?.platformTotals.timeZone).toBe('Europe/Paris');
    const [parisDay22, parisDay23] = paris.data?.platformTotals.nodes ?? [];
    expect(parisDay22).toMatchObject({ day: '2026-11-22', signUps: 0, searches: 0 });
    expect(parisDay23).toEqual({
      day: '2026-11-23',
      signUps: 1,
      searches: 2,
      reveals: { proEmail: 1, phone: 1, directEmail: 0, export: 0 },
      creditsSpent: 2,
      exports: 1,
      contactsExported: 25,
      creditsGranted: { proEmail: 0, phone: 100, directEmail: 0, export: 0 },
      subscriptionsStarted: 1,
    });

    const newYork = await query<{ platformTotals: DayPage }>(PLATFORM, { from: '2026-11-22', to: '2026-11-23', tz: 'America/New_York' }, staff);
    const [nyDay22, nyDay23] = newYork.data?.platformTotals.nodes ?? [];
    expect(nyDay22).toMatchObject({ day: '2026-11-22', signUps: 1, searches: 1 });
    // 08:00 UTC is 03:00 in New York: still the 23rd.
    expect(nyDay23).toMatchObject({ day: '2026-11-23', signUps: 0, searches: 1, creditsSpent: 2 });

    const admin = userCaller({ workspaceId, workspaceRole: 'ADMIN' });
    const activity = await query<{ workspaceActivity: DayPage }>(WORKSPACE, { ws: workspaceId, from: '2026-11-23', to: '2026-11-23', tz: 'Europe/Paris' }, admin);
    expect(activity.data?.workspaceActivity.nodes).toEqual([
      expect.objectContaining({ day: '2026-11-23', signUps: 0, searches: 2, creditsSpent: 2, exports: 1, contactsExported: 25, reveals: { proEmail: 1, phone: 1, directEmail: 0, export: 0 } }),
    ]);
    const usage = await query<{ workspaceUsage: { entries: unknown[] } }>(USAGE, { ws: workspaceId, from: '2026-11-23', to: '2026-11-23' }, admin);
    expect(usage.data?.workspaceUsage.entries).toEqual([
      { day: '2026-11-23', creditType: 'EXPORT', creditsSpent: 25, actions: 25 },
      { day: '2026-11-23', creditType: 'PHONE', creditsSpent: 1, actions: 1 },
      { day: '2026-11-23', creditType: 'PRO_EMAIL', creditsSpent: 1, actions: 1 },
    ]);

    const funnel = await query<{ signUpFunnel: { nodes: unknown[] } }>(FUNNEL, { from: '2026-11-22', to: '2026-11-23', tz: 'Europe/Paris' }, staff);
    expect(funnel.data?.signUpFunnel.nodes).toEqual([
      { cohortDay: '2026-11-22', signedUp: 0, searched: 0, revealed: 0, subscribed: 0 },
      { cohortDay: '2026-11-23', signedUp: 1, searched: 1, revealed: 1, subscribed: 1 },
    ]);
  });

  it('[ANA-02] metering is idempotent on event id: a redelivery and a re-run handler count once', async () => {
    const otherWorkspace = uniqueName('workspace');
    const reveal = createEvent(
      'ContactRevealed',
      { contactId: uniqueName('contact'), workspaceId: otherWorkspace, userId: uniqueName('user'), viaApiTokenId: null, fields: ['DIRECT_EMAIL'], creditsCharged: 1, revealedAt: morning },
      { subject: 'test', time: clock.now() },
    );
    await bus.publish(reveal);
    // Delivered a second time under another message id (a producer retry after a lost ack).
    await bus.publishRaw(eventSubject('ContactRevealed'), JSONCodec().encode(reveal), {}, uniqueName('redelivery'));
    await eventually(async () => expect(await processedEventModel(connection()).exists({ eventId: reveal.id })).toBeTruthy());
    // The handler itself re-run (a crash between its writes and the processed-event record).
    const metering = new MeteringService(metricHourlyModel(connection()), funnelUserModel(connection()), clock);
    await metering.count(reveal.id, new Date(morning), [{ scope: `workspace:${otherWorkspace}`, metric: 'REVEALS_DIRECT_EMAIL', amount: 1 }]);
    // Both deliveries consumed (acknowledged) before we read.
    const durable = `analytics__ContactRevealed__${connection().name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    await eventually(async () => {
      const info = await bus.manager.consumers.info(EVENT_STREAM, durable);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
    await deliver('ContactSearchPerformed', { searchId: uniqueName('search'), workspaceId: otherWorkspace, userId: uniqueName('user'), viaApiTokenId: null, resultCount: 1, searchedAt: morning });

    const admin = userCaller({ workspaceId: otherWorkspace, workspaceRole: 'ADMIN' });
    const activity = await query<{ workspaceActivity: DayPage }>(WORKSPACE, { ws: otherWorkspace, from: '2026-11-23', to: '2026-11-23', tz: 'Europe/Paris' }, admin);
    expect(activity.data?.workspaceActivity.nodes[0]).toMatchObject({ searches: 1, creditsSpent: 1, reveals: { proEmail: 0, phone: 0, directEmail: 1, export: 0 } });
    const usage = await query<{ workspaceUsage: { entries: unknown[] } }>(USAGE, { ws: otherWorkspace, from: '2026-11-23', to: '2026-11-23' }, admin);
    expect(usage.data?.workspaceUsage.entries).toEqual([{ day: '2026-11-23', creditType: 'DIRECT_EMAIL', creditsSpent: 1, actions: 1 }]);
    const buckets = await metricHourlyModel(connection()).find({ scope: PLATFORM_SCOPE, metric: 'REVEALS_DIRECT_EMAIL' }).lean();
    expect(buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(1);
  });

  it('[ANA-02] report days are paginated with a cursor', async () => {
    const first = await query<{ platformTotals: DayPage }>(PLATFORM, { from: '2026-11-21', to: '2026-11-23', tz: 'Europe/Paris', first: 2 }, staff);
    expect(first.data?.platformTotals.nodes.map((day) => day.day)).toEqual(['2026-11-21', '2026-11-22']);
    expect(first.data?.platformTotals.pageInfo.hasNextPage).toBe(true);
    const second = await query<{ platformTotals: DayPage }>(
      PLATFORM,
      { from: '2026-11-21', to: '2026-11-23', tz: 'Europe/Paris', first: 2, after: first.data?.platformTotals.pageInfo.endCursor },
      staff,
    );
    expect(second.data?.platformTotals.nodes.map((day) => day.day)).toEqual(['2026-11-23']);
    expect(second.data?.platformTotals.pageInfo.hasNextPage).toBe(false);
    const badCursor = await query<{ platformTotals: DayPage }>(PLATFORM, { from: '2026-11-21', to: '2026-11-23', tz: 'Europe/Paris', after: 'garbage' }, staff);
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('[ANA-02] platform totals and the funnel are for internal staff only; workspace activity for its admins', async () => {
    const range = { from: '2026-11-22', to: '2026-11-23', tz: 'Europe/Paris' };
    const member = userCaller({ workspaceId, workspaceRole: 'ADMIN' });
    expect((await query(PLATFORM, range, member)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await query(FUNNEL, range, member)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await query(PLATFORM, range, apiTokenCaller({ scopes: ['analytics:read'] }))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await query(PLATFORM, range, { kind: 'anonymous' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await query(FUNNEL, range, userCaller({ staffRoles: ['SUPER_ADMIN'] }))).errors).toBeUndefined();
    const otherAdmin = userCaller({ workspaceId: uniqueName('workspace'), workspaceRole: 'ADMIN' });
    expect((await query(WORKSPACE, { ws: workspaceId, ...range }, otherAdmin)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await query(WORKSPACE, { ws: workspaceId, ...range }, apiTokenCaller({ workspaceId, scopes: ['analytics:read'] }))).errors).toBeUndefined();
  });

  it('[ANA-02] a time zone that is not an IANA zone is BAD_USER_INPUT naming timeZone', async () => {
    const answer = await query(PLATFORM, { from: '2026-11-22', to: '2026-11-23', tz: 'Mars/Olympus_Mons' }, staff);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
    const badRange = await query(PLATFORM, { from: '2026-11-23', to: '2026-11-22', tz: 'UTC' }, staff);
    expect(badRange.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });
});
