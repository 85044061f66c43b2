import type { EventBus } from '@leadgraph/platform';
import type { RunningService } from '@leadgraph/platform';
import {
  callSubgraph,
  connectTestBus,
  expectEvents,
  publishedEvents,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  uniqueName,
  userCaller,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import type { Caller } from '@leadgraph/platform';
import { loadPrivacyConfig } from '../src/config';
import { consentRecordModel } from '../src/consent/consent.model';
import { startPrivacyService } from '../src/main';

interface ConsentView {
  subjectType: string;
  subjectId: string;
  categories: { strictlyNecessary: boolean; analytics: boolean; functionality: boolean; targeting: boolean };
  source: string;
  policyVersion: string | null;
  method: string | null;
  expiresAt: string | null;
}

const consentFields = 'subjectType subjectId categories { strictlyNecessary analytics functionality targeting } source policyVersion method expiresAt';

describe('[PRV-06] consent records over HTTP', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let privacy: RunningService;
  let bus: EventBus;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    privacy = await startPrivacyService(loadPrivacyConfig(serviceTestEnv('privacy', { NATS_URL: nats.url })), { clock, logger: testLogger('privacy') });
    bus = await connectTestBus('consent-test', nats.url);
  });
  afterAll(async () => {
    await bus.close();
    await privacy.infra.connection.dropDatabase();
    await privacy.stop();
    await nats.stop();
  });

  const call = <T>(query: string, variables: Record<string, unknown>, caller: Caller = { kind: 'anonymous' }): Promise<SubgraphAnswer<T>> =>
    callSubgraph<T>(privacy.url, query, { variables, caller, now: clock.now() });

  const record = (input: Record<string, unknown>, globalPrivacyControl: boolean | null = null, caller?: Caller) =>
    call<{ recordConsent: ConsentView }>(
      `mutation($input: RecordConsentInput!, $gpc: Boolean) { recordConsent(input: $input, globalPrivacyControl: $gpc) { ${consentFields} } }`,
      { input, gpc: globalPrivacyControl },
      caller,
    );
  const current = (visitorId: string | null, globalPrivacyControl: boolean | null = null, caller?: Caller) =>
    call<{ consent: ConsentView }>(
      `query($visitorId: String, $gpc: Boolean) { consent(visitorId: $visitorId, globalPrivacyControl: $gpc) { ${consentFields} } }`,
      { visitorId, gpc: globalPrivacyControl },
      caller,
    );
  const withdraw = (input: Record<string, unknown>, caller?: Caller) =>
    call<{ withdrawConsent: ConsentView }>(`mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { ${consentFields} } }`, { input }, caller);

  it('[PRV-06] a recorded choice is the current consent, with policy version, method and a 12-month expiry; ConsentChanged is published', async () => {
    const visitorId = uniqueName('visitor');
    const answer = await record({ visitorId, policyVersion: '2026-11', method: 'SAVE', categories: ['ANALYTICS'] });
    expect(answer.errors).toBeUndefined();

    const now = await current(visitorId);
    expect(now.errors).toBeUndefined();
    expect(now.data?.consent).toEqual({
      subjectType: 'VISITOR',
      subjectId: visitorId,
      categories: { strictlyNecessary: true, analytics: true, functionality: false, targeting: false },
      source: 'CHOICE',
      policyVersion: '2026-11',
      method: 'SAVE',
      expiresAt: '2027-11-23T09:00:00.000Z',
    });
    const [event] = await expectEvents(bus, 'ConsentChanged', (data) => data.subjectId === visitorId);
    expect(event?.data).toEqual({
      subjectType: 'VISITOR',
      subjectId: visitorId,
      categories: { strictlyNecessary: true, analytics: true, functionality: false, targeting: false },
      policyVersion: '2026-11',
      method: 'SAVE',
      changedAt: '2026-11-23T09:00:00.000Z',
      expiresAt: '2027-11-23T09:00:00.000Z',
    });
  });

  it('[PRV-06] a choice expires after 12 months: then no optional category is consented', async () => {
    const visitorId = uniqueName('visitor');
    expect((await record({ visitorId, policyVersion: '2026-11', method: 'ACCEPT' })).errors).toBeUndefined();
    const start = clock.now();
    try {
      clock.set('2027-11-23T08:59:59.999Z');
      expect((await current(visitorId)).data?.consent).toMatchObject({ source: 'CHOICE', categories: { analytics: true, targeting: true } });
      clock.set('2027-11-23T09:00:00.000Z');
      expect((await current(visitorId)).data?.consent).toMatchObject({
        source: 'DEFAULT',
        method: null,
        categories: { strictlyNecessary: true, analytics: false, functionality: false, targeting: false },
      });
    } finally {
      clock.set(start);
    }
  });

  it('[PRV-06] Global Privacy Control without a choice refuses analytics and targeting; an explicit later choice wins', async () => {
    const visitorId = uniqueName('visitor');
    expect((await current(visitorId, true)).data?.consent).toMatchObject({
      source: 'GLOBAL_PRIVACY_CONTROL',
      categories: { strictlyNecessary: true, analytics: false, functionality: false, targeting: false },
    });
    const gpcChoice = await record({ visitorId, policyVersion: '2026-11', method: 'GPC', categories: ['FUNCTIONALITY', 'ANALYTICS'] }, true);
    expect(gpcChoice.data?.recordConsent).toMatchObject({ method: 'GPC', categories: { analytics: false, functionality: true, targeting: false } });

    clock.advance(60_000);
    expect((await record({ visitorId, policyVersion: '2026-11', method: 'ACCEPT' }, true)).errors).toBeUndefined();
    expect((await current(visitorId, true)).data?.consent).toMatchObject({
      source: 'CHOICE',
      method: 'ACCEPT',
      categories: { analytics: true, functionality: true, targeting: true },
    });
    // Every choice is a new document.
    expect(await consentRecordModel(privacy.infra.connection).countDocuments({ subjectId: visitorId })).toBe(2);
  });

  it('[PRV-06] withdrawal is one call: ConsentChanged with analytics false; a signed-in user has consent of their own', async () => {
    const user = userCaller();
    expect((await record({ policyVersion: '2026-11', method: 'ACCEPT' }, null, user)).data?.recordConsent).toMatchObject({
      subjectType: 'USER',
      subjectId: user.userId,
    });
    clock.advance(60_000);
    const withdrawn = await withdraw({ policyVersion: '2026-11' }, user);
    expect(withdrawn.errors).toBeUndefined();
    expect(withdrawn.data?.withdrawConsent).toMatchObject({
      method: 'WITHDRAW',
      categories: { strictlyNecessary: true, analytics: false, functionality: false, targeting: false },
    });
    expect((await current(null, null, user)).data?.consent).toMatchObject({ subjectType: 'USER', method: 'WITHDRAW', categories: { analytics: false } });

    const events = await expectEvents(bus, 'ConsentChanged', (data) => data.subjectId === user.userId, 2);
    expect(events.map((event) => [event.data.method, event.data.categories.analytics])).toEqual([
      ['ACCEPT', true],
      ['WITHDRAW', false],
    ]);
  });

  it.each([
    ['an unknown category', { visitorId: 'visitor-bad-1', policyVersion: '2026-11', method: 'SAVE', categories: ['COOKIES'] }, 'input.categories.0'],
    ['an empty visitor id', { visitorId: '', policyVersion: '2026-11', method: 'ACCEPT' }, 'input.visitorId'],
    ['a missing policy version', { visitorId: 'visitor-bad-3', method: 'ACCEPT' }, 'input.policyVersion'],
  ])('[PRV-06] %s is BAD_USER_INPUT naming the field; nothing is written', async (_case, input, field) => {
    const before = await consentRecordModel(privacy.infra.connection).countDocuments();
    const answer = await record(input);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await consentRecordModel(privacy.infra.connection).countDocuments()).toBe(before);
    expect(await publishedEvents(bus, 'ConsentChanged', (data) => data.subjectId.startsWith('visitor-bad'))).toEqual([]);
  });

  it('[PRV-06] an anonymous caller without a visitor id is BAD_USER_INPUT naming the visitor id', async () => {
    const answer = await record({ policyVersion: '2026-11', method: 'ACCEPT' });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.visitorId' });
  });
});
