import type { EventBus, RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, connectTestBus, expectEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { startContactsService } from '../src/main';
import { profile, storeProfiles } from './contacts-fixtures';

const SEARCH = `query Search($filter: ContactSearchFilter!) { searchContacts(filter: $filter) { edges { node { id } } } }`;

/** ANA-02: every search is reported to analytics' usage metering, without its query. */
describe('contacts search: ContactSearchPerformed for usage metering', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let bus: EventBus;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url })), { clock, logger: testLogger('contacts') });
    bus = await connectTestBus('contacts-search-metering-test', nats.url);
    await storeProfiles(contacts.infra.connection, [profile('metered-1', { name: 'Zephyrine Quillfeather', company: 'Acme', country: 'FR' }, clock.now())]);
  });
  afterAll(async () => {
    await bus.close();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  it('[ANA-02] a search publishes who searched and how many results, never the query text', async () => {
    const workspaceId = uniqueName('workspace');
    const member = userCaller({ workspaceId, workspaceRole: 'MEMBER' });
    const answer = await callSubgraph(contacts.url, SEARCH, { variables: { filter: { name: 'Zephyrine' } }, caller: member, now: clock.now() });
    expect(answer.errors).toBeUndefined();
    const [event] = await expectEvents(bus, 'ContactSearchPerformed', (data) => data.userId === member.userId);
    expect(event?.data).toEqual({ searchId: expect.any(String), workspaceId, userId: member.userId, viaApiTokenId: null, resultCount: 1, searchedAt: clock.now().toISOString() });
    expect(JSON.stringify(event)).not.toMatch(/Zephyrine/i);

    const token = apiTokenCaller({ workspaceId, scopes: ['contacts:read'] });
    await callSubgraph(contacts.url, SEARCH, { variables: { filter: { company: 'Nobody Corp' } }, caller: token, now: clock.now() });
    const [viaToken] = await expectEvents(bus, 'ContactSearchPerformed', (data) => data.viaApiTokenId === token.tokenId);
    expect(viaToken?.data).toMatchObject({ workspaceId, userId: token.userId, resultCount: 0 });
  });
});
