import { DAY_MS, retentionRunReportModel, type Caller, type EventBus, type RunningService } from '@leadgraph/platform';
import {
  apiTokenCaller,
  callSubgraph,
  connectTestBus,
  eventually,
  expectEvents,
  publishedEvents,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  uniqueName,
  userCaller,
} from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { contactIdentifierModel, contactModel } from '../src/contacts/contact.model';
import { startContactsService } from '../src/main';
import { RetentionService } from '../src/retention/retention.service';
import { profile, storeProfiles } from './contacts-fixtures';

describe('contacts subgraph: rate limits, bulk-extraction flags (CON-10) and retention (CON-09)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    const env = serviceTestEnv('contacts', { NATS_URL: nats.url, SEARCH_RATE_PER_MINUTE: '3', BULK_SEARCH_PAGES_PER_DAY: '4', JOB_INTERVAL_SECONDS: '1' });
    contacts = await startContactsService(loadContactsConfig(env), { clock, logger: testLogger('contacts') });
    await storeProfiles(contacts.infra.connection, [
      profile('old-profile', { name: 'Old Timer', company: 'Legacy' }, new Date('2021-11-01T00:00:00.000Z')),
      profile('fresh-profile', { name: 'Fresh Face', company: 'Legacy' }, new Date('2026-11-01T00:00:00.000Z')),
    ]);
  });
  afterAll(async () => {
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  const search = (caller: Caller) =>
    callSubgraph(contacts.url, '{ searchContacts(filter: { company: "legacy" }) { edges { cursor } } }', { caller, now: clock.now() });

  it('[CON-10] searches are rate-limited per account: RATE_LIMITED with a retry-after', async () => {
    const user = userCaller({ workspaceRole: 'MEMBER' });
    for (let index = 0; index < 3; index += 1) expect((await search(user)).errors).toBeUndefined();
    const limited = await search(user);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(Number(limited.errors?.[0]?.extensions?.retryAfterSeconds)).toBeGreaterThanOrEqual(1);
    // Another account is not affected.
    expect((await search(userCaller({ workspaceRole: 'MEMBER' }))).errors).toBeUndefined();
  });

  it('[CON-10] a partner token counts against its own limit and its creator account', async () => {
    const creator = uniqueName('creator');
    const token = apiTokenCaller({ userId: creator, scopes: ['contacts:read'] });
    for (let index = 0; index < 3; index += 1) expect((await search(token)).errors).toBeUndefined();
    expect((await search(apiTokenCaller({ userId: creator, scopes: ['contacts:read'] }))).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('[CON-10] an account reading more search pages in a day than a person would is flagged for staff', async () => {
    const flags = await callSubgraph<{ extractionFlags: Array<{ signals: string[]; searchPages: number }> }>(
      contacts.url,
      '{ extractionFlags(first: 10) { userId signals searchPages } }',
      { caller: userCaller({ staffRoles: ['SUPPORT'] }), now: clock.now() },
    );
    expect(flags.errors).toBeUndefined();
    // Nobody has gone past 4 pages (refused attempts count too) yet.
    expect(flags.data?.extractionFlags).toEqual([]);
    const heavy = userCaller({ workspaceRole: 'MEMBER' });
    for (let index = 0; index < 5; index += 1) await search(heavy);
    const after = await callSubgraph<{ extractionFlags: Array<{ userId: string; signals: string[]; searchPages: number }> }>(
      contacts.url,
      '{ extractionFlags(first: 10) { userId signals searchPages } }',
      { caller: userCaller({ staffRoles: ['SUPPORT'] }), now: clock.now() },
    );
    expect(after.data?.extractionFlags.find((flag) => flag.userId === heavy.userId)?.signals).toContain('SEARCH_PAGES_PER_DAY');
    expect((await callSubgraph(contacts.url, '{ extractionFlags { userId } }', { caller: heavy, now: clock.now() })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('[CON-09][PRV-07] the retention job deletes profiles 5 years after their last update and reports each run, to privacy too', async () => {
    await eventually(async () => expect(await contactModel(contacts.infra.connection).exists({ _id: 'old-profile' })).toBeNull());
    expect(await contactModel(contacts.infra.connection).exists({ _id: 'fresh-profile' })).not.toBeNull();
    clock.advance(5 * 366 * DAY_MS);
    await eventually(async () => expect(await contactModel(contacts.infra.connection).exists({ _id: 'fresh-profile' })).toBeNull());
    // The pass writes its report just after its deletes: wait for it too.
    await eventually(async () => {
      const runs = await callSubgraph<{ contactRetentionRuns: Array<{ deletedProfiles: number; cutoff: string }> }>(
        contacts.url,
        '{ contactRetentionRuns(first: 100) { deletedProfiles cutoff } }',
        { caller: userCaller({ staffRoles: ['PRIVACY_OFFICER'] }), now: clock.now() },
      );
      expect(runs.data?.contactRetentionRuns.reduce((sum, run) => sum + run.deletedProfiles, 0)).toBe(2);
    });
    // PRV-07: every pass is reported to the privacy service on the bus.
    const bus = await connectTestBus('retention-observer', nats.url);
    try {
      const reported = await eventually(async () => {
        const events = await publishedEvents(bus, 'RetentionRunReportedByContacts', (data) => data.deleted > 0);
        expect(events.reduce((sum, event) => sum + event.data.deleted, 0)).toBe(2);
        return events;
      });
      expect(reported.every((event) => event.data.service === 'contacts' && event.data.dataCategory === 'BUSINESS_PROFILES' && !event.data.dryRun)).toBe(true);
    } finally {
      await bus.close();
    }
  });
});

describe('contacts subgraph: retention dry run and reports to privacy (PRV-07, CON-09)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let bus: EventBus;

  beforeAll(async () => {
    nats = await startIsolatedNats();
    const env = serviceTestEnv('contacts', { NATS_URL: nats.url, JOB_INTERVAL_SECONDS: '1', RETENTION_DRY_RUN: 'true' });
    contacts = await startContactsService(loadContactsConfig(env), { clock, logger: testLogger('contacts') });
    bus = await connectTestBus('retention-dry-run', nats.url);
    await storeProfiles(contacts.infra.connection, [
      profile('dry-old', { name: 'Old Dry', company: 'Legacy' }, new Date('2021-10-01T00:00:00.000Z')),
      profile('dry-fresh', { name: 'Fresh Dry', company: 'Legacy' }, new Date('2026-10-01T00:00:00.000Z')),
    ]);
  });
  afterAll(async () => {
    await bus.close();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  it('[PRV-07][CON-09] with RETENTION_DRY_RUN the scheduled job reports what is due and deletes nothing', async () => {
    const [report] = await eventually(async () => {
      const events = await publishedEvents(bus, 'RetentionRunReportedByContacts', (data) => data.due === 1);
      expect(events.length).toBeGreaterThan(0);
      return events;
    });
    expect(report?.data).toMatchObject({ service: 'contacts', dataCategory: 'BUSINESS_PROFILES', dryRun: true, due: 1, deleted: 0, cutoff: '2021-11-23T09:00:00.000Z' });
    expect(await contactModel(contacts.infra.connection).exists({ _id: 'dry-old' })).not.toBeNull();
    const runs = await callSubgraph<{ contactRetentionRuns: Array<{ dryRun: boolean; dueProfiles: number; deletedProfiles: number }> }>(
      contacts.url,
      '{ contactRetentionRuns(first: 5) { dryRun dueProfiles deletedProfiles } }',
      { caller: userCaller({ staffRoles: ['PRIVACY_OFFICER'] }), now: clock.now() },
    );
    expect(runs.data?.contactRetentionRuns).toContainEqual({ dryRun: true, dueProfiles: 1, deletedProfiles: 0 });
    expect(runs.data?.contactRetentionRuns.every((run) => run.dryRun && run.deletedProfiles === 0)).toBe(true);
  });

  it('[PRV-07][CON-09] a real pass (method option) deletes what is due, keeps the rest, and reports it', async () => {
    const { connection } = contacts.infra;
    const retention = new RetentionService(contactModel(connection), contactIdentifierModel(connection), { eraseRevealedDetails: async () => 0 }, retentionRunReportModel(connection), { dryRun: true }, clock, testLogger('retention'));
    const report = await retention.purgeExpired({ dryRun: false });
    expect(report).toMatchObject({ dataCategory: 'BUSINESS_PROFILES', dryRun: false, due: 1, deleted: 1 });
    expect(await contactModel(connection).exists({ _id: 'dry-old' })).toBeNull();
    expect(await contactIdentifierModel(connection).countDocuments({ contactId: 'dry-old' })).toBe(0);
    expect(await contactModel(connection).exists({ _id: 'dry-fresh' })).not.toBeNull();
    const [event] = await expectEvents(bus, 'RetentionRunReportedByContacts', (data) => data.runId === report._id);
    expect(event?.data).toMatchObject({ dryRun: false, due: 1, deleted: 1, ranAt: clock.now().toISOString() });
  });
});
