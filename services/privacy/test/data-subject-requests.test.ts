import { createEvent, type DataSubjectAnsweringService, type DataSubjectExportPart, type DataSubjectRequestAnswer, type EventName } from '@leadgraph/events';
import { dataSubjectAnswerEventName, exportSlices, identifierHash, processedEventModel, openDataSubjectPayload, sealDataSubjectPayload, type Caller, type EventBus, type RunningService } from '@leadgraph/platform';
import {
  callSubgraph,
  connectTestBus,
  eventually,
  expectEvents,
  publishedEvents,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  testMailbox,
  uniqueName,
  userCaller,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { loadPrivacyConfig, type PrivacyConfig } from '../src/config';
import { dataSubjectRequestModel } from '../src/data-subject-requests/data-subject-request.model';
import { PrivacyAuditTrail } from '../src/audit/audit.service';
import { privacyAuditEntryModel } from '../src/audit/audit.model';
import { dataSubjectAnswerChunkModel, dataSubjectExportModel } from '../src/data-subject-requests/data-subject-request.model';
import { startPrivacyService } from '../src/main';
import { optOutRequestModel } from '../src/opt-out/opt-out.model';
import { RequestRetentionService } from '../src/request-retention/request-retention.service';
import { retentionRuleModel } from '../src/retention-schedule/retention-schedule.model';
import { RetentionScheduleService } from '../src/retention-schedule/retention-schedule.service';
import { retentionRunEvidenceModel } from '../src/retention-runs/retention-run.model';
import { RetentionRunService } from '../src/retention-runs/retention-run.service';

interface PageAnswer {
  status: number;
  body: string;
  location: string | null;
}

interface RequestView {
  id: string;
  right: string;
  status: string;
  dueAt: string;
  firstDueAt: string;
  dueState: string;
  extensionMonths: number;
  pendingServices: string[];
  answers: Array<{ service: string; outcome: string; retained: Array<{ dataCategory: string; legalBasis: string }> }>;
  denialReason: string | null;
  history: Array<{ status: string }>;
}

const requestFields = 'id right status dueAt firstDueAt dueState extensionMonths pendingServices answers { service outcome retained { dataCategory legalBasis } } denialReason history { status }';

describe('[PRV-02..05] data-subject requests', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let config: PrivacyConfig;
  let privacy: RunningService;
  let bus: EventBus;
  const mailbox = testMailbox();
  const officer: Caller = userCaller({ staffRoles: ['PRIVACY_OFFICER'] });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadPrivacyConfig(serviceTestEnv('privacy', { NATS_URL: nats.url, PRIVACY_JOB_INTERVAL_MS: '200' }));
    privacy = await startPrivacyService(config, { clock, logger: testLogger('privacy') });
    bus = await connectTestBus('dsr-test', nats.url);
  });
  afterAll(async () => {
    await bus.close();
    await privacy.infra.connection.dropDatabase();
    await privacy.stop();
    await nats.stop();
  });

  const requests = () => dataSubjectRequestModel(privacy.infra.connection);
  const newEmail = () => `${uniqueName('subject')}@example.org`;
  const hashOf = (email: string) => identifierHash('EMAIL', email, { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION });

  async function send(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<PageAnswer> {
    const response = await fetch(new URL(path, privacy.url), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  }

  const call = <T>(query: string, variables: Record<string, unknown>, caller: Caller): Promise<SubgraphAnswer<T>> =>
    callSubgraph<T>(privacy.url, query, { variables, caller, now: clock.now() });

  async function codeFor(email: string): Promise<string> {
    const mail = await mailbox.waitFor(email, /privacy request|demande leadgraph/i);
    const code = /(\d{6})/.exec(mail.text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    return code;
  }

  async function openOnPage(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ requestId: string; code: string }> {
    const answer = await send('/privacy-request', form, headers);
    expect(answer.status).toBe(303);
    const requestId = new URL(answer.location ?? '', privacy.url).searchParams.get('request') ?? '';
    return { requestId, code: await codeFor(form.email ?? '') };
  }

  function answer(requestId: string, service: DataSubjectAnsweringService, overrides: Partial<DataSubjectRequestAnswer> = {}) {
    const name: EventName = dataSubjectAnswerEventName[service];
    const data: DataSubjectRequestAnswer = {
      requestId,
      service,
      right: 'ACCESS',
      outcome: 'NO_DATA_HELD',
      actions: [],
      retained: [],
      sealedExport: null,
      answeredAt: clock.now().toISOString(),
      ...overrides,
    };
    return bus.publish(createEvent(name, data as never, { subject: requestId, time: clock.now(), id: `test-${service}-${requestId}` }));
  }

  const statusOf = async (requestId: string) => (await requests().findById(requestId).lean())?.status;

  it('[PRV-02][PRV-03] the public page files a request that is published only after the mailed code is confirmed', async () => {
    const form = await send('/privacy-request');
    expect(form.status).toBe(200);
    expect(form.body).toContain('<label class="inline" for="right-ERASURE">');
    expect(form.body).toContain('<label for="email">');
    expect(form.body).not.toContain('<script');

    const email = newEmail();
    const unknownRight = await send('/privacy-request', { right: 'TELEPORTATION', email, lang: 'en' });
    expect(unknownRight.status).toBe(400);
    expect(unknownRight.body).toContain('Choose what you want to do.');
    const badEmail = await send('/privacy-request', { right: 'ACCESS', email: 'not-an-email', lang: 'fr' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body).toContain('Saisissez une adresse e-mail');
    expect(await requests().countDocuments({ contactEmail: email })).toBe(0);

    // The consent banner's visitor id travels in its first-party cookie: analytics can find that browser's events.
    const { requestId, code } = await openOnPage({ right: 'ACCESS', email, phone: '+33 6 12 34 56 78', lang: 'en' }, { cookie: 'theme=dark; leadgraph_visitor_id=visitor-7f3a' });
    expect(await statusOf(requestId)).toBe('IDENTITY_UNVERIFIED');
    const wrong = await send('/privacy-request/confirm', { request: requestId, code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('This code is not correct.');
    expect(await publishedEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === requestId)).toHaveLength(0);
    // An answer naming a request that was never verified is not attached to it.
    await answer(requestId, 'contacts', { outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'BUSINESS_PROFILES', action: 'ERASED', count: 1, note: null }] });
    await answer('forged-request-id', 'accounts');
    const handled = processedEventModel(privacy.infra.connection);
    await eventually(async () => expect(await handled.countDocuments({ eventId: { $in: [`test-contacts-${requestId}`, 'test-accounts-forged-request-id'] } })).toBe(2));
    const forged = await send('/privacy-request/confirm', { request: 'forged-request-id', code });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('This link or code is not valid.');

    const done = await send('/privacy-request/confirm', { request: requestId, code });
    expect(done.status).toBe(200);
    expect(done.body).toContain('2026-12-23');
    const [opened] = await expectEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === requestId);
    expect(opened?.data).toMatchObject({ right: 'ACCESS', userId: null, dueAt: '2026-12-23T09:00:00.000Z', visitorIds: ['visitor-7f3a'] });
    expect(opened?.data.identifiers.map((identifier) => identifier.kind)).toEqual(['EMAIL', 'PHONE']);
    expect(opened?.data.identifiers[0]?.hash).toBe(hashOf(email));
    expect(JSON.stringify(opened)).not.toContain(email);
    expect(await statusOf(requestId)).toBe('IN_PROGRESS');
    expect((await requests().findById(requestId).lean())?.answers).toEqual([]);
    const reused = await send('/privacy-request/confirm', { request: requestId, code });
    expect(reused.status).toBe(400);
    expect(reused.body).toContain('already confirmed');
  });

  it('[PRV-05][PRV-02][PRV-10] completes only when every service answered; the access answer is one JSON behind a single-use link', async () => {
    const email = newEmail();
    const { requestId, code } = await openOnPage({ right: 'ACCESS', email, lang: 'en' });
    expect((await send('/privacy-request/confirm', { request: requestId, code })).status).toBe(200);
    await expectEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === requestId);

    const contactsPart: DataSubjectExportPart = {
      records: [{ dataCategory: 'BUSINESS_PROFILES', description: 'Your professional profile', purpose: 'B2B prospecting database', legalBasis: 'Legitimate interest', source: 'Company website', data: { fullName: 'Jane Doe', email } }],
      recipients: [{ workspaceId: 'workspace-acme', userId: 'user-1', fields: ['PRO_EMAIL', 'PHONE'], receivedAt: '2026-10-01T08:00:00.000Z' }],
    };
    await answer(requestId, 'contacts', { outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'BUSINESS_PROFILES', action: 'EXPORTED', count: 1, note: null }], sealedExport: sealDataSubjectPayload(contactsPart, config.DATA_SUBJECT_SEAL_KEY) });
    await answer(requestId, 'billing', { retained: [{ dataCategory: 'ACCOUNTING', legalBasis: 'Legal obligation (10 years)', keptUntil: '2037-12-31T00:00:00.000Z' }] });
    await answer(requestId, 'accounts');
    await eventually(async () => expect(await statusOf(requestId)).toBe('AWAITING_SERVICES'));
    const waiting = await call<{ dataSubjectRequest: RequestView }>(`query($id: ID!) { dataSubjectRequest(id: $id) { ${requestFields} } }`, { id: requestId }, officer);
    expect(waiting.data?.dataSubjectRequest.pendingServices).toEqual(['analytics']);
    expect(await publishedEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId)).toHaveLength(0);

    await answer(requestId, 'analytics');
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId && data.outcome === 'COMPLETED');
    // A second answer from the same service changes nothing.
    await bus.publish(createEvent('DataSubjectRequestAnsweredByAnalytics', { requestId, service: 'analytics', right: 'ACCESS', outcome: 'CARRIED_OUT', actions: [], retained: [], sealedExport: null, answeredAt: clock.now().toISOString() }, { subject: requestId, time: clock.now() }));

    const mail = await mailbox.waitFor(email, /is complete/);
    expect(mail.text).toContain('accounting: Legal obligation (10 years)');
    const link = /(http\S+\/privacy-request\/export\?token=\S+)/.exec(mail.text)?.[1] ?? '';
    expect(link).not.toBe('');
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    const document = (await download.json()) as { data: Array<{ service: string; data: { email?: string } }>; recipients: Array<{ workspaceId: string; fields: string[] }>; purposes: string[]; sources: string[]; retainedUnderLegalObligation: Array<{ service: string }>; subProcessors: unknown[] };
    expect(document.data[0]).toMatchObject({ service: 'contacts', data: { email } });
    expect(document.recipients).toEqual([expect.objectContaining({ workspaceId: 'workspace-acme', fields: ['PRO_EMAIL', 'PHONE'] })]);
    expect(document.purposes).toContain('B2B prospecting database');
    expect(document.sources).toContain('Company website');
    expect(document.retainedUnderLegalObligation).toEqual([expect.objectContaining({ service: 'billing' })]);
    expect(document.subProcessors.length).toBeGreaterThan(0);
    expect((await fetch(link)).status).toBe(410);
    expect((await send('/privacy-request/export?token=not-a-real-token-but-long-enough')).status).toBe(410);

    const stored = await requests().findById(requestId).lean();
    expect(stored?.answers.map((entry) => entry.service).sort()).toEqual(['accounts', 'analytics', 'billing', 'contacts']);
    const trail = await call<{ privacyAuditTrail: { edges: Array<{ node: { action: string; subjectId: string } }> } }>(
      'query { privacyAuditTrail(first: 100) { edges { node { action subjectId } } } }',
      {},
      officer,
    );
    const actions = (trail.data?.privacyAuditTrail.edges ?? []).filter((edge) => edge.node.subjectId === requestId).map((edge) => edge.node.action);
    expect(actions).toEqual(expect.arrayContaining(['REQUEST_RECEIVED', 'REQUEST_VERIFIED', 'REQUEST_EXECUTED_BY_SERVICE', 'REQUEST_COMPLETED', 'EXPORT_DOWNLOADED']));
    expect(actions.filter((action) => action === 'REQUEST_EXECUTED_BY_SERVICE')).toHaveLength(4);
  });

  it('[PRV-02][PRV-03] a signed-in user files through the graph; bad input names the field; only they can verify or revoke', async () => {
    const user = userCaller();
    const stranger = userCaller();
    const email = newEmail();
    const open = (input: Record<string, unknown>, caller: Caller = user) =>
      call<{ openDataSubjectRequest: RequestView }>(`mutation($input: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $input) { ${requestFields} } }`, { input }, caller);

    const badEmail = await open({ right: 'ERASURE', email: 'nope' });
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    const noCorrections = await open({ right: 'RECTIFICATION', email });
    expect(noCorrections.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.corrections' });
    const unknownRight = await open({ right: 'TELEPORTATION', email });
    expect(unknownRight.errors?.[0]?.message).toContain('TELEPORTATION');
    const anonymous = await open({ right: 'ACCESS', email }, { kind: 'anonymous' });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });

    expect((await open({ right: 'ACCESS', email, visitorId: 'bad visitor id!' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.visitorId' });
    const opened = await open({ right: 'RECTIFICATION', email, visitorId: 'visitor-graph-1', corrections: [{ field: 'JOB_TITLE', value: 'Head of Sales' }] });
    const requestId = opened.data?.openDataSubjectRequest.id ?? '';
    expect(opened.data?.openDataSubjectRequest).toMatchObject({ status: 'IDENTITY_UNVERIFIED', right: 'RECTIFICATION', dueState: 'ON_TRACK' });
    const code = await codeFor(email);
    const verify = (caller: Caller, presented = code) =>
      call<{ verifyDataSubjectRequest: RequestView }>(`mutation($id: ID!, $code: String!) { verifyDataSubjectRequest(requestId: $id, code: $code) { ${requestFields} } }`, { id: requestId, code: presented }, caller);
    const byStranger = await verify(stranger);
    expect(byStranger.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'requestId' });
    const verified = await verify(user);
    expect(verified.data?.verifyDataSubjectRequest.status).toBe('IN_PROGRESS');
    const [event] = await expectEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === requestId);
    expect(event?.data.userId).toBe(user.kind === 'user' ? user.userId : null);
    expect(event?.data.visitorIds).toEqual(['visitor-graph-1']);
    const details = openDataSubjectPayload(event?.data.sealedDetails ?? '', config.DATA_SUBJECT_SEAL_KEY);
    expect(details).toEqual({ corrections: [{ field: 'JOB_TITLE', value: 'Head of Sales' }], directive: null });
    expect(JSON.stringify(event)).not.toContain('Head of Sales');

    const lateRevoke = await call<{ revokeDataSubjectRequest: RequestView }>(`mutation($id: ID!) { revokeDataSubjectRequest(requestId: $id) { status } }`, { id: requestId }, user);
    expect(lateRevoke.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });

    const second = await open({ right: 'OBJECTION', email });
    const secondId = second.data?.openDataSubjectRequest.id ?? '';
    await codeFor(email);
    const notTheirs = await call<{ revokeDataSubjectRequest: RequestView }>(`mutation($id: ID!) { revokeDataSubjectRequest(requestId: $id) { status } }`, { id: secondId }, stranger);
    expect(notTheirs.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const revoked = await call<{ revokeDataSubjectRequest: RequestView }>(`mutation($id: ID!) { revokeDataSubjectRequest(requestId: $id) { ${requestFields} } }`, { id: secondId }, user);
    expect(revoked.data?.revokeDataSubjectRequest.status).toBe('REVOKED');
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === secondId && data.outcome === 'REVOKED');
    const mine = await call<{ myDataSubjectRequests: RequestView[] }>(`query { myDataSubjectRequests { id status } }`, {}, user);
    expect(mine.data?.myDataSubjectRequests.map((request) => request.id).sort()).toEqual([requestId, secondId].sort());
  });

  it('[PRV-06][PRV-02] a verified consent withdrawal withdraws the user’s consent records too', async () => {
    const user = userCaller();
    const email = newEmail();
    const opened = await call<{ openDataSubjectRequest: RequestView }>(`mutation($input: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $input) { id } }`, { input: { right: 'CONSENT_WITHDRAWAL', email } }, user);
    const requestId = opened.data?.openDataSubjectRequest.id ?? '';
    const code = await codeFor(email);
    await call(`mutation($id: ID!, $code: String!) { verifyDataSubjectRequest(requestId: $id, code: $code) { id } }`, { id: requestId, code }, user);
    const userId = user.kind === 'user' ? user.userId : '';
    const [changed] = await expectEvents(bus, 'ConsentChanged', (data) => data.subjectType === 'USER' && data.subjectId === userId);
    expect(changed?.data).toMatchObject({ method: 'WITHDRAW', categories: { analytics: false, functionality: false, targeting: false } });
  });

  it('[PRV-04] officers see open, due-soon and overdue requests; an extension needs a reason, is mailed, and caps at two months', async () => {
    const email = newEmail();
    const late = await openOnPage({ right: 'ERASURE', email, lang: 'en' });
    expect((await send('/privacy-request/confirm', { request: late.requestId, code: late.code })).status).toBe(200);
    const extendable = await openOnPage({ right: 'ACCESS', email: newEmail(), lang: 'fr' });
    expect((await send('/privacy-request/confirm', { request: extendable.requestId, code: extendable.code })).status).toBe(200);

    const list = async (view: string) => {
      const answer = await call<{ dataSubjectRequests: { edges: Array<{ node: RequestView }> } }>(`query($view: DataSubjectRequestView!) { dataSubjectRequests(view: $view, first: 100) { edges { node { ${requestFields} } } } }`, { view }, officer);
      expect(answer.errors).toBeUndefined();
      return (answer.data?.dataSubjectRequests.edges ?? []).map((edge) => edge.node);
    };
    const forbidden = await call(`query { dataSubjectRequests { edges { node { id } } } }`, {}, userCaller());
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });

    expect((await list('OPEN')).map((request) => request.id)).toEqual(expect.arrayContaining([late.requestId, extendable.requestId]));
    expect((await list('OVERDUE')).map((request) => request.id)).not.toContain(late.requestId);

    const extend = (requestId: string, months: number, reason: string) =>
      call<{ extendDataSubjectRequest: RequestView }>(`mutation($id: ID!, $months: Int!, $reason: String!) { extendDataSubjectRequest(requestId: $id, months: $months, reason: $reason) { ${requestFields} } }`, { id: requestId, months, reason }, officer);
    expect((await extend(extendable.requestId, 1, 'busy')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const extended = await extend(extendable.requestId, 2, 'Your request covers several years of records in every service');
    expect(extended.data?.extendDataSubjectRequest).toMatchObject({ extensionMonths: 2, dueAt: '2027-02-23T09:00:00.000Z', firstDueAt: '2026-12-23T09:00:00.000Z' });
    const notice = await mailbox.waitFor(extendable.requestId ? (await requests().findById(extendable.requestId).lean())?.contactEmail ?? '' : '', /délai prolongé/);
    expect(notice.text).toContain('several years of records');
    expect(notice.text).toContain('2027-02-23');
    expect((await extend(extendable.requestId, 1, 'Still more records to gather here')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'months' });

    // One month and a day later, nobody has answered: the un-extended request is overdue.
    clock.set('2026-12-24T09:00:00.000Z');
    const overdue = await list('OVERDUE');
    expect(overdue.map((request) => request.id)).toContain(late.requestId);
    expect(overdue.map((request) => request.id)).not.toContain(extendable.requestId);
    expect(overdue.find((request) => request.id === late.requestId)?.dueState).toBe('OVERDUE');
    expect((await extend(late.requestId, 1, 'Too late to extend this one now')).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    clock.set('2026-11-23T09:00:00.000Z');
  });

  it('[PRV-03][PRV-04] a request never verified is denied at its due date; officers can deny with a reason', async () => {
    const email = newEmail();
    const unverified = await openOnPage({ right: 'ERASURE', email, lang: 'en' });
    const denyMe = await openOnPage({ right: 'ACCESS', email: newEmail(), lang: 'en' });
    const denied = await call<{ denyDataSubjectRequest: RequestView }>(
      `mutation($id: ID!) { denyDataSubjectRequest(requestId: $id, reason: EXCESSIVE, note: "Fifth identical request this month") { ${requestFields} } }`,
      { id: denyMe.requestId },
      officer,
    );
    expect(denied.data?.denyDataSubjectRequest).toMatchObject({ status: 'DENIED', denialReason: 'EXCESSIVE' });
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === denyMe.requestId && data.outcome === 'DENIED');

    clock.set('2026-12-23T09:00:01.000Z');
    await eventually(async () => expect(await statusOf(unverified.requestId)).toBe('DENIED'));
    expect((await requests().findById(unverified.requestId).lean())?.denialReason).toBe('IDENTITY_NOT_VERIFIED');
    expect(await publishedEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === unverified.requestId)).toHaveLength(0);
    clock.set('2026-11-23T09:00:00.000Z');
  });

  it('[PRV-07][PRV-10] retention reports from the services are kept as evidence for privacy officers', async () => {
    const runId = uniqueName('run');
    await bus.publish(
      createEvent(
        'RetentionRunReportedByContacts',
        { runId, service: 'contacts', dataCategory: 'BUSINESS_PROFILES', dryRun: false, cutoff: '2021-11-23T00:00:00.000Z', due: 3, deleted: 3, ranAt: '2026-11-23T03:00:00.000Z', finishedAt: '2026-11-23T03:00:02.000Z' },
        { subject: runId, time: clock.now() },
      ),
    );
    const runs = await eventually(async () => {
      const answer = await call<{ retentionRuns: { edges: Array<{ node: { id: string; service: string; deleted: number; matchesSchedule: boolean } }> } }>(
        `query { retentionRuns(dataCategory: "BUSINESS_PROFILES", first: 10) { edges { node { id service deleted matchesSchedule } } } }`,
        {},
        officer,
      );
      const found = (answer.data?.retentionRuns.edges ?? []).map((edge) => edge.node).filter((run) => run.id === runId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(runs[0]).toMatchObject({ service: 'contacts', deleted: 3, matchesSchedule: true });
    const forbidden = await call(`query { retentionRuns { edges { node { id } } } }`, {}, userCaller());
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('[PRV-07] the privacy requests retention pass: dry run counts, a real run deletes closed requests after 5 years, stale opt-outs and expired exports, with evidence', async () => {
    const { connection } = privacy.infra;
    const logger = testLogger('privacy');
    const runs = new RetentionRunService(retentionRunEvidenceModel(connection), new RetentionScheduleService(retentionRuleModel(connection)), new PrivacyAuditTrail(privacyAuditEntryModel(connection), clock), clock, logger);
    const passClock = testClock('2032-01-10T00:00:00.000Z');
    const retention = (dryRun: boolean) => new RequestRetentionService(requests(), dataSubjectExportModel(connection), optOutRequestModel(connection), dataSubjectAnswerChunkModel(connection), runs, passClock, logger, dryRun);

    const email = newEmail();
    const old = await openOnPage({ right: 'ACCESS', email, lang: 'en' });
    await requests().updateOne({ _id: old.requestId }, { $set: { status: 'DENIED', denialReason: 'EXCESSIVE', closedAt: new Date('2026-12-01T00:00:00.000Z') } });
    const recent = await openOnPage({ right: 'ACCESS', email: newEmail(), lang: 'en' });
    await requests().updateOne({ _id: recent.requestId }, { $set: { status: 'COMPLETED', closedAt: new Date('2027-06-01T00:00:00.000Z') } });
    const staleOptOut = uniqueName('opt-out');
    await optOutRequestModel(connection).create({ _id: staleOptOut, status: 'PENDING', identifiers: [{ kind: 'EMAIL', hash: hashOf(newEmail()), keyVersion: 1 }], codeHash: 'x', codeExpiresAt: new Date('2031-01-01T00:00:00.000Z'), attempts: 0, language: 'en', createdAt: new Date('2031-01-01T00:00:00.000Z'), confirmedAt: null, outbox: [] });
    const expiredExport = uniqueName('export');
    await dataSubjectExportModel(connection).create({ _id: expiredExport, requestId: recent.requestId, tokenHash: uniqueName('token'), expiresAt: new Date('2031-06-01T00:00:00.000Z'), sealedDocument: 'v1.x.y.z', createdAt: new Date('2031-05-25T00:00:00.000Z'), downloadedAt: null });

    const dry = await retention(true).purge();
    expect(dry).toMatchObject({ service: 'privacy', dataCategory: 'PRIVACY_REQUESTS', dryRun: true, deleted: 0, cutoff: '2027-01-10T00:00:00.000Z' });
    expect(dry.due).toBeGreaterThanOrEqual(3);
    expect(await requests().exists({ _id: old.requestId })).not.toBeNull();

    const real = await retention(false).purge();
    expect(real).toMatchObject({ dryRun: false, deleted: dry.due });
    expect(await requests().exists({ _id: old.requestId })).toBeNull();
    expect(await requests().exists({ _id: recent.requestId })).not.toBeNull();
    expect(await optOutRequestModel(connection).exists({ _id: staleOptOut })).toBeNull();
    expect(await dataSubjectExportModel(connection).exists({ _id: expiredExport })).toBeNull();
    const evidence = await retentionRunEvidenceModel(connection).find({ _id: { $in: [dry.runId, real.runId] } }).lean();
    expect(evidence.map((run) => ({ dryRun: run.dryRun, matchesSchedule: run.matchesSchedule })).sort((a, b) => Number(a.dryRun) - Number(b.dryRun))).toEqual([
      { dryRun: false, matchesSchedule: true },
      { dryRun: true, matchesSchedule: true },
    ]);
  });

  it('[PRV-03] an expired code, a code locked after five wrong tries and an expired export link get clear messages and change nothing', async () => {
    const expired = await openOnPage({ right: 'ACCESS', email: newEmail(), lang: 'en' });
    clock.advance(31 * 60_000);
    const late = await send('/privacy-request/confirm', { request: expired.requestId, code: expired.code });
    expect(late.status).toBe(400);
    expect(late.body).toContain('This code has expired.');
    expect(await statusOf(expired.requestId)).toBe('IDENTITY_UNVERIFIED');

    const locked = await openOnPage({ right: 'ERASURE', email: newEmail(), lang: 'fr' });
    const wrongCode = locked.code === '000000' ? '111111' : '000000';
    const attempts = [];
    for (let index = 0; index < 5; index += 1) attempts.push(await send('/privacy-request/confirm', { request: locked.requestId, code: wrongCode, lang: 'fr' }));
    expect(attempts.at(-1)?.body).toContain('ce code est bloqué');
    const afterLock = await send('/privacy-request/confirm', { request: locked.requestId, code: locked.code, lang: 'fr' });
    expect(afterLock.status).toBe(400);
    expect(afterLock.body).toContain('ce code est bloqué');
    expect(await statusOf(locked.requestId)).toBe('IDENTITY_UNVERIFIED');
    expect(await publishedEvents(bus, 'DataSubjectRequestOpened', (data) => data.requestId === locked.requestId)).toHaveLength(0);

    // An access answer whose link is not used within 7 days: the link says it expired.
    const email = newEmail();
    const access = await openOnPage({ right: 'PORTABILITY', email, lang: 'en' });
    expect((await send('/privacy-request/confirm', { request: access.requestId, code: access.code })).status).toBe(200);
    for (const service of ['accounts', 'billing', 'contacts', 'analytics'] as const) await answer(access.requestId, service, { right: 'PORTABILITY' });
    const mail = await mailbox.waitFor(email, /is complete/);
    const link = /(http\S+\/privacy-request\/export\?token=\S+)/.exec(mail.text)?.[1] ?? '';
    clock.advance(8 * 86_400_000);
    const gone = await fetch(link);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('This download link has expired.');
    clock.set('2026-11-23T09:00:00.000Z');
  });

  it('[PRV-05][PRV-02] a large export arrives in slices, in any order and redelivered, and counts once all are here', async () => {
    const email = newEmail();
    const { requestId, code } = await openOnPage({ right: 'ACCESS', email, lang: 'en' });
    expect((await send('/privacy-request/confirm', { request: requestId, code })).status).toBe(200);
    const lines = Array.from({ length: 6000 }, (_, index) => ({ entry: index, credits: index % 7, note: `spend number ${index} on a long ledger` }));
    const bigPart: DataSubjectExportPart = {
      records: [{ dataCategory: 'CREDITS', description: 'Your credit ledger', purpose: 'Contract performance', legalBasis: 'Contract', source: 'Generated by the service', data: { lines } }],
      recipients: [],
    };
    const sealed = sealDataSubjectPayload(bigPart, config.DATA_SUBJECT_SEAL_KEY);
    const slices = exportSlices(sealed);
    expect(slices.length).toBeGreaterThan(1);
    const publishSlice = (index: number, id = `big-${requestId}-${index}`) =>
      bus.publish(
        createEvent(
          'DataSubjectRequestAnsweredByBilling',
          { requestId, service: 'billing', right: 'ACCESS', outcome: 'CARRIED_OUT', actions: [], retained: [], sealedExport: slices[index] ?? null, exportChunk: { index, count: slices.length }, answeredAt: clock.now().toISOString() },
          { subject: requestId, time: clock.now(), id },
        ),
      );
    await publishSlice(0);
    await publishSlice(0, `big-${requestId}-0-again`);
    for (let index = slices.length - 1; index >= 1; index -= 1) await publishSlice(index);
    await eventually(async () => expect((await requests().findById(requestId).lean())?.answers.map((entry) => entry.service)).toEqual(['billing']));
    for (const service of ['accounts', 'contacts', 'analytics'] as const) await answer(requestId, service);
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId);
    const mail = await mailbox.waitFor(email, /is complete/);
    const link = /(http\S+\/privacy-request\/export\?token=\S+)/.exec(mail.text)?.[1] ?? '';
    const document = (await (await fetch(link)).json()) as { data: Array<{ service: string; data: { lines: unknown[] } }> };
    expect(document.data.find((record) => record.service === 'billing')?.data.lines).toHaveLength(6000);
  });

  it('[PRV-02] a privacy officer lifts a completed restriction: the requester is told first, then every service is asked to lift it', async () => {
    const email = newEmail();
    const { requestId, code } = await openOnPage({ right: 'RESTRICTION', email, lang: 'en' }, { cookie: 'leadgraph_visitor_id=visitor-restricted' });
    const lift = (id: string, reason = 'The accuracy dispute is settled: the data was checked and is correct') =>
      call<{ liftDataSubjectRestriction: { id: string; restrictionLiftedAt: string | null } }>(
        'mutation($id: ID!, $reason: String!) { liftDataSubjectRestriction(requestId: $id, reason: $reason) { id restrictionLiftedAt } }',
        { id, reason },
        officer,
      );
    expect((await lift(requestId)).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect((await send('/privacy-request/confirm', { request: requestId, code })).status).toBe(200);
    for (const service of ['accounts', 'billing', 'contacts', 'analytics'] as const) await answer(requestId, service, { right: 'RESTRICTION' });
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId);

    const refused = await call('mutation($id: ID!) { liftDataSubjectRestriction(requestId: $id, reason: "The accuracy dispute is settled") { id } }', { id: requestId }, userCaller());
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await lift(requestId, 'short')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const lifted = await lift(requestId);
    expect(lifted.errors).toBeUndefined();
    expect(lifted.data?.liftDataSubjectRestriction.restrictionLiftedAt).toBe(clock.now().toISOString());
    const notice = await mailbox.waitFor(email, /restriction of your data/);
    expect(notice.text).toContain('accuracy dispute is settled');
    const [event] = await expectEvents(bus, 'DataSubjectRestrictionLifted', (data) => data.requestId === requestId);
    expect(event?.data).toMatchObject({ userId: null, visitorIds: ['visitor-restricted'], identifiers: [{ kind: 'EMAIL', hash: hashOf(email) }] });
    expect((await lift(requestId)).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });

    // Only a restriction can be lifted.
    const access = await openOnPage({ right: 'ACCESS', email: newEmail(), lang: 'en' });
    expect((await lift(access.requestId)).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(await publishedEvents(bus, 'DataSubjectRestrictionLifted', (data) => data.requestId === access.requestId)).toHaveLength(0);
  });
});
