import { randomUUID } from 'node:crypto';
import { createEvent, dataSubjectExportPartSchema, type DataSubjectRequestAnswer, type DataSubjectRequestDetails, type DataSubjectRight } from '@leadgraph/events';
import {
  DAY_MS,
  DEV_DATA_SUBJECT_SEAL_KEY,
  DEV_SUPPRESSION_KEY,
  identifierHash,
  openDataSubjectPayload,
  processedEventModel,
  sealDataSubjectPayload,
  type Caller,
  type EventBus,
  type RunningService,
} from '@leadgraph/platform';
import { callSubgraph, connectTestBus, eventually, expectEvents, publishedEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { addressBookEntryModel } from '../src/address-book/address-book.model';
import { loadContactsConfig } from '../src/config';
import { contactIdentifierModel, contactModel, type ContactDocument } from '../src/contacts/contact.model';
import { crmDeliveryAttemptModel, crmDeliveryModel } from '../src/crm-webhooks/crm-webhook.model';
import { enrichmentItemModel } from '../src/enrichment/enrichment.model';
import { IngestionService, type SourceRow } from '../src/ingestion/ingestion.service';
import { startContactsService } from '../src/main';
import { revealModel, revealRequestModel } from '../src/reveals/reveal.model';
import { suppressionCaseModel, suppressionModel } from '../src/suppression/suppression.model';
import { SuppressionService } from '../src/suppression/suppression.service';
import { BillingResponder } from './billing-responder';
import { Receiver } from './crm-receiver';
import { profile, storeProfiles } from './contacts-fixtures';

const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
const REVEAL = `mutation($id: ID!, $fields: [RevealField!]!, $key: String!) {
  revealContact(contactId: $id, fields: $fields, idempotencyKey: $key) { creditsCharged }
}`;

describe('contacts subgraph: data-subject requests (PRV-02, PRV-05) against the contact database (CON-08)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let billing: BillingResponder;
  let bus: EventBus;
  let ingestion: IngestionService;
  const ws1 = uniqueName('ws-one');
  const ws2 = uniqueName('ws-two');
  const ada = userCaller({ workspaceId: ws1, workspaceRole: 'ADMIN' });
  const bob = userCaller({ workspaceId: ws2, workspaceRole: 'ADMIN' });
  const reader = userCaller({ workspaceRole: 'MEMBER' });
  const receiver = new Receiver(() => clock.now());

  beforeAll(async () => {
    nats = await startIsolatedNats();
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url })), { clock, logger: testLogger('contacts') });
    billing = await BillingResponder.start(nats.url);
    bus = await connectTestBus('dsr-observer', nats.url);
    await receiver.start();
    const { connection } = contacts.infra;
    const logger = testLogger('ingestion');
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contactModel(connection), contactIdentifierModel(connection), key, clock, logger);
    ingestion = new IngestionService(contactModel(connection), contactIdentifierModel(connection), suppression, key, clock, logger);
    const at = new Date('2025-02-01T10:00:00.000Z');
    await storeProfiles(connection, [
      profile('dsr-jane', { name: 'Jane Access', jobTitle: 'Sales Manager', company: 'Acme', country: 'FR', city: 'Paris', skills: ['Negotiation'], emails: ['jane.access@acme.example'], phones: ['+33612340001'] }, at),
      profile('dsr-erin', { name: 'Erin Erasure', company: 'Acme', emails: ['erin.erasure@acme.example'], phones: ['+33612340002'] }, at),
      profile('dsr-rita', { name: 'Rita Restricted', company: 'Acme', emails: ['rita.restricted@acme.example'], phones: ['+33612340003'] }, at),
      profile('dsr-rick', { name: 'Rick Rectified', jobTitle: 'Junior Analyst', company: 'Acme', emails: ['rick.rectified@acme.example'] }, at),
      profile('dsr-otto', { name: 'Otto Objection', company: 'Acme', emails: ['otto.objection@acme.example'] }, at),
      profile('dsr-cleo', { name: 'Cleo Copies', company: 'Acme', emails: ['cleo.copies@acme.example'] }, at),
      profile('dsr-kate', { name: 'Kate Kept', company: 'Acme', emails: ['kate.kept@acme.example'] }, at),
      profile('dsr-olga', { name: 'Olga Objects', company: 'Acme', emails: ['olga.objects@acme.example'] }, at),
      profile('dsr-liam', { name: 'Liam Lifted', company: 'Acme', emails: ['liam.lifted@acme.example'], phones: ['+33612340004'] }, at),
      profile('dsr-tess', { name: 'Tess Twice', company: 'Acme', emails: ['tess.twice@acme.example'], phones: ['+33612340005'] }, at),
      profile('dsr-owen', { name: 'Owen Optout', company: 'Acme', emails: ['owen.optout@acme.example'], phones: ['+33612340006'] }, at),
      profile('dsr-lena', { name: 'Lena Legacy', company: 'Acme', emails: ['lena.legacy@acme.example'], phones: ['+33612340007'] }, at),
    ]);
    for (const workspace of [ws1, ws2]) {
      billing.grant(workspace, 'PHONE', 20);
      billing.grant(workspace, 'PRO_EMAIL', 20);
    }
    billing.grant(ws1, 'EXPORT', 10);
  });
  afterAll(async () => {
    await receiver.stop();
    await bus.close();
    await billing.stop();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  const gql = <T>(caller: Caller, query: string, variables: Record<string, unknown> = {}) => callSubgraph<T>(contacts.url, query, { variables, caller, now: clock.now() });
  const reveal = (caller: Caller, id: string, fields: string[]) => gql<{ revealContact: { creditsCharged: number } }>(caller, REVEAL, { id, fields, key: uniqueName('key') });
  const search = (filter: Record<string, unknown>) =>
    gql<{ searchContacts: { edges: Array<{ node: { id: string; jobTitle: string | null } }> } }>(reader, 'query($f: ContactSearchFilter!) { searchContacts(filter: $f) { edges { node { id jobTitle } } } }', { f: filter });
  const stored = (id: string) => contactModel(contacts.infra.connection).findById(id).lean<ContactDocument>();
  const emailHash = (email: string) => identifierHash('EMAIL', email, key);

  async function* rows(...raws: Array<Record<string, unknown>>): AsyncIterable<SourceRow> {
    let line = 0;
    for (const raw of raws) yield { line: (line += 1), raw };
  }
  const reimport = (...raws: Array<Record<string, unknown>>) => ingestion.importRows(rows(...raws), { source: { kind: 'PARTNER', name: 'acme-data' } });

  /** Publishes a verified request as the privacy service does (PRV-03); returns the event id. */
  async function openRequest(right: DataSubjectRight, email: string, options: { requestId?: string; details?: DataSubjectRequestDetails } = {}): Promise<{ requestId: string; eventId: string }> {
    const requestId = options.requestId ?? randomUUID();
    const eventId = randomUUID();
    const now = clock.now();
    await bus.publish(
      createEvent(
        'DataSubjectRequestOpened',
        {
          requestId,
          right,
          userId: null,
          identifiers: [{ kind: 'EMAIL', hash: emailHash(email), keyVersion: 1 }],
          sealedDetails: options.details ? sealDataSubjectPayload(options.details, DEV_DATA_SUBJECT_SEAL_KEY) : null,
          dueAt: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
          openedAt: now.toISOString(),
        },
        { subject: `data-subject-request/${requestId}`, time: now, id: eventId },
      ),
    );
    return { requestId, eventId };
  }

  async function answerTo(requestId: string): Promise<DataSubjectRequestAnswer> {
    const [answer] = await expectEvents(bus, 'DataSubjectRequestAnsweredByContacts', (data) => data.requestId === requestId);
    return answer!.data;
  }
  /** Publishes DataSubjectRestrictionLifted as privacy does (GDPR art. 18(3)) and waits until contacts has consumed it. */
  async function liftRequest(requestId: string, email: string): Promise<void> {
    const eventId = randomUUID();
    const now = clock.now();
    await bus.publish(
      createEvent(
        'DataSubjectRestrictionLifted',
        { requestId, userId: null, identifiers: [{ kind: 'EMAIL', hash: emailHash(email), keyVersion: 1 }], liftedAt: now.toISOString() },
        { subject: `data-subject-request/${requestId}`, time: now, id: eventId },
      ),
    );
    await eventually(async () => expect(await processedEventModel(contacts.infra.connection).exists({ eventId, consumer: /DataSubjectRestrictionLifted/ })).toBeTruthy());
  }
  async function restrictPerson(email: string): Promise<string> {
    const { requestId } = await openRequest('RESTRICTION', email);
    expect((await answerTo(requestId)).outcome).toBe('CARRIED_OUT');
    return requestId;
  }
  const found = async (name: string) => (await search({ name })).data?.searchContacts.edges.map((edge) => edge.node.id) ?? [];
  const profileOf = async (id: string) => (await gql<{ contact: { id: string } | null }>(reader, `{ contact(id: "${id}") { id } }`)).data?.contact ?? null;
  const summary = (answer: DataSubjectRequestAnswer) => answer.actions.map((action) => [action.dataCategory, action.action, action.count]);

  it('[PRV-02][PRV-05] access: a sealed export of the profile with each datum\u2019s source and dates, purpose, legal basis, and both workspaces that revealed it as recipients', async () => {
    expect((await reveal(ada, 'dsr-jane', ['PRO_EMAIL', 'PHONE'])).data?.revealContact.creditsCharged).toBe(2);
    clock.advance(60_000);
    expect((await reveal(bob, 'dsr-jane', ['PHONE'])).data?.revealContact.creditsCharged).toBe(1);
    expect((await gql(ada, 'mutation { saveContact(contactId: "dsr-jane") { status } }')).errors).toBeUndefined();
    const exported = await gql<{ exportContacts: { contactCount: number } }>(ada, 'mutation { exportContacts(input: { contactIds: ["dsr-jane"], format: JSON, idempotencyKey: "dsr-export-1" }) { contactCount } }');
    expect(exported.data?.exportContacts.contactCount).toBe(1);

    const { requestId } = await openRequest('ACCESS', 'Jane.Access@acme.example'.toLowerCase());
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ service: 'contacts', right: 'ACCESS', outcome: 'CARRIED_OUT', retained: [] });
    expect(summary(answer)).toEqual([
      ['BUSINESS_PROFILES', 'EXPORTED', 1],
      ['REVEAL_RECORDS', 'EXPORTED', 3],
      ['ADDRESS_BOOK_ENTRIES', 'EXPORTED', 1],
    ]);
    // Personal data never travels in clear.
    expect(JSON.stringify(answer)).not.toMatch(/jane|Access|\+3361234/);
    const part = dataSubjectExportPartSchema.parse(openDataSubjectPayload(answer.sealedExport!, DEV_DATA_SUBJECT_SEAL_KEY));
    const [record] = part.records;
    expect(record).toMatchObject({
      dataCategory: 'BUSINESS_PROFILES',
      purpose: 'B2B prospecting database made available to our customers',
      legalBasis: expect.stringMatching(/Legitimate interest/),
      source: expect.stringMatching(/Data partner "test-partner"/),
    });
    expect(record?.data).toMatchObject({
      name: { value: 'Jane Access', source: 'Data partner "test-partner"', firstSeenAt: '2025-02-01T10:00:00.000Z', lastVerifiedAt: '2025-02-01T10:00:00.000Z' },
      jobTitle: { value: 'Sales Manager' },
      company: { value: 'Acme' },
      location: { country: 'FR', city: 'Paris', source: 'Data partner "test-partner"' },
      skills: [{ value: 'Negotiation' }],
      professionalEmails: [{ value: 'jane.access@acme.example', source: 'Data partner "test-partner"' }],
      phones: [{ value: '+33612340001', source: 'Data partner "test-partner"' }],
      profileUrl: { value: 'https://linkedin.com/in/dsr-jane' },
      lastUpdatedAt: '2025-02-01T10:00:00.000Z',
    });
    const revealedAt = (workspaceId: string) => part.recipients.filter((recipient) => recipient.workspaceId === workspaceId);
    expect(revealedAt(ws1)).toEqual([
      { workspaceId: ws1, userId: null, fields: ['PRO_EMAIL', 'PHONE'], receivedAt: '2026-11-23T09:00:00.000Z' },
      { workspaceId: ws1, userId: ada.userId, fields: ['NAME', 'JOB_TITLE', 'COMPANY', 'LOCATION', 'PROFILE_URL', 'PRO_EMAIL', 'PHONE'], receivedAt: '2026-11-23T09:01:00.000Z' },
    ]);
    expect(revealedAt(ws2)).toEqual([{ workspaceId: ws2, userId: null, fields: ['PHONE'], receivedAt: '2026-11-23T09:01:00.000Z' }]);
    expect(part.records[1]).toMatchObject({ dataCategory: 'ADDRESS_BOOK_ENTRIES', data: { workspaceId: ws1 } });
  });

  it('[PRV-02][PRV-05][CON-08] erasure: profile and everything derived deleted, the revealing workspaces told, the person suppressed and never re-imported; ERASED + SUPPRESSED', async () => {
    await reveal(ada, 'dsr-erin', ['PRO_EMAIL']);
    await reveal(bob, 'dsr-erin', ['PHONE']);
    expect((await gql(ada, 'mutation { saveContact(contactId: "dsr-erin") { status } }')).errors).toBeUndefined();
    expect((await gql(ada, 'mutation { addContactNote(contactId: "dsr-erin", text: "Prefers e-mail") { status } }')).errors).toBeUndefined();
    const { connection } = contacts.infra;
    expect(await revealRequestModel(connection).countDocuments({ contactId: 'dsr-erin' })).toBe(2);

    const { requestId } = await openRequest('ERASURE', 'erin.erasure@acme.example');
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'ERASURE', outcome: 'CARRIED_OUT', sealedExport: null });
    expect(summary(answer)).toEqual([
      ['BUSINESS_PROFILES', 'ERASED', 1],
      ['ADDRESS_BOOK_ENTRIES', 'ERASED', 1],
      ['REVEAL_RECORDS', 'ANONYMISED', 2],
      // E-mail, phone and profile URL.
      ['SUPPRESSION_LIST', 'SUPPRESSED', 3],
    ]);
    expect(answer.retained.map((kept) => kept.dataCategory)).toEqual(['SUPPRESSION_LIST', 'REVEAL_RECORDS']);

    expect(await stored('dsr-erin')).toBeNull();
    expect(await contactIdentifierModel(connection).countDocuments({ contactId: 'dsr-erin' })).toBe(0);
    expect(await addressBookEntryModel(connection).countDocuments({ contactId: 'dsr-erin' })).toBe(0);
    expect(await revealRequestModel(connection).countDocuments({ contactId: 'dsr-erin' })).toBe(0);
    // Reveal records keep what billing and audit need, no personal data.
    const kept = await revealModel(connection).find({ contactId: 'dsr-erin' }, { outbox: 0 }).lean();
    expect(kept).toHaveLength(2);
    expect(kept.every((doc) => doc.optedOutAt !== null)).toBe(true);
    expect(JSON.stringify(kept)).not.toMatch(/Erin Erasure|erin\.erasure|\+33612340002/i);
    const notices = await expectEvents(bus, 'RevealedContactOptedOut', (data) => data.contactId === 'dsr-erin', 2);
    expect(notices.map((notice) => notice.data.workspaceId).sort()).toEqual([ws1, ws2].sort());
    expect((await search({ name: 'erin' })).data?.searchContacts.edges).toEqual([]);
    expect(await suppressionModel(connection).countDocuments({ 'origin.id': requestId })).toBe(3);

    const again = await reimport({ name: 'Erin E.', company: 'Acme', country: 'FR', professionalEmails: ['ERIN.ERASURE@acme.example'] });
    expect(again).toMatchObject({ inserted: 0, skippedSuppressed: 1 });
    expect((await search({ name: 'erin' })).data?.searchContacts.edges).toEqual([]);
  });

  it('[PRV-05] a request delivered again (a new event for the same request) is carried out and answered once', async () => {
    const { requestId } = await openRequest('ERASURE', 'erin.erasure@acme.example');
    await answerTo(requestId);
    const replay = await openRequest('ERASURE', 'erin.erasure@acme.example', { requestId });
    await eventually(async () => expect(await processedEventModel(contacts.infra.connection).exists({ eventId: replay.eventId, consumer: /DataSubjectRequestOpened/ })).toBeTruthy());
    expect(await publishedEvents(bus, 'DataSubjectRequestAnsweredByContacts', (data) => data.requestId === requestId)).toHaveLength(1);
  });

  it('[PRV-02][PRV-05] restriction: the profile is kept but no longer searched, shown, revealed or exported; RESTRICTED', async () => {
    expect((await search({ name: 'rita' })).data?.searchContacts.edges).toHaveLength(1);
    const { requestId } = await openRequest('RESTRICTION', 'rita.restricted@acme.example');
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'RESTRICTION', outcome: 'CARRIED_OUT' });
    expect(summary(answer)).toEqual([['BUSINESS_PROFILES', 'RESTRICTED', 1]]);
    expect(answer.retained).toEqual([{ dataCategory: 'BUSINESS_PROFILES', legalBasis: expect.stringMatching(/Restriction of processing/), keptUntil: '2030-02-01T10:00:00.000Z' }]);

    expect((await search({ name: 'rita' })).data?.searchContacts.edges).toEqual([]);
    expect((await gql<{ contact: unknown }>(reader, '{ contact(id: "dsr-rita") { id } }')).data?.contact).toBeNull();
    expect((await reveal(ada, 'dsr-rita', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const exported = await gql(ada, 'mutation { exportContacts(input: { contactIds: ["dsr-rita"], format: CSV, idempotencyKey: "dsr-export-rita" }) { id } }');
    expect(exported.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const kept = await stored('dsr-rita');
    expect(kept?.name.value).toBe('Rita Restricted');
    expect(kept?.restrictedAt).toEqual(clock.now());
    // A refresh keeps the restriction.
    await reimport({ name: 'Rita Restricted', company: 'Acme', country: 'FR', professionalEmails: ['rita.restricted@acme.example'] });
    expect((await stored('dsr-rita'))?.restrictedAt).toEqual(clock.now());
    expect((await search({ name: 'rita' })).data?.searchContacts.edges).toEqual([]);
  });

  it('[PRV-02][PRV-05] rectification: the corrected title is searchable, the last update is now, and a later refresh keeps the correction; RECTIFIED', async () => {
    clock.advance(DAY_MS);
    const { requestId } = await openRequest('RECTIFICATION', 'rick.rectified@acme.example', {
      details: { corrections: [{ field: 'JOB_TITLE', value: 'Head of Data' }, { field: 'LOCATION', value: 'Lyon, FR' }], directive: null },
    });
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'RECTIFICATION', outcome: 'CARRIED_OUT' });
    // The profile held no location: nothing is added from what the person says (CON-07).
    expect(answer.actions).toEqual([{ dataCategory: 'BUSINESS_PROFILES', action: 'RECTIFIED', count: 1, note: 'Corrected: jobTitle; not corrected: location (not held)' }]);
    expect((await search({ jobTitle: 'head of data' })).data?.searchContacts.edges).toEqual([{ node: { id: 'dsr-rick', jobTitle: 'Head of Data' } }]);
    expect((await search({ jobTitle: 'junior analyst' })).data?.searchContacts.edges).toEqual([]);
    const rick = await stored('dsr-rick');
    expect(rick?.lastUpdatedAt).toEqual(clock.now());
    expect(rick?.jobTitle).toMatchObject({ value: 'Head of Data', source: { kind: 'PARTNER', name: 'test-partner' }, lastVerifiedAt: clock.now() });

    const refreshed = await reimport({ name: 'Rick Rectified', jobTitle: 'Junior Analyst', company: 'Acme Corp', country: 'FR', professionalEmails: ['rick.rectified@acme.example'] });
    expect(refreshed).toMatchObject({ updated: 1 });
    const after = await stored('dsr-rick');
    expect(after?.jobTitle?.value).toBe('Head of Data');
    expect(after?.company?.value).toBe('Acme Corp');
  });

  it('[PRV-02][PRV-05][CON-08] objection: applied like an opt-out, the person deleted and suppressed, a retried reveal no longer shows them; OBJECTION_APPLIED + SUPPRESSED', async () => {
    const retryKey = uniqueName('otto-key');
    const first = await gql<{ revealContact: { creditsCharged: number } }>(ada, REVEAL, { id: 'dsr-otto', fields: ['PRO_EMAIL'], key: retryKey });
    expect(first.data?.revealContact.creditsCharged).toBe(1);
    const { requestId } = await openRequest('OBJECTION', 'otto.objection@acme.example');
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'OBJECTION', outcome: 'CARRIED_OUT' });
    expect(summary(answer)).toEqual([
      ['BUSINESS_PROFILES', 'OBJECTION_APPLIED', 1],
      ['REVEAL_RECORDS', 'ANONYMISED', 1],
      ['SUPPRESSION_LIST', 'SUPPRESSED', 2],
    ]);
    expect(await stored('dsr-otto')).toBeNull();
    expect(await revealRequestModel(contacts.infra.connection).countDocuments({ contactId: 'dsr-otto' })).toBe(0);
    const retried = await gql(ada, REVEAL, { id: 'dsr-otto', fields: ['PRO_EMAIL'], key: retryKey });
    expect(retried.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await reimport({ name: 'Otto Objection', country: 'FR', professionalEmails: ['otto.objection@acme.example'] })).toMatchObject({ skippedSuppressed: 1 });
  });

  const ENRICHMENT_JOB = 'query($id: ID!) { enrichmentJob(id: $id) { state counts { found } items(first: 10) { edges { node { identifier status contactId creditsCharged } } } } }';
  interface EnrichmentJobView {
    state: string;
    counts: { found: number };
    items: { edges: Array<{ node: { identifier: string; status: string | null; contactId: string | null; creditsCharged: number } }> };
  }

  /** ws1's CRM gets these contacts (one export credit each); returns the delivery id. */
  async function pushToCrm(contactIds: string[], key: string): Promise<string> {
    if (!receiver.secret) {
      const configured = await gql<{ configureCrmWebhook: { secret: string } }>(ada, 'mutation($url: String!) { configureCrmWebhook(url: $url) { secret } }', { url: receiver.url });
      receiver.secret = configured.data!.configureCrmWebhook.secret;
    }
    const pushed = await gql<{ pushContactsToCrm: { id: string; status: string } }>(ada, 'mutation($ids: [ID!], $key: String!) { pushContactsToCrm(input: { contactIds: $ids, idempotencyKey: $key }) { id status } }', {
      ids: contactIds,
      key,
    });
    expect(pushed.errors).toBeUndefined();
    expect(pushed.data?.pushContactsToCrm.status).toBe('DELIVERED');
    return pushed.data!.pushContactsToCrm.id;
  }

  /** ws1 enriches these identifiers (PRO_EMAIL) and waits for the job to complete; returns the job id. */
  async function enrich(identifiers: string[]): Promise<string> {
    const submitted = await gql<{ submitEnrichmentJob: { id: string } }>(ada, 'mutation($input: SubmitEnrichmentJobInput!) { submitEnrichmentJob(input: $input) { id } }', {
      input: { identifiers, fields: ['PRO_EMAIL'], maxCredits: 5 },
    });
    expect(submitted.errors).toBeUndefined();
    const jobId = submitted.data!.submitEnrichmentJob.id;
    await eventually(async () => expect((await gql<{ enrichmentJob: EnrichmentJobView }>(ada, ENRICHMENT_JOB, { id: jobId })).data?.enrichmentJob.state).toBe('COMPLETED'));
    return jobId;
  }
  const enrichmentJob = async (jobId: string) => (await gql<{ enrichmentJob: EnrichmentJobView }>(ada, ENRICHMENT_JOB, { id: jobId })).data!.enrichmentJob;

  it('[PRV-05][CON-08] erasure: the person leaves stored CRM payloads and enrichment items (logs, statuses and counts kept), a replay does not send them again; CRM_DELIVERIES + ENRICHMENT_ITEMS ERASED', async () => {
    const { connection } = contacts.infra;
    const person = /Cleo Copies|cleo\.copies/i;
    expect((await reveal(ada, 'dsr-cleo', ['PRO_EMAIL'])).data?.revealContact.creditsCharged).toBe(1);
    const deliveryId = await pushToCrm(['dsr-cleo', 'dsr-kate'], 'dsr-crm-push-cleo');
    expect(receiver.received.at(-1)?.body).toMatch(/Cleo Copies/);
    expect(receiver.received.at(-1)?.body).toMatch(/cleo\.copies@acme\.example/);
    const jobId = await enrich(['Cleo.Copies@acme.example', 'https://linkedin.com/in/dsr-cleo', 'https://linkedin.com/in/dsr-kate']);
    expect((await enrichmentJob(jobId)).items.edges.map((edge) => [edge.node.identifier, edge.node.status, edge.node.contactId])).toEqual([
      ['Cleo.Copies@acme.example', 'FOUND', 'dsr-cleo'],
      ['https://linkedin.com/in/dsr-cleo', 'FOUND', 'dsr-cleo'],
      ['https://linkedin.com/in/dsr-kate', 'FOUND', 'dsr-kate'],
    ]);
    const logBefore = await crmDeliveryAttemptModel(connection).countDocuments({ deliveryId });

    const { requestId } = await openRequest('ERASURE', 'cleo.copies@acme.example');
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'ERASURE', outcome: 'CARRIED_OUT' });
    expect(summary(answer)).toEqual([
      ['BUSINESS_PROFILES', 'ERASED', 1],
      ['REVEAL_RECORDS', 'ANONYMISED', 1],
      ['CRM_DELIVERIES', 'ERASED', 1],
      ['ENRICHMENT_ITEMS', 'ERASED', 2],
      // E-mail and profile URL.
      ['SUPPRESSION_LIST', 'SUPPRESSED', 2],
    ]);
    expect(JSON.stringify(answer)).not.toMatch(person);

    // The stored payload keeps the other contact, not the person; the delivery log is kept.
    const delivery = await crmDeliveryModel(connection).findById(deliveryId).lean();
    expect(delivery?.body).not.toMatch(person);
    expect(delivery?.body).toMatch(/Kate Kept/);
    expect(delivery).toMatchObject({ status: 'DELIVERED', contactCount: 2, creditsCharged: 2, contactIds: ['dsr-kate'], erasedContactIds: ['dsr-cleo'] });
    expect(await crmDeliveryAttemptModel(connection).countDocuments({ deliveryId })).toBe(logBefore);
    // A replay sends the rewritten payload: never the person again.
    const sentBefore = receiver.received.length;
    const replayed = await gql<{ replayCrmDelivery: { status: string } }>(ada, 'mutation($id: ID!) { replayCrmDelivery(id: $id) { status } }', { id: deliveryId });
    expect(replayed.errors).toBeUndefined();
    expect(receiver.received).toHaveLength(sentBefore + 1);
    expect(receiver.received.at(-1)?.body).not.toMatch(person);
    expect(receiver.received.at(-1)?.body).toMatch(/Kate Kept/);

    // The enrichment items about the person lose the input and the result's contact; statuses and counts stay.
    const items = await enrichmentItemModel(connection).find({ jobId }).sort({ index: 1 }).lean();
    expect(JSON.stringify(items.slice(0, 2))).not.toMatch(person);
    expect(JSON.stringify(items.slice(0, 2))).not.toMatch(/dsr-cleo/);
    expect(items.map((item) => [item.identifier, item.value === null, item.erasedAt !== null, item.result?.status, item.result?.contactId])).toEqual([
      ['', true, true, 'FOUND', null],
      ['', true, true, 'FOUND', null],
      ['https://linkedin.com/in/dsr-kate', false, false, 'FOUND', 'dsr-kate'],
    ]);
    // The keyed hash stays instead of the input.
    expect(items[0]?.identifierHash).toBe(emailHash('cleo.copies@acme.example'));
    const job = await enrichmentJob(jobId);
    expect(job.counts.found).toBe(3);
    expect(job.items.edges.map((edge) => [edge.node.identifier, edge.node.contactId])).toEqual([
      ['', null],
      ['', null],
      ['https://linkedin.com/in/dsr-kate', 'dsr-kate'],
    ]);

    // Delivered again, the request is answered with the same counts.
    const retried = await openRequest('ERASURE', 'cleo.copies@acme.example', { requestId });
    await eventually(async () => expect(await processedEventModel(connection).exists({ eventId: retried.eventId, consumer: /DataSubjectRequestOpened/ })).toBeTruthy());
    expect(await publishedEvents(bus, 'DataSubjectRequestAnsweredByContacts', (data) => data.requestId === requestId)).toHaveLength(1);
  });

  it('[PRV-05][CON-08] objection: applied like an opt-out, the person also leaves stored CRM payloads and enrichment items; counted in the answer', async () => {
    const { connection } = contacts.infra;
    const person = /Olga Objects|olga\.objects/i;
    const deliveryId = await pushToCrm(['dsr-olga', 'dsr-kate'], 'dsr-crm-push-olga');
    expect(receiver.received.at(-1)?.body).toMatch(/Olga Objects/);
    const jobId = await enrich(['olga.objects@acme.example']);

    const answer = await answerTo((await openRequest('OBJECTION', 'olga.objects@acme.example')).requestId);
    expect(summary(answer)).toEqual([
      ['BUSINESS_PROFILES', 'OBJECTION_APPLIED', 1],
      ['REVEAL_RECORDS', 'ANONYMISED', 1],
      ['CRM_DELIVERIES', 'ERASED', 1],
      ['ENRICHMENT_ITEMS', 'ERASED', 1],
      ['SUPPRESSION_LIST', 'SUPPRESSED', 2],
    ]);
    expect((await crmDeliveryModel(connection).findById(deliveryId).lean())?.body).not.toMatch(person);
    expect(JSON.stringify(await enrichmentItemModel(connection).find({ jobId }).lean())).not.toMatch(person);
    const sentBefore = receiver.received.length;
    await gql(ada, 'mutation($id: ID!) { replayCrmDelivery(id: $id) { status } }', { id: deliveryId });
    expect(receiver.received).toHaveLength(sentBefore + 1);
    expect(receiver.received.at(-1)?.body).not.toMatch(person);
  });

  it('[PRV-05] an unknown person: NO_DATA_HELD; an erasure still suppresses their identifiers so they are never ingested (CON-08)', async () => {
    const access = await answerTo((await openRequest('ACCESS', 'nobody@unknown.example')).requestId);
    expect(access).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [], sealedExport: null });
    const erasure = await answerTo((await openRequest('ERASURE', 'nobody@unknown.example')).requestId);
    expect(erasure).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [{ dataCategory: 'SUPPRESSION_LIST', action: 'SUPPRESSED', count: 1 }] });
    expect(await reimport({ name: 'No Body', country: 'FR', professionalEmails: ['nobody@unknown.example'] })).toMatchObject({ inserted: 0, skippedSuppressed: 1 });
  });

  it('[PRV-05] consent withdrawal and post-mortem directives: nothing here rests on consent or stores directives, NO_DATA_HELD even for a known person', async () => {
    const consent = await answerTo((await openRequest('CONSENT_WITHDRAWAL', 'jane.access@acme.example')).requestId);
    expect(consent).toMatchObject({ right: 'CONSENT_WITHDRAWAL', outcome: 'NO_DATA_HELD', actions: [] });
    const directive = await answerTo(
      (await openRequest('POST_MORTEM_DIRECTIVE', 'jane.access@acme.example', { details: { corrections: [], directive: 'Delete everything' } })).requestId,
    );
    expect(directive).toMatchObject({ right: 'POST_MORTEM_DIRECTIVE', outcome: 'NO_DATA_HELD', actions: [] });
    expect(await stored('dsr-jane')).not.toBeNull();
  });

  it('[PRV-02] lifting a restriction (DataSubjectRestrictionLifted): the profile is searchable, shown and revealable again, its last update untouched; a redelivered lift changes nothing', async () => {
    expect(await found('liam')).toEqual(['dsr-liam']);
    const requestId = await restrictPerson('liam.lifted@acme.example');
    expect(await found('liam')).toEqual([]);
    expect(await profileOf('dsr-liam')).toBeNull();
    expect((await reveal(ada, 'dsr-liam', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await stored('dsr-liam'))?.restrictedBy).toEqual([requestId]);

    clock.advance(DAY_MS);
    await liftRequest(requestId, 'liam.lifted@acme.example');
    expect(await found('liam')).toEqual(['dsr-liam']);
    expect(await profileOf('dsr-liam')).toEqual({ id: 'dsr-liam' });
    expect((await reveal(ada, 'dsr-liam', ['PHONE'])).data?.revealContact.creditsCharged).toBe(1);
    const liam = await stored('dsr-liam');
    expect(liam).toMatchObject({ restrictedAt: null, restrictionRequestId: null, restrictedBy: [] });
    // Neither restricting nor lifting is new data: retention still runs from the last real update.
    expect(liam?.lastUpdatedAt).toEqual(new Date('2025-02-01T10:00:00.000Z'));

    await liftRequest(requestId, 'liam.lifted@acme.example');
    expect(await found('liam')).toEqual(['dsr-liam']);
    expect((await stored('dsr-liam'))?.revision).toBe(liam?.revision);
  });

  it('[PRV-02] two restriction requests, one lifted: the profile stays restricted until the other is lifted too; a lift for an unknown request lifts nothing', async () => {
    const first = await restrictPerson('tess.twice@acme.example');
    const second = await restrictPerson('tess.twice@acme.example');
    expect((await stored('dsr-tess'))?.restrictedBy).toEqual([first, second]);

    // Unknown request, the person's identifiers: matched by hash, but it restricted nothing here.
    await liftRequest(randomUUID(), 'tess.twice@acme.example');
    await liftRequest(first, 'tess.twice@acme.example');
    expect(await found('tess')).toEqual([]);
    expect(await profileOf('dsr-tess')).toBeNull();
    expect((await reveal(ada, 'dsr-tess', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await stored('dsr-tess')).toMatchObject({ restrictedAt: expect.any(Date), restrictedBy: [second] });

    // A refresh in between keeps the remaining cause.
    await reimport({ name: 'Tess Twice', company: 'Acme', country: 'FR', professionalEmails: ['tess.twice@acme.example'] });
    expect((await stored('dsr-tess'))?.restrictedBy).toEqual([second]);

    await liftRequest(second, 'tess.twice@acme.example');
    expect(await found('tess')).toEqual(['dsr-tess']);
    expect((await reveal(ada, 'dsr-tess', ['PHONE'])).data?.revealContact.creditsCharged).toBe(1);
  });

  it('[PRV-02] a profile restricted before causes were recorded: lifted only by a request whose case lists it, never by another', async () => {
    const requestId = await restrictPerson('lena.legacy@acme.example');
    // As stored by the earlier version: the restricting request only, no list of causes.
    await contactModel(contacts.infra.connection).updateOne({ _id: 'dsr-lena' }, { $unset: { restrictedBy: 1 } });

    await liftRequest(randomUUID(), 'lena.legacy@acme.example');
    expect(await found('lena')).toEqual([]);
    await liftRequest(requestId, 'lena.legacy@acme.example');
    expect(await found('lena')).toEqual(['dsr-lena']);
  });

  it('[PRV-02][CON-08] an opted-out person stays absent after the lift of their earlier restriction, and is never re-imported', async () => {
    const requestId = await restrictPerson('owen.optout@acme.example');
    const objection = await openRequest('OBJECTION', 'owen.optout@acme.example');
    expect((await answerTo(objection.requestId)).outcome).toBe('CARRIED_OUT');
    expect(await stored('dsr-owen')).toBeNull();

    await liftRequest(requestId, 'owen.optout@acme.example');
    expect(await stored('dsr-owen')).toBeNull();
    expect(await found('owen')).toEqual([]);
    expect(await profileOf('dsr-owen')).toBeNull();
    expect((await reveal(ada, 'dsr-owen', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const again = await reimport({ name: 'Owen Optout', company: 'Acme', country: 'FR', professionalEmails: ['owen.optout@acme.example'] });
    expect(again).toMatchObject({ inserted: 0, skippedSuppressed: 1 });
    expect(await found('owen')).toEqual([]);
  });
});
