import { createEvent, type EventData, type EventName } from '@leadgraph/events';
import { addCalendarMonths, DAY_MS, EventBus, ManualClock, processedEventModel, retentionRunReportModel, type RunningService } from '@leadgraph/platform';
import { connectTestBus, eventually, expectEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName } from '@leadgraph/platform/src/testing';
import { pageCountModel, rawEventModel } from '../src/collection/collection.model';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config';
import { analyticsConsentModel } from '../src/consent/consent.model';
import { startAnalyticsService } from '../src/main';
import { funnelUserModel, metricHourlyModel } from '../src/metering/metering.model';
import { RetentionService } from '../src/retention/retention.service';
import { usageDailyModel } from '../src/usage/usage.model';

/** ANA-04 / PRV-07: the raw-event retention job, run with an injected clock 26 months later. */
describe('analytics retention job', () => {
  const start = '2024-09-01T09:00:00.000Z';
  const clock = testClock(start);
  let nats: { url: string; stop(): Promise<void> };
  let config: AnalyticsConfig;
  let analytics: RunningService;
  let bus: EventBus;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadAnalyticsConfig(serviceTestEnv('analytics', { NATS_URL: nats.url, ANALYTICS_RETENTION_INTERVAL_MS: '86400000' }));
    analytics = await startAnalyticsService(config, { clock, logger: testLogger('analytics') });
    bus = await connectTestBus('analytics-retention-test', nats.url);
    // The service's own job makes a first pass at start-up: let it finish before writing data.
    await eventually(async () => expect(await retentionRunReportModel(analytics.infra.connection).countDocuments()).toBe(1));
  });
  afterAll(async () => {
    await bus.close();
    await analytics.infra.connection.dropDatabase();
    await analytics.stop();
    await nats.stop();
  });

  const connection = () => analytics.infra.connection;

  async function deliver<N extends EventName>(name: N, data: EventData<N>): Promise<void> {
    const event = createEvent(name, data, { subject: 'test', time: clock.now() });
    await bus.publish(event);
    await eventually(async () => expect(await processedEventModel(connection()).exists({ eventId: event.id })).toBeTruthy());
  }

  async function collect(visitorId: string, page: string): Promise<void> {
    const response = await fetch(new URL('/collect', analytics.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ visitorId, events: [{ type: 'PAGE_VIEW', name: 'view', page, occurredAt: clock.now().toISOString() }] }),
    });
    const body = (await response.json()) as { results: Array<{ stored: string }> };
    expect(body.results[0]?.stored).toBe('IDENTIFIED');
  }

  it('[ANA-04] raw events 26 months old are purged, 24 months old kept, aggregates kept; each pass reported to privacy', async () => {
    const visitorId = uniqueName('visitor');
    const userId = uniqueName('user');
    await deliver('ConsentChanged', {
      subjectType: 'VISITOR',
      subjectId: visitorId,
      categories: { strictlyNecessary: true, analytics: true, functionality: false, targeting: false },
      policyVersion: '2024-06',
      method: 'ACCEPT',
      changedAt: start,
      expiresAt: new Date(new Date(start).getTime() + 365 * DAY_MS).toISOString(),
    });
    // September 2024: an identified page view, a sign-up and a reveal.
    await collect(visitorId, '/old');
    await deliver('AccountCreated', { userId, language: 'fr', termsVersion: '2024-01', createdAt: start });
    const workspaceId = uniqueName('workspace');
    await deliver('ContactRevealed', { contactId: uniqueName('contact'), workspaceId, userId, viaApiTokenId: null, fields: ['PHONE'], creditsCharged: 1, revealedAt: start });
    // A choice that expired in January 2024 (its copy is due), and a restricted visitor's (kept: the restriction stands).
    const forgottenVisitor = uniqueName('visitor');
    const restrictedVisitor = uniqueName('visitor');
    for (const subjectId of [forgottenVisitor, restrictedVisitor]) {
      await deliver('ConsentChanged', {
        subjectType: 'VISITOR',
        subjectId,
        categories: { strictlyNecessary: true, analytics: false, functionality: false, targeting: false },
        policyVersion: '2023-01',
        method: 'REJECT',
        changedAt: '2023-01-01T00:00:00.000Z',
        expiresAt: '2024-01-01T00:00:00.000Z',
      });
    }
    await analyticsConsentModel(connection()).updateOne({ subjectId: restrictedVisitor }, { $set: { restrictedAt: new Date(start), restrictedBy: 'dsr-1' } });
    // November 2024: another page view, two months later.
    clock.set('2024-11-01T09:00:00.000Z');
    await collect(visitorId, '/recent');

    // The job 26 months after the first page view: the first is due, the second (24 months) is not.
    const jobClock = new ManualClock('2026-11-01T10:00:00.000Z');
    const retention = new RetentionService(rawEventModel(connection()), funnelUserModel(connection()), analyticsConsentModel(connection()), retentionRunReportModel(connection()), jobClock, testLogger('retention'), () =>
      analytics.relay.nudge(),
    );

    // Due: the September page view, the funnel row of the September sign-up, the expired consent copy.
    const dryRun = await retention.purgeRawEvents({ dryRun: true });
    expect(dryRun).toMatchObject({ service: 'analytics', dataCategory: 'ANALYTICS_RAW', dryRun: true, due: 3, deleted: 0, cutoff: addCalendarMonths(jobClock.now(), -25).toISOString() });
    expect(await rawEventModel(connection()).countDocuments({ subjectId: visitorId })).toBe(2);

    const pass = await retention.purgeRawEvents({ dryRun: false });
    expect(pass).toMatchObject({ dryRun: false, due: 3, deleted: 3, cutoff: '2024-10-01T10:00:00.000Z' });
    expect(await analyticsConsentModel(connection()).countDocuments({ subjectId: forgottenVisitor })).toBe(0);
    expect(await analyticsConsentModel(connection()).countDocuments({ subjectId: restrictedVisitor })).toBe(1);
    expect(await analyticsConsentModel(connection()).countDocuments({ subjectId: visitorId })).toBe(1);
    const left = await rawEventModel(connection()).find({ subjectId: visitorId }).lean();
    expect(left.map((event) => event.page)).toEqual(['/recent']);
    // The funnel row keeps its dates, no longer who.
    expect(await funnelUserModel(connection()).countDocuments({ userId })).toBe(0);
    expect(await funnelUserModel(connection()).countDocuments({ signedUpAt: new Date(start) })).toBe(1);
    // Anonymous aggregates stay.
    expect(await pageCountModel(connection()).countDocuments({ page: '/old' })).toBe(1);
    expect(await metricHourlyModel(connection()).countDocuments({ scope: `workspace:${workspaceId}` })).toBeGreaterThan(0);
    expect(await usageDailyModel(connection()).countDocuments({ workspaceId })).toBe(1);

    const reported = await expectEvents(bus, 'RetentionRunReportedByAnalytics', (data) => data.runId === pass.runId || data.runId === dryRun.runId, 2);
    expect(reported.map((event) => ({ dryRun: event.data.dryRun, due: event.data.due, deleted: event.data.deleted }))).toEqual(
      expect.arrayContaining([
        { dryRun: true, due: 3, deleted: 0 },
        { dryRun: false, due: 3, deleted: 3 },
      ]),
    );
  });
});
