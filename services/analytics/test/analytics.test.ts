import type { Caller, RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, probe, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config';
import { startAnalyticsService } from '../src/main';
import { usageDailyModel } from '../src/usage/usage.model';
import { UsageService } from '../src/usage/usage.service';

interface UsageAnswer {
  workspaceUsage: {
    workspaceId: string;
    from: string;
    to: string;
    timeZone: string;
    entries: Array<{ day: string; creditType: string; creditsSpent: number; actions: number }>;
  };
}

const REPORT = `query Usage($workspaceId: ID!, $from: String!, $to: String!) {
  workspaceUsage(workspaceId: $workspaceId, from: $from, to: $to) {
    workspaceId from to timeZone entries { day creditType creditsSpent actions }
  }
}`;

describe('analytics subgraph: daily usage per workspace', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let config: AnalyticsConfig;
  let analytics: RunningService;
  let usage: UsageService;
  // A NATS server of its own: analytics consumes (and answers) events other test files publish.
  let nats: { url: string; stop(): Promise<void> };

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadAnalyticsConfig(serviceTestEnv('analytics', { NATS_URL: nats.url, ANALYTICS_TIME_ZONE: 'Europe/Paris' }));
    analytics = await startAnalyticsService(config, { clock, logger: testLogger('analytics') });
    // What the usage event consumers will call; the same service over the same database.
    usage = new UsageService(usageDailyModel(analytics.infra.connection), config.ANALYTICS_TIME_ZONE, clock);
  });
  afterAll(async () => {
    await analytics.infra.connection.dropDatabase();
    await analytics.stop();
    await nats.stop();
  });

  const report = (variables: { workspaceId: string; from: string; to: string }, caller: Caller) =>
    callSubgraph<UsageAnswer>(analytics.url, REPORT, { variables, caller, now: clock.now() });

  it('serves /healthz and /readyz', async () => {
    expect((await probe(analytics.url, '/healthz')).body).toEqual({ status: 'ok', service: 'analytics' });
    expect(await probe(analytics.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { mongo: true, nats: true } } });
  });

  it('refuses a reporting time zone that is not an IANA zone', () => {
    expect(() => loadAnalyticsConfig({ ANALYTICS_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(/ANALYTICS_TIME_ZONE/);
  });

  it('reads the collector settings: proxy trust, CORS origins, limits', () => {
    expect(loadAnalyticsConfig({})).toMatchObject({ ANALYTICS_TRUST_PROXY: false, ANALYTICS_CORS_ORIGINS: [], ANALYTICS_MAX_EVENTS_PER_BATCH: 50, RETENTION_DRY_RUN: false });
    expect(loadAnalyticsConfig({ ANALYTICS_TRUST_PROXY: '1' }).ANALYTICS_TRUST_PROXY).toBe(1);
    expect(loadAnalyticsConfig({ ANALYTICS_TRUST_PROXY: 'loopback' }).ANALYTICS_TRUST_PROXY).toBe('loopback');
    expect(loadAnalyticsConfig({ ANALYTICS_CORS_ORIGINS: 'https://a.test, https://b.test' }).ANALYTICS_CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
    expect(loadAnalyticsConfig({ RETENTION_DRY_RUN: 'true' }).RETENTION_DRY_RUN).toBe(true);
    expect(() => loadAnalyticsConfig({ ANALYTICS_MAX_EVENTS_PER_BATCH: '0' })).toThrow(/ANALYTICS_MAX_EVENTS_PER_BATCH/);
  });

  it('[ANA-02] usage is aggregated per workspace, day in the reporting time zone and credit type', async () => {
    const workspaceId = uniqueName('workspace');
    const otherWorkspaceId = uniqueName('workspace');
    await usage.record({ workspaceId, creditType: 'PHONE', occurredAt: new Date('2026-11-22T23:30:00.000Z'), creditsSpent: 1, actions: 1, eventId: uniqueName('event') });
    await usage.record({ workspaceId, creditType: 'PHONE', occurredAt: new Date('2026-11-23T08:00:00.000Z'), creditsSpent: 0, actions: 1, eventId: uniqueName('event') });
    await usage.record({ workspaceId, creditType: 'EXPORT', occurredAt: new Date('2026-11-23T10:00:00.000Z'), creditsSpent: 25, actions: 25, eventId: uniqueName('event') });
    await usage.record({ workspaceId, creditType: 'PRO_EMAIL', occurredAt: new Date('2026-11-22T12:00:00.000Z'), creditsSpent: 2, actions: 2, eventId: uniqueName('event') });
    await usage.record({ workspaceId, creditType: 'PRO_EMAIL', occurredAt: new Date('2026-11-20T12:00:00.000Z'), creditsSpent: 9, actions: 9, eventId: uniqueName('event') });
    await usage.record({ workspaceId: otherWorkspaceId, creditType: 'PHONE', occurredAt: new Date('2026-11-23T08:00:00.000Z'), creditsSpent: 7, actions: 7, eventId: uniqueName('event') });

    const answer = await report({ workspaceId, from: '2026-11-22', to: '2026-11-23' }, userCaller({ workspaceId, workspaceRole: 'ADMIN' }));
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.workspaceUsage).toEqual({
      workspaceId,
      from: '2026-11-22',
      to: '2026-11-23',
      timeZone: 'Europe/Paris',
      entries: [
        { day: '2026-11-22', creditType: 'PRO_EMAIL', creditsSpent: 2, actions: 2 },
        { day: '2026-11-23', creditType: 'EXPORT', creditsSpent: 25, actions: 25 },
        // 23:30 UTC on the 22nd is the 23rd in Paris.
        { day: '2026-11-23', creditType: 'PHONE', creditsSpent: 1, actions: 2 },
      ],
    });
  });

  it('[ANA-02] concurrent first writes of a bucket all count', async () => {
    const workspaceId = uniqueName('workspace');
    const occurredAt = new Date('2026-11-23T09:00:00.000Z');
    await Promise.all(
      Array.from({ length: 8 }, () => usage.record({ workspaceId, creditType: 'DIRECT_EMAIL', occurredAt, creditsSpent: 1, actions: 1, eventId: uniqueName('event') })),
    );
    const answer = await report({ workspaceId, from: '2026-11-23', to: '2026-11-23' }, apiTokenCaller({ workspaceId, scopes: ['analytics:read'] }));
    expect(answer.data?.workspaceUsage.entries).toEqual([{ day: '2026-11-23', creditType: 'DIRECT_EMAIL', creditsSpent: 8, actions: 8 }]);
  });

  it('[ANA-02] only administrators of the workspace, or its tokens with analytics:read, read its usage', async () => {
    const workspaceId = uniqueName('workspace');
    const range = { workspaceId, from: '2026-11-01', to: '2026-11-30' };
    const member = await report(range, userCaller({ workspaceId, workspaceRole: 'MEMBER' }));
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherAdmin = await report(range, userCaller({ workspaceId: uniqueName('workspace'), workspaceRole: 'ADMIN' }));
    expect(otherAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tokenWithoutScope = await report(range, apiTokenCaller({ workspaceId, scopes: ['billing:read'] }));
    expect(tokenWithoutScope.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'analytics:read' });
    const anonymous = await report(range, { kind: 'anonymous' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const admin = await report(range, userCaller({ workspaceId, workspaceRole: 'ADMIN' }));
    expect(admin.data?.workspaceUsage.entries).toEqual([]);
  });

  it.each([
    ['a day that is not YYYY-MM-DD', 'from', { from: '23/11/2026', to: '2026-11-30' }],
    ['an impossible day', 'to', { from: '2026-11-01', to: '2026-11-31' }],
    ['a range ending before it starts', 'to', { from: '2026-11-30', to: '2026-11-01' }],
    ['a range over a year', 'to', { from: '2025-01-01', to: '2026-11-30' }],
  ])('[ANA-02] a report with %s is BAD_USER_INPUT naming %s', async (_case, field, days) => {
    const workspaceId = uniqueName('workspace');
    const answer = await report({ workspaceId, ...days }, userCaller({ workspaceId, workspaceRole: 'ADMIN' }));
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});
