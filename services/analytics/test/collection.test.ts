import { JSONCodec } from 'nats';
import { createEvent, eventSubject, type EventData, type EventName, type LeadgraphEvent } from '@leadgraph/events';
import { DAY_MS, EventBus, openDataSubjectPayload, processedEventModel, type Caller, type RunningService } from '@leadgraph/platform';
import {
  apiTokenCaller,
  callSubgraph,
  connectTestBus,
  eventually,
  expectEvents,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  uniqueName,
  userCaller,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { pageCountModel, rawEventModel, type PageCountDocument, type RawEventDocument } from '../src/collection/collection.model';
import { loadAnalyticsConfig, type AnalyticsConfig } from '../src/config';
import { analyticsConsentModel } from '../src/consent/consent.model';
import { erasureTallyModel } from '../src/data-subject/data-subject.model';
import { funnelUserModel } from '../src/metering/metering.model';
import { startAnalyticsService } from '../src/main';

/**
 * The collection pipeline end to end (ANA-01, ANA-03, ANA-05): real HTTP calls to POST /collect
 * and trackEvents, consent and data-subject requests published on a real NATS server.
 */
describe('analytics collection: consent-aware front-end events', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let config: AnalyticsConfig;
  let analytics: RunningService;
  let bus: EventBus;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadAnalyticsConfig(
      serviceTestEnv('analytics', { NATS_URL: nats.url, ANALYTICS_TIME_ZONE: 'Europe/Paris', ANALYTICS_MAX_EVENTS_PER_BATCH: '5', ANALYTICS_MAX_BODY_BYTES: '4096', ANALYTICS_TRUST_PROXY: 'loopback' }),
    );
    analytics = await startAnalyticsService(config, { clock, logger: testLogger('analytics') });
    bus = await connectTestBus('analytics-collection-test', nats.url);
  });
  afterAll(async () => {
    await bus.close();
    await analytics.infra.connection.dropDatabase();
    await analytics.stop();
    await nats.stop();
  });

  const connection = () => analytics.infra.connection;
  const collectUrl = () => new URL('/collect', analytics.url).toString();
  const minutesAgo = (minutes: number) => new Date(clock.now().getTime() - minutes * 60_000).toISOString();
  const pageView = (page: string, overrides: Record<string, unknown> = {}) => ({ type: 'PAGE_VIEW', name: 'view', page, occurredAt: minutesAgo(1), ...overrides });

  interface CollectAnswer {
    accepted: number;
    rejected: number;
    results: Array<{ index: number; accepted: boolean; stored: string | null; reason: string | null; detail: string | null }>;
  }

  async function collect(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: CollectAnswer & { error?: { code: string; field: string | null } } }> {
    const response = await fetch(collectUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as CollectAnswer & { error?: { code: string; field: string | null } } };
  }

  /** Publishes an event and waits until analytics has handled it (its processed-event record exists). */
  async function deliver<N extends EventName>(name: N, data: EventData<N>, subject = 'test'): Promise<LeadgraphEvent<N>> {
    const event = createEvent(name, data, { subject, time: clock.now() });
    await bus.publish(event);
    await eventually(async () => expect(await processedEventModel(connection()).exists({ eventId: event.id })).toBeTruthy());
    return event;
  }

  const consent = (subjectType: 'VISITOR' | 'USER', subjectId: string, analyticsConsent: boolean, method: 'ACCEPT' | 'REJECT' | 'SAVE' | 'GPC' | 'WITHDRAW', changedAt = clock.now()) =>
    deliver('ConsentChanged', {
      subjectType,
      subjectId,
      categories: { strictlyNecessary: true, analytics: analyticsConsent, functionality: analyticsConsent, targeting: false },
      policyVersion: '2026-10',
      method,
      changedAt: changedAt.toISOString(),
      expiresAt: new Date(changedAt.getTime() + 365 * DAY_MS).toISOString(),
    });

  const rawEventsOf = (subjectId: string) => rawEventModel(connection()).find({ subjectId }).lean<RawEventDocument[]>();
  const pageCount = async (page: string) =>
    (await pageCountModel(connection()).find({ page }).lean<PageCountDocument[]>()).reduce((sum, document) => sum + document.count, 0);

  it('[ANA-01][ANA-05] no consent -> anonymous counts only; consent -> identified; withdrawn -> anonymous again; erasure -> gone', async () => {
    const visitorId = uniqueName('visitor');
    const page = `/pricing/${uniqueName('plan')}`;

    // 1. No consent yet: accepted, counted, nothing identifying stored.
    const before = await collect({ visitorId, events: [pageView(page), pageView(page, { type: 'ACTION', name: 'cta-click' })] });
    expect(before.status).toBe(200);
    expect(before.body.results).toEqual([
      { index: 0, accepted: true, stored: 'ANONYMOUS_COUNT', reason: null, detail: null },
      { index: 1, accepted: true, stored: 'ANONYMOUS_COUNT', reason: null, detail: null },
    ]);
    expect(await rawEventsOf(visitorId)).toEqual([]);
    expect(await pageCount(page)).toBe(2);

    // 2. The visitor accepts analytics on the banner (privacy publishes ConsentChanged).
    await consent('VISITOR', visitorId, true, 'ACCEPT');
    const during = await collect({ visitorId, events: [pageView(page, { properties: { plan: 'pro', seats: 3 } })] });
    expect(during.body.results).toEqual([{ index: 0, accepted: true, stored: 'IDENTIFIED', reason: null, detail: null }]);
    const stored = await rawEventsOf(visitorId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      subjectType: 'VISITOR',
      subjectId: visitorId,
      type: 'PAGE_VIEW',
      page,
      properties: { plan: 'pro', seats: 3 },
      // ANA-03: the network part of the IP only, the browser family only.
      ipPrefix: '127.0.0.0/24',
      userAgentFamily: 'Chrome',
    });
    expect(await pageCount(page)).toBe(3);

    // 3. Withdrawn: later events are anonymous again.
    await consent('VISITOR', visitorId, false, 'WITHDRAW', new Date(clock.now().getTime() + 1000));
    const after = await collect({ visitorId, events: [pageView(page)] });
    expect(after.body.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect(await rawEventsOf(visitorId)).toHaveLength(1);
    expect(await pageCount(page)).toBe(4);

    // 4. Erasure request filed from that browser: the visitor's events are gone, the counts stay.
    const requestId = uniqueName('dsr');
    await deliver('DataSubjectRequestOpened', {
      requestId,
      right: 'ERASURE',
      userId: null,
      identifiers: [],
      sealedDetails: null,
      visitorIds: [visitorId],
      dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      openedAt: clock.now().toISOString(),
    });
    expect(await rawEventsOf(visitorId)).toEqual([]);
    expect(await pageCount(page)).toBe(4);
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({
      service: 'analytics',
      right: 'ERASURE',
      outcome: 'CARRIED_OUT',
      actions: [{ dataCategory: 'ANALYTICS_RAW', action: 'ERASED', count: 1, note: expect.any(String) }],
      retained: [],
      sealedExport: null,
    });
  });

  it('[ANA-01] bad input: each rejected event has its reason, the valid rest of the batch is accepted', async () => {
    const page = `/search/${uniqueName('p')}`;
    const answer = await collect({
      events: [
        pageView(page),
        { type: 'SCROLL_DEPTH', name: 'x', page, occurredAt: minutesAgo(1) },
        { type: 'ACTION', page },
        pageView(page, { occurredAt: new Date(clock.now().getTime() + 3_600_000).toISOString() }),
        pageView(page, { occurredAt: new Date(clock.now().getTime() - 30 * DAY_MS).toISOString() }),
        pageView(page),
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected).toBe(5);
    expect(answer.body.results.map(({ index, accepted, reason }) => ({ index, accepted, reason }))).toEqual([
      { index: 0, accepted: true, reason: null },
      { index: 1, accepted: false, reason: 'UNKNOWN_EVENT_TYPE' },
      { index: 2, accepted: false, reason: 'MALFORMED' },
      { index: 3, accepted: false, reason: 'FUTURE_TIMESTAMP' },
      { index: 4, accepted: false, reason: 'TOO_OLD' },
      // The batch limit is 5 in this test: the sixth event is refused on its own.
      { index: 5, accepted: false, reason: 'BATCH_TOO_LARGE' },
    ]);
    expect(answer.body.results[2]?.detail).toMatch(/^name/);
    expect(await pageCount(page)).toBe(1);
  });

  it('[ANA-01] an oversized body is 413, a batch that is not a batch is 400 naming the field', async () => {
    const huge = await collect({ events: [pageView('/x', { properties: { blob: 'y'.repeat(190) } })], padding: 'z'.repeat(5000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    const noEvents = await collect({ visitorId: uniqueName('visitor') });
    expect(noEvents.status).toBe(400);
    expect(noEvents.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
    const notJson = await collect('{"events": [');
    expect(notJson.status).toBe(400);
    const badVisitor = await collect({ visitorId: 'jane@example.com', events: [pageView('/x')] });
    expect(badVisitor.status).toBe(400);
    expect(badVisitor.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'visitorId' });
  });

  it('[ANA-03] contact details are refused event by event and never stored; query strings are dropped', async () => {
    const visitorId = uniqueName('visitor');
    await consent('VISITOR', visitorId, true, 'ACCEPT');
    const page = `/contacts/${uniqueName('list')}`;
    const answer = await collect({
      visitorId,
      events: [
        pageView(page, { properties: { searched: 'jane.doe@example.com' } }),
        pageView(page, { properties: { dialled: '+33 6 12 34 56 78' } }),
        pageView(`${page}/jane.doe%40example.com`),
        pageView(`${page}?email=jane.doe@example.com&phone=0612345678`, { properties: { results: 12 } }),
      ],
    });
    expect(answer.body.results.map((result) => result.reason)).toEqual(['CONTACT_DETAILS_NOT_ALLOWED', 'CONTACT_DETAILS_NOT_ALLOWED', 'CONTACT_DETAILS_NOT_ALLOWED', null]);
    expect(answer.body.results[0]?.detail).toBe('properties.searched: must not contain an e-mail address or a phone number');
    const stored = await rawEventsOf(visitorId);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.page).toBe(page);
    const everything = JSON.stringify([await rawEventModel(connection()).find().lean(), await pageCountModel(connection()).find().lean()]);
    expect(everything).not.toMatch(/jane\.doe|@example|12 34 56 78|0612345678/);
  });

  it('[PRV-06][ANA-01] Sec-GPC: 1 without explicit consent means no consent; explicit acceptance still counts', async () => {
    const unknownVisitor = uniqueName('visitor');
    const gpcVisitor = uniqueName('visitor');
    const acceptingVisitor = uniqueName('visitor');
    await consent('VISITOR', gpcVisitor, false, 'GPC');
    await consent('VISITOR', acceptingVisitor, true, 'ACCEPT');
    const gpc = { 'sec-gpc': '1' };
    expect((await collect({ visitorId: unknownVisitor, events: [pageView('/gpc')] }, gpc)).body.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect((await collect({ visitorId: gpcVisitor, events: [pageView('/gpc')] }, gpc)).body.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect((await collect({ visitorId: acceptingVisitor, events: [pageView('/gpc')] }, gpc)).body.results[0]?.stored).toBe('IDENTIFIED');
    expect(await rawEventsOf(unknownVisitor)).toEqual([]);
    expect(await rawEventsOf(gpcVisitor)).toEqual([]);
  });

  it('[PRV-06] consent events out of order: the latest choice wins; an expired choice is no consent', async () => {
    const visitorId = uniqueName('visitor');
    const now = clock.now().getTime();
    await consent('VISITOR', visitorId, false, 'REJECT', new Date(now - 60_000));
    await consent('VISITOR', visitorId, true, 'ACCEPT', new Date(now - 120_000));
    expect((await collect({ visitorId, events: [pageView('/order')] })).body.results[0]?.stored).toBe('ANONYMOUS_COUNT');

    const expiredVisitor = uniqueName('visitor');
    await deliver('ConsentChanged', {
      subjectType: 'VISITOR',
      subjectId: expiredVisitor,
      categories: { strictlyNecessary: true, analytics: true, functionality: true, targeting: true },
      policyVersion: '2025-10',
      method: 'ACCEPT',
      changedAt: new Date(now - 400 * DAY_MS).toISOString(),
      expiresAt: new Date(now - 35 * DAY_MS).toISOString(),
    });
    expect((await collect({ visitorId: expiredVisitor, events: [pageView('/order')] })).body.results[0]?.stored).toBe('ANONYMOUS_COUNT');
  });

  const TRACK = `mutation Track($input: TrackEventsInput!, $gpc: Boolean) {
    trackEvents(input: $input, globalPrivacyControl: $gpc) { accepted rejected results { index accepted stored reason detail } }
  }`;
  interface TrackAnswer {
    trackEvents: CollectAnswer;
  }

  it('[ANA-01] trackEvents: the signed-in user is the subject; globalPrivacyControl is honoured; tokens are refused', async () => {
    const user = userCaller();
    const page = `/app/${uniqueName('page')}`;
    const events = [{ type: 'ACTION', name: 'reveal-click', page, occurredAt: minutesAgo(2), properties: { field: 'PHONE' } }];
    const track = (caller: Caller, input: Record<string, unknown>, gpc: boolean | null = null) =>
      callSubgraph<TrackAnswer>(analytics.url, TRACK, { variables: { input, gpc }, caller, now: clock.now() });

    const withoutConsent = await track(user, { events });
    expect(withoutConsent.errors).toBeUndefined();
    expect(withoutConsent.data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');

    await consent('USER', user.userId, true, 'SAVE');
    const withConsent = await track(user, { events, visitorId: uniqueName('ignored') });
    expect(withConsent.data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
    expect(await rawEventsOf(user.userId)).toEqual([expect.objectContaining({ subjectType: 'USER', page, name: 'reveal-click' })]);

    const anonymousVisitor = uniqueName('visitor');
    await consent('VISITOR', anonymousVisitor, true, 'GPC');
    const anonymous = await track({ kind: 'anonymous' }, { events, visitorId: anonymousVisitor }, true);
    expect(anonymous.data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');

    const bad = await track(user, { events: [{ type: 'ACTION', name: 'x', page, occurredAt: minutesAgo(1), properties: { who: 'jane@example.com' } }] });
    expect(bad.data?.trackEvents.results[0]).toMatchObject({ accepted: false, reason: 'CONTACT_DETAILS_NOT_ALLOWED', detail: expect.stringMatching(/^properties\.who/) });

    const token = await track(apiTokenCaller(), { events });
    expect(token.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('[PRV-05][ANA-05] access: the identified events are exported, sealed for privacy', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    await callSubgraph(analytics.url, TRACK, {
      variables: { input: { events: [{ type: 'PAGE_VIEW', name: 'view', page: '/settings', occurredAt: minutesAgo(1) }] } },
      caller: user,
      now: clock.now(),
    });
    const requestId = uniqueName('dsr');
    await deliver('DataSubjectRequestOpened', {
      requestId,
      right: 'ACCESS',
      userId: user.userId,
      identifiers: [],
      sealedDetails: null,
      dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      openedAt: clock.now().toISOString(),
    });
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ANALYTICS_RAW', action: 'EXPORTED', count: 1, note: null }] });
    const part = openDataSubjectPayload(answer?.data.sealedExport ?? '', config.DATA_SUBJECT_SEAL_KEY);
    expect(part).toMatchObject({ records: [{ dataCategory: 'ANALYTICS_RAW', legalBasis: 'CONSENT', data: [expect.objectContaining({ page: '/settings', subjectId: user.userId })] }], recipients: [] });
    // Still held: access does not delete.
    expect(await rawEventsOf(user.userId)).toHaveLength(1);
  });

  it('[PRV-05] restriction: no identified analytics for that user from then on, whatever the banner says', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    const requestId = uniqueName('dsr');
    await deliver('DataSubjectRequestOpened', {
      requestId,
      right: 'RESTRICTION',
      userId: user.userId,
      identifiers: [],
      sealedDetails: null,
      dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      openedAt: clock.now().toISOString(),
    });
    const answer = await callSubgraph<TrackAnswer>(analytics.url, TRACK, {
      variables: { input: { events: [{ type: 'PAGE_VIEW', name: 'view', page: '/restricted', occurredAt: minutesAgo(1) }] } },
      caller: user,
      now: clock.now(),
    });
    expect(answer.data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    const [event] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(event?.data).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ANALYTICS_CONSENT', action: 'RESTRICTED', count: 1 }] });
  });

  it('[PRV-05] every request is answered exactly once, NO_DATA_HELD when analytics knows nothing of the person', async () => {
    const requestId = uniqueName('dsr');
    const request = createEvent(
      'DataSubjectRequestOpened',
      {
        requestId,
        right: 'ERASURE',
        userId: uniqueName('user'),
        identifiers: [],
        sealedDetails: null,
        dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
        openedAt: clock.now().toISOString(),
      },
      { subject: 'dsr', time: clock.now() },
    );
    await bus.publish(request);
    // The same event delivered again under another message id (JetStream would drop a same-id republish).
    await bus.publishRaw(eventSubject('DataSubjectRequestOpened'), JSONCodec().encode(request), {}, uniqueName('redelivery'));
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [], sealedExport: null });
  });

  it('[ANA-01] a consent arriving after a cached refusal applies to the very next batch (the consumer invalidates the cache)', async () => {
    const visitorId = uniqueName('visitor');
    // Warm the cache with "no consent", then consent arrives: the next batch is identified at once.
    expect((await collect({ visitorId, events: [pageView('/cache')] })).body.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    await consent('VISITOR', visitorId, true, 'ACCEPT');
    const many = Array.from({ length: 5 }, (_, index) => pageView(`/cache/${index}`));
    const answer = await collect({ visitorId, events: many });
    expect(answer.body.results.every((result) => result.stored === 'IDENTIFIED')).toBe(true);
    expect(await rawEventsOf(visitorId)).toHaveLength(5);
  });

  const openRequest = (right: EventData<'DataSubjectRequestOpened'>['right'], userId: string | null, requestId = uniqueName('dsr')) =>
    deliver('DataSubjectRequestOpened', {
      requestId,
      right,
      userId,
      identifiers: [],
      sealedDetails: null,
      dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      openedAt: clock.now().toISOString(),
    });

  const trackAs = (caller: Caller, page: string) =>
    callSubgraph<TrackAnswer>(analytics.url, TRACK, {
      variables: { input: { events: [{ type: 'PAGE_VIEW', name: 'view', page, occurredAt: minutesAgo(1) }] } },
      caller,
      now: clock.now(),
    });

  it('[ANA-05][PRV-05] erasure of a signed-in user: identified events deleted, funnel row anonymised, counts kept', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    await deliver('AccountCreated', { userId: user.userId, language: 'en', termsVersion: '2026-01', createdAt: minutesAgo(30) });
    const page = `/erase/${uniqueName('p')}`;
    expect((await trackAs(user, page)).data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
    expect(await funnelUserModel(connection()).countDocuments({ userId: user.userId })).toBe(1);

    const requestId = uniqueName('dsr');
    await openRequest('ERASURE', user.userId, requestId);
    expect(await rawEventsOf(user.userId)).toEqual([]);
    expect(await funnelUserModel(connection()).countDocuments({ userId: user.userId })).toBe(0);
    expect(await pageCount(page)).toBe(1);
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data.actions).toEqual([
      { dataCategory: 'ANALYTICS_RAW', action: 'ERASED', count: 1, note: expect.any(String) },
      { dataCategory: 'ANALYTICS_FUNNEL', action: 'ANONYMISED', count: 1, note: expect.any(String) },
    ]);
  });

  it('[PRV-05][ANA-01] consent withdrawal by request: later events anonymous, earlier ones kept; a later explicit consent counts again', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT', new Date(clock.now().getTime() - 60_000));
    expect((await trackAs(user, '/withdraw')).data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
    const requestId = uniqueName('dsr');
    await openRequest('CONSENT_WITHDRAWAL', user.userId, requestId);
    expect((await trackAs(user, '/withdraw')).data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect(await rawEventsOf(user.userId)).toHaveLength(1);
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ANALYTICS_CONSENT', action: 'CONSENT_WITHDRAWN', count: 1 }] });
    await consent('USER', user.userId, true, 'ACCEPT', new Date(clock.now().getTime() + 60_000));
    expect((await trackAs(user, '/withdraw')).data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
  });

  it('[PRV-05][ANA-02] objection: the funnel row is anonymised and no new one is started for that user', async () => {
    const user = userCaller();
    await deliver('AccountCreated', { userId: user.userId, language: 'fr', termsVersion: '2026-01', createdAt: minutesAgo(60) });
    const requestId = uniqueName('dsr');
    await openRequest('OBJECTION', user.userId, requestId);
    expect(await funnelUserModel(connection()).countDocuments({ userId: user.userId })).toBe(0);
    await deliver('ContactSearchPerformed', { searchId: uniqueName('search'), workspaceId: null, userId: user.userId, viaApiTokenId: null, resultCount: 3, searchedAt: minutesAgo(1) });
    expect(await funnelUserModel(connection()).countDocuments({ userId: user.userId })).toBe(0);
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ANALYTICS_CONSENT', action: 'OBJECTION_APPLIED', count: 1 }] });
  });

  it('[ANA-01] staff read the anonymous page traffic, paginated with a cursor; others are refused', async () => {
    const page = `/traffic/${uniqueName('p')}`;
    await collect({ events: [pageView(page), pageView(page), pageView(page, { type: 'ACTION', name: 'cta-click' })] });
    const TRAFFIC = `query T($from: String!, $to: String!, $first: Int, $after: String) {
      pageTraffic(from: $from, to: $to, first: $first, after: $after) { timeZone nodes { day type page name count } pageInfo { hasNextPage endCursor } }
    }`;
    interface TrafficAnswer {
      pageTraffic: { timeZone: string; nodes: Array<{ day: string; type: string; page: string; name: string; count: number }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    }
    const staff = userCaller({ staffRoles: ['SUPPORT'] });
    const seen: TrafficAnswer['pageTraffic']['nodes'] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const answer: SubgraphAnswer<TrafficAnswer> = await callSubgraph<TrafficAnswer>(analytics.url, TRAFFIC, {
        variables: { from: '2026-11-23', to: '2026-11-23', first: 5, after },
        caller: staff,
        now: clock.now(),
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.pageTraffic.timeZone).toBe('Europe/Paris');
      seen.push(...(answer.data?.pageTraffic.nodes ?? []));
      if (!answer.data?.pageTraffic.pageInfo.hasNextPage) break;
      after = answer.data.pageTraffic.pageInfo.endCursor;
    }
    expect(seen.filter((row) => row.page === page)).toEqual([
      { day: '2026-11-23', type: 'ACTION', page, name: 'cta-click', count: 1 },
      { day: '2026-11-23', type: 'PAGE_VIEW', page, name: 'view', count: 2 },
    ]);
    expect(new Set(seen.map((row) => `${row.type}|${row.page}|${row.name}`)).size).toBe(seen.length);
    const member = await callSubgraph(analytics.url, TRAFFIC, { variables: { from: '2026-11-23', to: '2026-11-23' }, caller: userCaller(), now: clock.now() });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('[ANA-05] a deleted account (AccountDeleted) loses its identified events and its funnel link', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    await deliver('AccountCreated', { userId: user.userId, language: 'en', termsVersion: '2026-01', createdAt: minutesAgo(30) });
    expect((await trackAs(user, '/goodbye')).data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
    await deliver('AccountDeleted', { userId: user.userId, deletedAt: clock.now().toISOString(), deletedWorkspaceId: null, leftWorkspaceId: null });
    expect(await rawEventsOf(user.userId)).toEqual([]);
    expect(await funnelUserModel(connection()).countDocuments({ userId: user.userId })).toBe(0);
  });

  it('[ANA-03] behind a trusted proxy the forwarded client IP is truncated (IPv4 /24, IPv6 /48) and kept on identified events only', async () => {
    const visitorId = uniqueName('visitor');
    await consent('VISITOR', visitorId, true, 'ACCEPT');
    await collect({ visitorId, events: [pageView('/ip/v4')] }, { 'x-forwarded-for': '203.0.113.42' });
    await collect({ visitorId, events: [pageView('/ip/v6')] }, { 'x-forwarded-for': '2001:db8:abcd:12:1:2:3:4' });
    const stored = await rawEventsOf(visitorId);
    expect(Object.fromEntries(stored.map((event) => [event.page, event.ipPrefix]))).toEqual({ '/ip/v4': '203.0.113.0/24', '/ip/v6': '2001:db8:abcd::/48' });
    const everything = JSON.stringify(await rawEventModel(connection()).find().lean());
    expect(everything).not.toMatch(/203\.0\.113\.42|2001:db8:abcd:12/);
    // Without consent nothing holds the IP at all: the anonymous count has no IP field.
    await collect({ events: [pageView('/ip/anonymous')] }, { 'x-forwarded-for': '198.51.100.23' });
    expect(JSON.stringify(await pageCountModel(connection()).find({ page: '/ip/anonymous' }).lean())).not.toMatch(/198\.51/);
  });

  it('[PRV-05][ANA-05] an erasure re-run after a crash between its deletes and its answer still reports what was erased', async () => {
    const user = userCaller();
    const requestId = uniqueName('dsr');
    // What the first run left behind: its tally, the events already deleted, no answer yet.
    await erasureTallyModel(connection()).create({ _id: requestId, rawEvents: 3, funnelRows: 0, recordedAt: clock.now() });
    await openRequest('ERASURE', user.userId, requestId);
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByAnalytics', (data) => data.requestId === requestId);
    expect(answer?.data).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ANALYTICS_RAW', action: 'ERASED', count: 3 }] });
  });

  // GDPR art. 18(3): privacy lifts a restriction obtained by a completed RESTRICTION request.
  const openRequestFor = (right: EventData<'DataSubjectRequestOpened'>['right'], subject: { userId: string | null; visitorIds?: string[] }, requestId = uniqueName('dsr')) =>
    deliver('DataSubjectRequestOpened', {
      requestId,
      right,
      userId: subject.userId,
      identifiers: [],
      sealedDetails: null,
      visitorIds: subject.visitorIds,
      dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
      openedAt: clock.now().toISOString(),
    });
  const liftRestriction = (requestId: string, subject: { userId: string | null; visitorIds?: string[] }) =>
    deliver('DataSubjectRestrictionLifted', { requestId, userId: subject.userId, identifiers: [], visitorIds: subject.visitorIds, liftedAt: clock.now().toISOString() });
  const storedAs = async (caller: Caller, page: string) => (await trackAs(caller, page)).data?.trackEvents.results[0]?.stored;
  const visitorStoredAs = async (visitorId: string, page: string) => (await collect({ visitorId, events: [pageView(page)] })).body.results[0]?.stored;

  it('[PRV-02][ANA-01] restriction lifted: the user and the visitor ids of that request are identified again under their banner consent', async () => {
    const user = userCaller();
    const visitorId = uniqueName('visitor');
    await consent('USER', user.userId, true, 'ACCEPT');
    await consent('VISITOR', visitorId, true, 'ACCEPT');
    // Warm the cache with "identified" so the lift has to invalidate it.
    expect(await storedAs(user, '/lift')).toBe('IDENTIFIED');
    expect(await visitorStoredAs(visitorId, '/lift')).toBe('IDENTIFIED');

    const requestId = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: user.userId, visitorIds: [visitorId] }, requestId);
    expect(await storedAs(user, '/lift')).toBe('ANONYMOUS_COUNT');
    expect(await visitorStoredAs(visitorId, '/lift')).toBe('ANONYMOUS_COUNT');

    await liftRestriction(requestId, { userId: user.userId, visitorIds: [visitorId] });
    expect(await storedAs(user, '/lift')).toBe('IDENTIFIED');
    expect(await visitorStoredAs(visitorId, '/lift')).toBe('IDENTIFIED');
    expect(await rawEventsOf(user.userId)).toHaveLength(2);
    expect(await rawEventsOf(visitorId)).toHaveLength(2);

    // A second lift of the same request (another event) changes nothing.
    await liftRestriction(requestId, { userId: user.userId, visitorIds: [visitorId] });
    expect(await storedAs(user, '/lift')).toBe('IDENTIFIED');
  });

  it('[PRV-02][ANA-01] a lift never ends a restriction of another cause: an objection, another restriction', async () => {
    const objector = userCaller();
    await consent('USER', objector.userId, true, 'ACCEPT');
    const objection = uniqueName('dsr');
    await openRequestFor('OBJECTION', { userId: objector.userId }, objection);
    // Lifts of another request, and even one naming the objection itself, leave the objection in force.
    await liftRestriction(uniqueName('dsr'), { userId: objector.userId });
    await liftRestriction(objection, { userId: objector.userId });
    expect(await storedAs(objector, '/objected')).toBe('ANONYMOUS_COUNT');

    // Two restriction requests: lifting the first keeps the second in force.
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    const first = uniqueName('dsr');
    const second = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: user.userId }, first);
    await openRequestFor('RESTRICTION', { userId: user.userId }, second);
    await liftRestriction(first, { userId: user.userId });
    expect(await storedAs(user, '/twice')).toBe('ANONYMOUS_COUNT');
    await liftRestriction(second, { userId: user.userId });
    expect(await storedAs(user, '/twice')).toBe('IDENTIFIED');

    // Restriction then objection: lifting the restriction leaves the objection.
    const both = userCaller();
    await consent('USER', both.userId, true, 'ACCEPT');
    const restriction = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: both.userId }, restriction);
    await openRequestFor('OBJECTION', { userId: both.userId });
    await liftRestriction(restriction, { userId: both.userId });
    expect(await storedAs(both, '/both')).toBe('ANONYMOUS_COUNT');
  });

  it('[PRV-02][ANA-01] after a lift, no consent or a withdrawn consent still means anonymous', async () => {
    const noConsent = userCaller();
    const requestId = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: noConsent.userId }, requestId);
    await liftRestriction(requestId, { userId: noConsent.userId });
    expect(await storedAs(noConsent, '/no-consent')).toBe('ANONYMOUS_COUNT');
    expect(await analyticsConsentModel(connection()).findById(`USER:${noConsent.userId}`).lean()).toMatchObject({ restrictedAt: null, analytics: null });

    const withdrawn = userCaller();
    await consent('USER', withdrawn.userId, true, 'ACCEPT', new Date(clock.now().getTime() - 60_000));
    await openRequestFor('CONSENT_WITHDRAWAL', { userId: withdrawn.userId });
    const restriction = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: withdrawn.userId }, restriction);
    await liftRestriction(restriction, { userId: withdrawn.userId });
    expect(await storedAs(withdrawn, '/withdrawn')).toBe('ANONYMOUS_COUNT');
  });

  it('[PRV-02] a restriction recorded before causes were kept stays; an unknown request or person is a no-op', async () => {
    const user = userCaller();
    await consent('USER', user.userId, true, 'ACCEPT');
    const legacy = uniqueName('dsr');
    // As the previous version stored it: the flag and the first request id, no causes.
    await analyticsConsentModel(connection()).updateOne({ _id: `USER:${user.userId}` }, { $set: { restrictedAt: clock.now(), restrictedBy: legacy } });
    await liftRestriction(legacy, { userId: user.userId });
    expect(await storedAs(user, '/legacy')).toBe('ANONYMOUS_COUNT');
    // A new restriction on top, then lifted: the old one still holds.
    const fresh = uniqueName('dsr');
    await openRequestFor('RESTRICTION', { userId: user.userId }, fresh);
    await liftRestriction(fresh, { userId: user.userId });
    expect(await storedAs(user, '/legacy')).toBe('ANONYMOUS_COUNT');

    const stranger = uniqueName('user');
    await liftRestriction(uniqueName('dsr'), { userId: stranger, visitorIds: [uniqueName('visitor')] });
    expect(await analyticsConsentModel(connection()).exists({ subjectId: stranger })).toBeNull();
  });
});
