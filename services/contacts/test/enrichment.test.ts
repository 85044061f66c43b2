import { createEvent } from '@leadgraph/events';
import { DEV_SUPPRESSION_KEY, identifierHash, type ApiTokenCaller, type EventBus, type RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, connectTestBus, eventually, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { BillingCredits } from '../src/billing-credits/billing-credits.service';
import { loadContactsConfig } from '../src/config';
import { contactIdentifierModel, contactModel } from '../src/contacts/contact.model';
import { enrichmentItemModel, enrichmentJobModel } from '../src/enrichment/enrichment.model';
import { itemId } from '../src/enrichment/enrichment.rules';
import { EnrichmentService } from '../src/enrichment/enrichment.service';
import { startContactsService } from '../src/main';
import { revealModel, revealRequestModel } from '../src/reveals/reveal.model';
import { revealScope, spendKey } from '../src/reveals/reveal.rules';
import { RevealService } from '../src/reveals/reveal.service';
import { suppressionCaseModel, suppressionModel } from '../src/suppression/suppression.model';
import { SuppressionService } from '../src/suppression/suppression.service';
import { BillingResponder } from './billing-responder';
import { profile, storeProfiles } from './contacts-fixtures';

interface JobAnswer {
  id: string;
  state: string;
  total: number;
  processed: number;
  creditsSpent: number;
  counts: { found: number; notFound: number; suppressed: number; insufficientCredits: number; invalidIdentifier: number };
  items: {
    edges: Array<{ cursor: string; node: { index: number; identifier: string; status: string | null; reason: string | null; contactId: string | null; creditsCharged: number; unavailable: string[]; revealed: { fields: string[]; phones: Array<{ number: string }> } | null } }>;
    hasNextPage: boolean;
    endCursor: string | null;
  };
}

const JOB_FIELDS = `id state total processed creditsSpent counts { found notFound suppressed insufficientCredits invalidIdentifier }
  items(first: $first, after: $after) { edges { cursor node { index identifier status reason contactId creditsCharged unavailable revealed { fields phones { number } } } } hasNextPage endCursor }`;
const SUBMIT = `mutation($input: SubmitEnrichmentJobInput!, $first: Int, $after: String) { submitEnrichmentJob(input: $input) { ${JOB_FIELDS} } }`;
const JOB = `query($id: ID!, $first: Int, $after: String) { enrichmentJob(id: $id) { ${JOB_FIELDS} } }`;

const url = (id: string) => `https://linkedin.com/in/${id}`;

describe('contacts subgraph: bulk enrichment (issue 4b; CON-03, CON-04, CON-08)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let billing: BillingResponder;
  let bus: EventBus;
  const partnerWs = uniqueName('enr-ws');
  const partner = apiTokenCaller({ workspaceId: partnerWs, scopes: ['contacts:read', 'contacts:reveal'] });

  /** A second process on the same database and bus: it runs jobs only when told (crash and concurrency tests). */
  const runner = () => {
    const connection = contacts.infra.connection;
    const hashKey = { secret: DEV_SUPPRESSION_KEY, version: 1 };
    const logger = testLogger('enrichment-runner');
    const revealService = new RevealService(
      revealModel(connection),
      revealRequestModel(connection),
      contactModel(connection),
      new BillingCredits(bus),
      { beforeReveal: async () => undefined },
      async () => new Set<string>(),
      clock,
      logger,
      () => undefined,
    );
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contactModel(connection), contactIdentifierModel(connection), hashKey, clock, logger);
    return new EnrichmentService(enrichmentJobModel(connection), enrichmentItemModel(connection), contactModel(connection), contactIdentifierModel(connection), suppression, revealService, hashKey, clock, logger, { runOnSubmit: false });
  };

  beforeAll(async () => {
    nats = await startIsolatedNats();
    // The periodic resume runs at start-up only here: the crash tests drive their runners themselves.
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url, JOB_INTERVAL_SECONDS: '3600' })), { clock, logger: testLogger('contacts') });
    billing = await BillingResponder.start(nats.url);
    bus = await connectTestBus('enrichment-test', nats.url);
    const at = clock.now();
    const phones = (n: number) => [`+336123400${String(n).padStart(2, '0')}`];
    await storeProfiles(contacts.infra.connection, [
      profile('en-a', { name: 'Ann A', emails: ['ann@a.example'], phones: phones(1) }, at),
      profile('en-b', { name: 'Ben B', emails: ['ben@b.example'], phones: phones(2) }, at),
      profile('en-c', { name: 'Cat C', emails: ['cat@c.example'], phones: phones(3) }, at),
      profile('en-d', { name: 'Dan D', emails: ['dan@d.example'] }, at),
      ...Array.from({ length: 6 }, (_, index) => profile(`en-k${index}`, { name: `Kim K${index}`, emails: [`kim${index}@k.example`], phones: phones(10 + index) }, at)),
      ...Array.from({ length: 8 }, (_, index) => profile(`en-p${index}`, { name: `Pat P${index}`, emails: [`pat${index}@p.example`], phones: phones(30 + index) }, at)),
    ]);
    // An opted-out person: only the keyed hash of their e-mail is left (CON-08).
    await suppressionModel(contacts.infra.connection).create({
      _id: identifierHash('EMAIL', 'gone@optout.example', { secret: DEV_SUPPRESSION_KEY, version: 1 }),
      kind: 'EMAIL',
      keyVersion: 1,
      origin: { type: 'OPT_OUT', id: 'optout-1' },
      suppressedAt: at,
    });
    billing.grant(partnerWs, 'PHONE', 10);
  });
  afterAll(async () => {
    await bus.close();
    await billing.stop();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  const chargesOf = (workspaceId: string) => billing.charges().filter((receipt) => receipt.owner.ownerId === workspaceId);
  const keysOf = (workspaceId: string) => chargesOf(workspaceId).map((receipt) => receipt.idempotencyKey);

  it('[CON-03][CON-08] a job reports found, not found, suppressed and malformed items, and stops charging at its credit maximum', async () => {
    const identifiers = [url('en-a'), 'BEN@b.example', 'nobody@nowhere.example', 'gone@optout.example', 'not an identifier', url('en-c'), url('en-d')];
    const submitted = await callSubgraph<{ submitEnrichmentJob: JobAnswer }>(contacts.url, SUBMIT, {
      variables: { input: { identifiers, fields: ['PHONE'], maxCredits: 2 }, first: 10 },
      caller: partner,
      now: clock.now(),
    });
    expect(submitted.errors).toBeUndefined();
    const id = submitted.data?.submitEnrichmentJob.id ?? '';
    expect(submitted.data?.submitEnrichmentJob.total).toBe(7);

    const done = await eventually(async () => {
      const answer = await callSubgraph<{ enrichmentJob: JobAnswer }>(contacts.url, JOB, { variables: { id, first: 10 }, caller: partner, now: clock.now() });
      expect(answer.data?.enrichmentJob.state).toBe('COMPLETED');
      return answer.data?.enrichmentJob;
    });
    expect(done).toMatchObject({
      processed: 7,
      creditsSpent: 2,
      counts: { found: 3, notFound: 1, suppressed: 1, insufficientCredits: 1, invalidIdentifier: 1 },
    });
    const byIndex = done?.items.edges.map((edge) => edge.node) ?? [];
    expect(byIndex.map((item) => [item.status, item.reason, item.creditsCharged])).toEqual([
      ['FOUND', null, 1],
      ['FOUND', null, 1],
      ['NOT_FOUND', null, 0],
      ['SUPPRESSED', null, 0],
      ['INVALID_IDENTIFIER', 'is not a profile URL or an e-mail address', 0],
      ['INSUFFICIENT_CREDITS', 'MAX_CREDITS_REACHED', 0],
      ['FOUND', null, 0],
    ]);
    expect(byIndex[0]?.revealed).toEqual({ fields: ['PHONE'], phones: [{ number: '+33612340001' }] });
    expect(byIndex[1]).toMatchObject({ contactId: 'en-b', revealed: { phones: [{ number: '+33612340002' }] } });
    expect(byIndex[5]).toMatchObject({ contactId: 'en-c', revealed: null });
    expect(byIndex[6]).toMatchObject({ contactId: 'en-d', unavailable: ['PHONE'] });
    expect(keysOf(partnerWs).sort()).toEqual([spendKey(`ws:${partnerWs}`, 'en-a', 'PHONE', 0), spendKey(`ws:${partnerWs}`, 'en-b', 'PHONE', 0)].sort());
    expect(billing.balance(partnerWs, 'PHONE')).toBe(8);

    // Item results page in submission order.
    const first = await callSubgraph<{ enrichmentJob: JobAnswer }>(contacts.url, JOB, { variables: { id, first: 4 }, caller: partner, now: clock.now() });
    expect(first.data?.enrichmentJob.items.hasNextPage).toBe(true);
    const rest = await callSubgraph<{ enrichmentJob: JobAnswer }>(contacts.url, JOB, { variables: { id, first: 4, after: first.data?.enrichmentJob.items.endCursor }, caller: partner, now: clock.now() });
    expect(rest.data?.enrichmentJob.items.edges.map((edge) => edge.node.index)).toEqual([4, 5, 6]);
    expect(rest.data?.enrichmentJob.items.hasNextPage).toBe(false);

    // Workspace-scoped: another workspace does not see the job.
    const stranger = await callSubgraph<{ enrichmentJob: JobAnswer | null }>(contacts.url, JOB, { variables: { id }, caller: userCaller({ workspaceId: uniqueName('ws'), workspaceRole: 'ADMIN' }), now: clock.now() });
    expect(stranger.errors).toBeUndefined();
    expect(stranger.data?.enrichmentJob).toBeNull();
  });

  it('[CON-04] items billing cannot pay are INSUFFICIENT_CREDITS naming the credit type, and nothing is charged', async () => {
    const poor = apiTokenCaller({ workspaceId: uniqueName('enr-poor'), scopes: ['contacts:reveal'] });
    const submitted = await callSubgraph<{ submitEnrichmentJob: JobAnswer }>(contacts.url, SUBMIT, {
      variables: { input: { identifiers: [url('en-a')], fields: ['PHONE'], maxCredits: 5 } },
      caller: poor,
      now: clock.now(),
    });
    const id = submitted.data?.submitEnrichmentJob.id ?? '';
    const done = await eventually(async () => {
      const answer = await callSubgraph<{ enrichmentJob: JobAnswer }>(contacts.url, JOB, { variables: { id }, caller: poor, now: clock.now() });
      expect(answer.data?.enrichmentJob.state).toBe('COMPLETED');
      return answer.data?.enrichmentJob;
    });
    expect(done?.items.edges[0]?.node).toMatchObject({ status: 'INSUFFICIENT_CREDITS', creditsCharged: 0, revealed: null });
    expect(done?.items.edges[0]?.node.reason).toContain('PHONE');
    expect(chargesOf(poor.workspaceId)).toHaveLength(0);
  });

  it('validates the job and names the field; only callers with contacts:reveal submit', async () => {
    const submit = (input: Record<string, unknown>, caller: ApiTokenCaller = partner) =>
      callSubgraph<{ submitEnrichmentJob: JobAnswer }>(contacts.url, 'mutation($input: SubmitEnrichmentJobInput!) { submitEnrichmentJob(input: $input) { id } }', { variables: { input }, caller, now: clock.now() });
    expect((await submit({ identifiers: [], fields: ['PHONE'], maxCredits: 1 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.identifiers' });
    expect((await submit({ identifiers: Array(10_001).fill(url('en-a')), fields: ['PHONE'], maxCredits: 1 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.identifiers' });
    expect((await submit({ identifiers: [url('en-a')], fields: ['PHONE'], maxCredits: 0 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maxCredits' });
    expect((await submit({ identifiers: [url('en-a')], fields: [], maxCredits: 1 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fields' });
    expect((await submit({ identifiers: [url('en-a')], fields: ['PHONE'], maxCredits: 1 }, apiTokenCaller({ scopes: ['contacts:read'] }))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('[CON-03] a job stopped part-way (and one crashed after a spend) resumes from its items and charges every item at most once', async () => {
    const ws = uniqueName('enr-crash');
    const caller = apiTokenCaller({ workspaceId: ws, scopes: ['contacts:reveal'] });
    billing.grant(ws, 'PHONE', 10);
    const first = runner();
    const job = await first.submit(caller, { identifiers: Array.from({ length: 6 }, (_, index) => url(`en-k${index}`)), fields: ['PHONE'], maxCredits: 6 });
    expect(await first.run(job._id, { limit: 2 })).toBe(2);
    // The process dies while item 2 is in flight: its budget reserved, billing charged, nothing else written.
    const scope = revealScope(caller).scope;
    await enrichmentItemModel(contacts.infra.connection).updateOne(
      { _id: itemId(job._id, 2) },
      { $set: { state: 'RUNNING', claimId: 'crashed', leaseUntil: new Date(clock.now().getTime() + 60_000), planned: ['PHONE'] } },
    );
    await enrichmentJobModel(contacts.infra.connection).updateOne({ _id: job._id }, { $set: { 'reservations.i2': 1 }, $inc: { creditsReserved: 1 } });
    await new BillingCredits(bus).spend({ idempotencyKey: spendKey(scope, 'en-k2', 'PHONE', 0), caller: { userId: caller.userId, workspaceId: ws, viaApiTokenId: caller.tokenId }, creditType: 'PHONE', amount: 1, reason: 'CONTACT_REVEAL', reference: 'en-k2' });
    expect(chargesOf(ws)).toHaveLength(3);

    // Restarted: the unfinished job goes on; the crashed item waits for its lease.
    const restarted = runner();
    await restarted.resumeUnfinishedJobs();
    const progress = await restarted.progress(caller, job._id);
    expect(progress).toMatchObject({ processed: 5, job: { state: 'RUNNING' } });
    clock.advance(61_000);
    await restarted.resumeUnfinishedJobs();
    const done = await restarted.progress(caller, job._id);
    expect(done).toMatchObject({ processed: 6, creditsSpent: 6, counts: { FOUND: 6 }, job: { state: 'COMPLETED' } });
    expect(keysOf(ws).sort()).toEqual(Array.from({ length: 6 }, (_, index) => spendKey(scope, `en-k${index}`, 'PHONE', 0)).sort());
    expect(billing.balance(ws, 'PHONE')).toBe(4);
    const reveals = await revealModel(contacts.infra.connection).find({ scope }).lean();
    expect(reveals.map((reveal) => reveal.fields.PHONE?.state)).toEqual(Array(6).fill('REVEALED'));
  });

  it('[CON-03] two runners on one job in parallel never charge twice (the same person listed twice included) and respect the maximum', async () => {
    const ws = uniqueName('enr-race');
    const caller = apiTokenCaller({ workspaceId: ws, scopes: ['contacts:reveal'] });
    billing.grant(ws, 'PHONE', 20);
    const [one, two] = [runner(), runner()];
    const identifiers = [...Array.from({ length: 8 }, (_, index) => url(`en-p${index}`)), 'pat0@p.example', 'pat1@p.example'];
    const job = await one.submit(caller, { identifiers, fields: ['PHONE'], maxCredits: 7 });
    billing.spendDelayMs = 30;
    const processed = await Promise.all([one.run(job._id), two.run(job._id), one.run(job._id)]);
    billing.spendDelayMs = 0;
    expect(processed.reduce((sum, count) => sum + count, 0)).toBe(10);
    const done = await one.progress(caller, job._id);
    expect(done?.job.state).toBe('COMPLETED');
    const keys = keysOf(ws);
    expect(new Set(keys).size).toBe(keys.length);
    // Eight people for seven credits: one at least is left INSUFFICIENT_CREDITS, and the job paid what billing charged.
    expect(keys.length).toBeLessThanOrEqual(7);
    expect(keys.length).toBeGreaterThanOrEqual(6);
    expect(done).toMatchObject({ processed: 10, creditsSpent: keys.length });
    expect(done?.counts.INSUFFICIENT_CREDITS).toBeGreaterThanOrEqual(1);
    expect(done?.counts.FOUND).toBe(10 - (done?.counts.INSUFFICIENT_CREDITS ?? 0));
    expect(billing.balance(ws, 'PHONE')).toBe(20 - keys.length);
  });

  async function optOut(email: string): Promise<void> {
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('opt'), identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', email, { secret: DEV_SUPPRESSION_KEY, version: 1 }), keyVersion: 1 }], optedOutAt: clock.now().toISOString() },
        { subject: 'opt', time: clock.now() },
      ),
    );
  }

  it('[CON-08][PRV-05] after an opt-out, finished items about the person lose the input and the result\u2019s contact; statuses, credits and counts stay', async () => {
    const connection = contacts.infra.connection;
    const ws = uniqueName('enr-optout');
    const caller = apiTokenCaller({ workspaceId: ws, scopes: ['contacts:reveal'] });
    billing.grant(ws, 'PHONE', 5);
    await storeProfiles(connection, [profile('en-eve', { name: 'Eve Erased', emails: ['eve@e.example'], phones: ['+33612349901'] }, clock.now())]);
    const submitted = await callSubgraph<{ submitEnrichmentJob: JobAnswer }>(contacts.url, SUBMIT, {
      variables: { input: { identifiers: ['EVE@e.example', url('en-eve'), url('en-a')], fields: ['PHONE'], maxCredits: 5 } },
      caller,
      now: clock.now(),
    });
    const id = submitted.data?.submitEnrichmentJob.id ?? '';
    const job = async () => (await callSubgraph<{ enrichmentJob: JobAnswer }>(contacts.url, JOB, { variables: { id, first: 10 }, caller, now: clock.now() })).data!.enrichmentJob;
    const done = await eventually(async () => {
      const answer = await job();
      expect(answer.state).toBe('COMPLETED');
      return answer;
    });
    expect(done.items.edges.map((edge) => [edge.node.identifier, edge.node.status, edge.node.contactId])).toEqual([
      ['EVE@e.example', 'FOUND', 'en-eve'],
      [url('en-eve'), 'FOUND', 'en-eve'],
      [url('en-a'), 'FOUND', 'en-a'],
    ]);

    await optOut('eve@e.example');
    await eventually(async () => expect(await enrichmentItemModel(connection).countDocuments({ jobId: id, erasedAt: { $ne: null } })).toBe(2));
    const stored = await enrichmentItemModel(connection).find({ jobId: id }).sort({ index: 1 }).lean();
    expect(JSON.stringify(stored.slice(0, 2))).not.toMatch(/eve@e\.example|in\/en-eve|"en-eve"/i);
    expect(stored[0]?.identifierHash).toBe(identifierHash('EMAIL', 'eve@e.example', { secret: DEV_SUPPRESSION_KEY, version: 1 }));
    const after = await job();
    expect(after).toMatchObject({ state: 'COMPLETED', processed: 3, creditsSpent: done.creditsSpent, counts: done.counts });
    expect(after.items.edges.map((edge) => [edge.node.identifier, edge.node.status, edge.node.contactId, edge.node.revealed, edge.node.creditsCharged])).toEqual([
      ['', 'FOUND', null, null, done.items.edges[0]?.node.creditsCharged],
      ['', 'FOUND', null, null, 0],
      [url('en-a'), 'FOUND', 'en-a', { fields: ['PHONE'], phones: [{ number: '+33612340001' }] }, done.items.edges[2]?.node.creditsCharged],
    ]);
  });

  it('[CON-08][PRV-05] pending items about an opted-out person are settled SUPPRESSED without their input, and a suppressed input is not kept', async () => {
    const connection = contacts.infra.connection;
    const ws = uniqueName('enr-pending');
    const caller = apiTokenCaller({ workspaceId: ws, scopes: ['contacts:reveal'] });
    billing.grant(ws, 'PHONE', 5);
    await storeProfiles(connection, [profile('en-fay', { name: 'Fay Pending', emails: ['fay@f.example'], phones: ['+33612349902'] }, clock.now())]);
    const one = runner();
    const job = await one.submit(caller, { identifiers: ['fay@f.example', 'gone@optout.example', url('en-b')], fields: ['PHONE'], maxCredits: 5 });
    expect(await enrichmentItemModel(connection).countDocuments({ jobId: job._id, state: 'PENDING' })).toBe(3);

    await optOut('fay@f.example');
    const erased = await eventually(async () => {
      const item = await enrichmentItemModel(connection).findById(itemId(job._id, 0)).lean();
      expect(item?.erasedAt).not.toBeNull();
      return item!;
    });
    expect(erased).toMatchObject({ identifier: '', value: null, state: 'DONE', result: { status: 'SUPPRESSED', contactId: null, creditsCharged: 0 } });

    expect(await one.run(job._id)).toBe(2);
    const done = await one.progress(caller, job._id);
    expect(done).toMatchObject({ processed: 3, job: { state: 'COMPLETED' }, counts: { SUPPRESSED: 2, FOUND: 1 } });
    const items = await enrichmentItemModel(connection).find({ jobId: job._id }).sort({ index: 1 }).lean();
    expect(items.map((item) => [item.identifier, item.result?.status])).toEqual([
      ['', 'SUPPRESSED'],
      // Already on the suppression list when processed: the customer's line about them is not kept either.
      ['', 'SUPPRESSED'],
      [url('en-b'), 'FOUND'],
    ]);
    expect(JSON.stringify(items)).not.toMatch(/fay@f\.example|gone@optout/);
    expect(keysOf(ws)).toEqual([spendKey(`ws:${ws}`, 'en-b', 'PHONE', 0)]);
  });

  it('[PRV-05][CON-08] items stored before they recorded their identifier hash are indexed once, then an opt-out erases them', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('en-gil', { name: 'Gil Legacy', emails: ['gil@g.example'] }, clock.now())]);
    const jobId = uniqueName('legacy-job');
    // As stored before: no `identifierHash` field, the input in clear, still pending.
    await enrichmentItemModel(connection).create({ _id: itemId(jobId, 0), jobId, index: 0, identifier: 'Gil@g.example', kind: 'EMAIL', value: 'gil@g.example', state: 'PENDING', claimId: null, leaseUntil: null, planned: null, result: null });
    expect(await enrichmentItemModel(connection).countDocuments({ jobId, identifierHash: { $exists: false } })).toBe(1);
    const one = runner();
    expect(await one.indexLegacyItems()).toBeGreaterThanOrEqual(1);
    expect(await one.indexLegacyItems()).toBe(0);
    await optOut('gil@g.example');
    const erased = await eventually(async () => {
      const item = await enrichmentItemModel(connection).findById(itemId(jobId, 0)).lean();
      expect(item?.erasedAt).not.toBeNull();
      return item!;
    });
    expect(erased).toMatchObject({ identifier: '', value: null, state: 'DONE', result: { status: 'SUPPRESSED' } });
  });
});
