import type { Caller, RunningService } from '@leadgraph/platform';
import { callSubgraph, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadPrivacyConfig } from '../src/config';
import { startPrivacyService } from '../src/main';

interface AuditConnection {
  edges: Array<{ cursor: string; node: { action: string; subjectType: string; subjectId: string; actorUserId: string | null; details: Array<{ name: string; value: string }>; at: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const trailQuery = `query($first: Int, $after: String) { privacyAuditTrail(first: $first, after: $after) {
  edges { cursor node { action subjectType subjectId actorUserId details { name value } at } } pageInfo { hasNextPage endCursor } } }`;

describe('[PRV-10] privacy audit trail', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let privacy: RunningService;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    privacy = await startPrivacyService(loadPrivacyConfig(serviceTestEnv('privacy', { NATS_URL: nats.url })), { clock, logger: testLogger('privacy') });
  });
  afterAll(async () => {
    await privacy.infra.connection.dropDatabase();
    await privacy.stop();
    await nats.stop();
  });

  const trail = (caller: Caller, first: number, after: string | null = null) =>
    callSubgraph<{ privacyAuditTrail: AuditConnection }>(privacy.url, trailQuery, { variables: { first, after }, caller, now: clock.now() });

  it('[PRV-10] consent changes appear in the trail, newest first, page by page', async () => {
    const visitorId = uniqueName('visitor');
    const user = userCaller();
    const mutation = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { method } }';
    await callSubgraph(privacy.url, mutation, { variables: { input: { visitorId, policyVersion: '2026-11', method: 'ACCEPT' } }, now: clock.now() });
    clock.advance(1000);
    await callSubgraph(privacy.url, mutation, { variables: { input: { policyVersion: '2026-11', method: 'REJECT' } }, caller: user, now: clock.now() });
    clock.advance(1000);
    await callSubgraph(privacy.url, 'mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { method } }', {
      variables: { input: { visitorId, policyVersion: '2026-11', categories: ['TARGETING'] } },
      now: clock.now(),
    });

    const officer = userCaller({ staffRoles: ['PRIVACY_OFFICER'] });
    const first = await trail(officer, 2);
    expect(first.errors).toBeUndefined();
    const page1 = first.data?.privacyAuditTrail;
    expect(page1?.edges.map((edge) => [edge.node.action, edge.node.subjectType, edge.node.subjectId, edge.node.actorUserId])).toEqual([
      ['CONSENT_WITHDRAWN', 'VISITOR', visitorId, null],
      ['CONSENT_RECORDED', 'USER', user.userId, user.userId],
    ]);
    expect(page1?.edges[0]?.node.details).toEqual(
      expect.arrayContaining([
        { name: 'method', value: 'WITHDRAW' },
        { name: 'analytics', value: 'true' },
        { name: 'targeting', value: 'false' },
        { name: 'policyVersion', value: '2026-11' },
      ]),
    );
    expect(page1?.pageInfo.hasNextPage).toBe(true);

    const second = await trail(officer, 2, page1?.pageInfo.endCursor ?? null);
    expect(second.data?.privacyAuditTrail.edges.map((edge) => [edge.node.action, edge.node.subjectId, edge.node.at])).toEqual([
      ['CONSENT_RECORDED', visitorId, '2026-11-23T09:00:00.000Z'],
    ]);
    expect(second.data?.privacyAuditTrail.pageInfo.hasNextPage).toBe(false);
  });

  it('[PRV-10] only privacy officers (or super admins) read the trail', async () => {
    for (const caller of [userCaller(), userCaller({ staffRoles: ['SUPPORT'] })]) {
      const answer = await trail(caller, 10);
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await trail({ kind: 'anonymous' }, 10)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
