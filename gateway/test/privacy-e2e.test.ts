import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { ManualClock, REPO_ROOT, type EventBus } from '@leadgraph/platform';
import { connectTestBus, eventually, expectEvents, testInfra, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { invoiceModel } from '@leadgraph/billing/src/invoices/invoice.model';
import { rawEventModel } from '@leadgraph/analytics/src/collection/collection.model';
import { dataSubjectRequestModel } from '@leadgraph/privacy/src/data-subject-requests/data-subject-request.model';
import { gatewayClient, startTestStack, type TestStack } from './test-stack';

interface RequestView {
  id: string;
  status: string;
  pendingServices: string[];
  answers: Array<{ service: string; outcome: string; actions: Array<{ action: string; dataCategory: string; count: number }>; retained: Array<{ dataCategory: string; legalBasis: string }> }>;
}

interface ExportDocument {
  data: Array<{ service: string; dataCategory: string; purpose: string; legalBasis: string; source: string; data: unknown }>;
  recipients: Array<{ service: string; workspaceId: string | null; workspaceName: string | null; userId: string | null; fields: string[] }>;
  purposes: string[];
  sources: string[];
  retainedUnderLegalObligation: Array<{ service: string; dataCategory: string }>;
}

const REQUEST = 'id status pendingServices answers { service outcome actions { action dataCategory count } retained { dataCategory legalBasis } }';

/**
 * Data-subject requests end to end through the gateway, on the five real subgraphs (PRV-02..05):
 * a user who is also a profile in the contact database, a paying customer and a consenting
 * visitor asks for access, verifies the mailed code, every service answers and the one JSON
 * export lists her data and who received it; then she asks for erasure and disappears everywhere
 * except the accounting records billing must keep, restricted.
 */
describe('data-subject requests end to end through the gateway', () => {
  let stack: TestStack;
  let bus: EventBus;
  let dir: string;
  const domain = `${uniqueName('dsr').replace('_', '-')}.com`;
  const staffEmail = `ops@${domain}`;
  const aliceEmail = `alice@${domain}`;
  const mailbox = testMailbox();

  beforeAll(async () => {
    stack = await startTestStack(new ManualClock('2027-01-04T09:00:00.000Z'), { accountsEnv: { BOOTSTRAP_SUPER_ADMIN_EMAIL: staffEmail } });
    bus = await connectTestBus('privacy-e2e', stack.natsUrl);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privacy-e2e-'));
  });
  afterAll(async () => {
    await bus.close();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const { gql, signUpAndLogin, login, codeIn } = gatewayClient({ get gateway() { return stack.gateway; } });

  async function importProfiles(rows: unknown[]): Promise<void> {
    const file = path.join(dir, `${uniqueName('profiles')}.ndjson`);
    fs.writeFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    const { stdout } = await promisify(execFile)('node', ['-r', '@swc-node/register', 'services/contacts/src/import-cli.ts', file, '--source', 'PARTNER:privacy-e2e'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MONGO_URL: testInfra().mongoUrl, MONGO_DB: stack.services.contacts!.infra.connection.name, LOG_LEVEL: 'silent' },
    });
    expect(stdout).toMatch(/inserted:\s+1/);
  }

  const search = async (token: string) =>
    gql<{ searchContacts: { edges: Array<{ node: { id: string; name: string } }> } }>('{ searchContacts(filter: { company: "Privacy Works" }) { edges { node { id name } } } }', {}, token);

  /** Files a request through the graph and confirms the mailed code (PRV-03). */
  async function fileAndVerify(token: string, right: string): Promise<string> {
    const opened = await gql<{ openDataSubjectRequest: RequestView }>(`mutation($input: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $input) { ${REQUEST} } }`, { input: { right, email: aliceEmail } }, token);
    expect(opened.errors).toBeUndefined();
    expect(opened.data?.openDataSubjectRequest.status).toBe('IDENTITY_UNVERIFIED');
    const requestId = opened.data!.openDataSubjectRequest.id;
    const mail = await mailbox.waitFor(aliceEmail, /Confirm your leadgraph privacy request/);
    const verified = await gql<{ verifyDataSubjectRequest: RequestView }>(`mutation($id: ID!, $code: String!) { verifyDataSubjectRequest(requestId: $id, code: $code) { ${REQUEST} } }`, { id: requestId, code: codeIn(mail.text) }, token);
    expect(verified.errors).toBeUndefined();
    expect(verified.data?.verifyDataSubjectRequest.status).toBe('IN_PROGRESS');
    return requestId;
  }

  const storedRequest = (requestId: string) => dataSubjectRequestModel(stack.services.privacy!.infra.connection).findById(requestId).lean();

  it('[PRV-02][PRV-03][PRV-05][ANA-02] access: every service answers and the JSON export lists her data and its recipients; erasure: gone everywhere but restricted accounting', async () => {
    // Alice: a profile in the contact database (her work e-mail), a user, a paying customer.
    await importProfiles([{ name: 'Alice Privacy', jobTitle: 'Head of Data', company: 'Privacy Works', country: 'FR', professionalEmails: [aliceEmail], phones: ['+33 1 99 00 77 77'] }]);
    const staff = await signUpAndLogin(staffEmail);
    const alice = await signUpAndLogin(aliceEmail, 'Alice Privacy');
    const workspace = await gql<{ createWorkspace: { id: string } }>('mutation { createWorkspace(input: { name: "Alice & Co" }) { id } }', {}, alice.accessToken);
    expect(workspace.errors).toBeUndefined();
    const stripeJs = new Stripe(stack.stripe.secretKey, { ...stack.stripe.clientConfig, maxNetworkRetries: 0, telemetry: false });
    const card = await stripeJs.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const subscribed = await gql<{ subscribe: { outcome: string } }>(
      'mutation($input: SubscribeInput!) { subscribe(input: $input) { outcome } }',
      { input: { planId: 'starter-monthly', seats: 1, billingCountry: 'FR', paymentMethodId: card.id, billingEmail: aliceEmail } },
      await login(aliceEmail),
    );
    expect(subscribed.errors).toBeUndefined();
    const aliceToken = await login(aliceEmail);

    // Analytics: Alice accepts analytics cookies, so her page views are kept identified (ANA-01).
    const consent = await gql('mutation { recordConsent(input: { method: ACCEPT, policyVersion: "2026-11" }) { source } }', {}, aliceToken);
    expect(consent.errors).toBeUndefined();
    await eventually(async () => {
      const tracked = await gql<{ trackEvents: { results: Array<{ stored: string | null }> } }>(
        'mutation($input: TrackEventsInput!) { trackEvents(input: $input) { results { stored } } }',
        { input: { events: [{ type: 'PAGE_VIEW', name: 'search', page: '/search', occurredAt: stack.clock.now().toISOString() }] } },
        aliceToken,
      );
      expect(tracked.errors).toBeUndefined();
      expect(tracked.data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED');
    });

    // Bob, another customer, reveals Alice's work e-mail: Bob is a recipient of her data.
    const bob = await signUpAndLogin(`bob@${domain}`);
    const bobsWorkspace = await gql<{ createWorkspace: { id: string } }>('mutation { createWorkspace(input: { name: "Bob Prospecting" }) { id } }', {}, bob.accessToken);
    expect(bobsWorkspace.errors).toBeUndefined();
    const bobToken = await login(`bob@${domain}`);
    for (const [ownerType, ownerId] of [['USER', bob.userId], ['WORKSPACE', bobsWorkspace.data!.createWorkspace.id]] as const) {
      const granted = await gql(
        'mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { status } }',
        { input: { ownerType, ownerId, creditType: 'PRO_EMAIL', amount: 2, source: 'REGISTRATION', idempotencyKey: uniqueName('grant') } },
        staff.accessToken,
      );
      expect(granted.errors).toBeUndefined();
    }
    const found = await search(bobToken);
    const contactId = found.data?.searchContacts.edges[0]?.node.id ?? '';
    expect(found.data?.searchContacts.edges.map((edge) => edge.node.name)).toEqual(['Alice Privacy']);
    const revealed = await gql('mutation($id: ID!) { revealContact(contactId: $id, fields: [PRO_EMAIL], idempotencyKey: "privacy-e2e-reveal") { creditsCharged } }', { id: contactId }, bobToken);
    expect(revealed.errors).toBeUndefined();
    // ANA-02: the reveal is metered for Bob's workspace, for its administrators (server-side, no consent needed).
    const today = stack.clock.now().toISOString().slice(0, 10);
    await eventually(async () => {
      const usage = await gql<{ workspaceUsage: { entries: Array<{ creditType: string; creditsSpent: number; actions: number }> } }>(
        'query($id: ID!, $from: String!, $to: String!) { workspaceUsage(workspaceId: $id, from: $from, to: $to) { entries { creditType creditsSpent actions } } }',
        { id: bobsWorkspace.data!.createWorkspace.id, from: today, to: today },
        bobToken,
      );
      expect(usage.errors).toBeUndefined();
      expect(usage.data?.workspaceUsage.entries).toEqual([expect.objectContaining({ creditType: 'PRO_EMAIL', creditsSpent: 1, actions: 1 })]);
    });

    // Access (PRV-02): nothing happens before the code; then every service answers.
    const accessId = await fileAndVerify(aliceToken, 'ACCESS');
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === accessId && data.outcome === 'COMPLETED');
    const access = await gql<{ dataSubjectRequest: RequestView }>(`query($id: ID!) { dataSubjectRequest(id: $id) { ${REQUEST} } }`, { id: accessId }, aliceToken);
    expect(access.data?.dataSubjectRequest.status).toBe('COMPLETED');
    expect(access.data?.dataSubjectRequest.answers.map((answer) => answer.service).sort()).toEqual(['accounts', 'analytics', 'billing', 'contacts']);

    const answerMail = await mailbox.waitFor(aliceEmail, /request is complete/);
    const link = /(http\S+\/privacy-request\/export\?token=\S+)/.exec(answerMail.text)?.[1] ?? '';
    const download = await fetch(link);
    expect(download.status).toBe(200);
    const exported = (await download.json()) as ExportDocument;
    const services = new Set(exported.data.map((record) => record.service));
    expect([...services].sort()).toEqual(['accounts', 'analytics', 'billing', 'contacts']);
    expect(JSON.stringify(exported.data.filter((record) => record.service === 'accounts'))).toContain(aliceEmail);
    expect(JSON.stringify(exported.data.filter((record) => record.service === 'contacts'))).toContain('Head of Data');
    expect(exported.recipients).toEqual(
      expect.arrayContaining([expect.objectContaining({ service: 'contacts', workspaceId: bobsWorkspace.data!.createWorkspace.id, workspaceName: 'Bob Prospecting', fields: expect.arrayContaining(['PRO_EMAIL']) })]),
    );
    expect(exported.purposes.length).toBeGreaterThan(1);
    expect(exported.sources.length).toBeGreaterThan(1);
    for (const record of exported.data) expect(record.legalBasis).not.toBe('');
    expect((await fetch(link)).status).toBe(410);

    // Erasure (PRV-02, PRV-05): every service confirms; billing keeps the invoices, restricted, and says so.
    const erasureId = await fileAndVerify(aliceToken, 'ERASURE');
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === erasureId && data.outcome === 'COMPLETED');
    const erasure = await storedRequest(erasureId);
    expect(erasure?.status).toBe('COMPLETED');
    const answerOf = (service: string) => erasure?.answers.find((answer) => answer.service === service);
    expect(answerOf('accounts')?.actions).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'ERASED' })]));
    expect(answerOf('contacts')?.actions).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'ERASED' }), expect.objectContaining({ action: 'SUPPRESSED' })]));
    expect(answerOf('analytics')?.actions).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'ERASED' })]));
    expect(answerOf('billing')?.retained).toEqual(expect.arrayContaining([expect.objectContaining({ dataCategory: 'ACCOUNTING' })]));
    // The invoice is still there (10-year legal retention), its processing restricted.
    const invoices = await invoiceModel(stack.billing.infra.connection).find({ 'owner.ownerId': { $in: [alice.userId, workspace.data!.createWorkspace.id] } }).lean();
    expect(invoices.length).toBeGreaterThan(0);
    for (const invoice of invoices) expect(invoice.processingRestrictedAt).toBeInstanceOf(Date);
    const erasureMail = await eventually(async () => {
      const mails = (await mailbox.list(aliceEmail)).filter((mail) => /request is complete/.test(mail.subject));
      expect(mails).toHaveLength(2);
      return mails[mails.length - 1]!;
    });
    expect(erasureMail.text).toMatch(/accounting: Legal obligation/i);

    // She is gone: no login, no profile in search for Bob.
    await eventually(async () => {
      const refused = await gql('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', { input: { email: aliceEmail, password: 'correct horse battery staple' } });
      expect(refused.errors?.[0]).toBeDefined();
    });
    await eventually(async () => expect((await search(bobToken)).data?.searchContacts.edges).toEqual([]));
  });

  it('[ANA-01][ANA-05][PRV-02] a visitor: anonymous counts only without consent, identified with it, anonymous again once withdrawn; erasure from the public page removes that browser\'s events', async () => {
    const visitorId = uniqueName('visitor');
    const email = `visitor@${domain}`;
    const raw = rawEventModel(stack.services.analytics!.infra.connection);
    const track = (page: string) =>
      gql<{ trackEvents: { results: Array<{ stored: string | null }> } }>(
        'mutation($input: TrackEventsInput!) { trackEvents(input: $input) { results { stored } } }',
        { input: { visitorId, events: [{ type: 'PAGE_VIEW', name: 'pricing', page, occurredAt: stack.clock.now().toISOString() }] } },
      );

    // No consent yet: only an anonymous count.
    expect((await track('/pricing')).data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect(await raw.countDocuments({ subjectId: visitorId })).toBe(0);
    // Consent given in the banner: events are kept under the visitor id.
    const consent = await gql('mutation($visitorId: String!) { recordConsent(input: { visitorId: $visitorId, method: ACCEPT, policyVersion: "2026-11" }) { source } }', { visitorId });
    expect(consent.errors).toBeUndefined();
    await eventually(async () => expect((await track('/features')).data?.trackEvents.results[0]?.stored).toBe('IDENTIFIED'));
    const identified = await raw.countDocuments({ subjectId: visitorId });
    expect(identified).toBeGreaterThan(0);

    // Consent withdrawn in one call: later events are anonymous again.
    const withdrawn = await gql('mutation($visitorId: String!) { withdrawConsent(input: { visitorId: $visitorId, policyVersion: "2026-11" }) { source } }', { visitorId });
    expect(withdrawn.errors).toBeUndefined();
    // (ConsentChanged reaches analytics through NATS: until then, events are still kept identified.)
    await eventually(async () => expect((await track('/blog')).data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT'));
    const afterWithdrawal = await raw.countDocuments({ subjectId: visitorId });
    expect(afterWithdrawal).toBeGreaterThanOrEqual(identified);
    expect((await track('/about')).data?.trackEvents.results[0]?.stored).toBe('ANONYMOUS_COUNT');
    expect(await raw.countDocuments({ subjectId: visitorId })).toBe(afterWithdrawal);

    // Erasure from the public page, in the same browser (its banner cookie), verified by the mailed code.
    const privacyUrl = stack.services.privacy!.url;
    const opened = await fetch(new URL('/privacy-request', privacyUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `leadgraph_visitor_id=${visitorId}` },
      body: new URLSearchParams({ right: 'ERASURE', email, lang: 'en' }).toString(),
    });
    expect(opened.status).toBe(303);
    const requestId = new URL(opened.headers.get('location') ?? '', privacyUrl).searchParams.get('request') ?? '';
    const mail = await mailbox.waitFor(email, /Confirm your leadgraph privacy request/);
    const confirmed = await fetch(new URL('/privacy-request/confirm', privacyUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, code: codeIn(mail.text), lang: 'en' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId && data.outcome === 'COMPLETED');
    expect(await raw.countDocuments({ subjectId: visitorId })).toBe(0);
    const answered = await storedRequest(requestId);
    expect(answered?.answers.find((answer) => answer.service === 'analytics')?.actions).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'ERASED' })]));
    // A person without an account: accounts and billing hold nothing about them.
    expect(answered?.answers.find((answer) => answer.service === 'accounts')?.outcome).toBe('NO_DATA_HELD');
    expect(answered?.answers.find((answer) => answer.service === 'billing')?.outcome).toBe('NO_DATA_HELD');
  });

  it('[PRV-02] restriction through the public page hides the profile; a privacy officer lifts it after telling the person, and it is back', async () => {
    const email = `carol@${domain}`;
    await importProfiles([{ name: 'Carol Restricted', jobTitle: 'Buyer', company: 'Privacy Works', country: 'FR', professionalEmails: [email] }]);
    const staffToken = await login(staffEmail);
    const names = async () => ((await search(staffToken)).data?.searchContacts.edges ?? []).map((edge) => edge.node.name);
    expect(await names()).toContain('Carol Restricted');

    const privacyUrl = stack.services.privacy!.url;
    const opened = await fetch(new URL('/privacy-request', privacyUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ right: 'RESTRICTION', email, lang: 'en' }).toString(),
    });
    const requestId = new URL(opened.headers.get('location') ?? '', privacyUrl).searchParams.get('request') ?? '';
    const mail = await mailbox.waitFor(email, /Confirm your leadgraph privacy request/);
    const confirmed = await fetch(new URL('/privacy-request/confirm', privacyUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, code: codeIn(mail.text), lang: 'en' }).toString(),
    });
    expect(confirmed.status).toBe(200);
    await expectEvents(bus, 'DataSubjectRequestCompleted', (data) => data.requestId === requestId && data.outcome === 'COMPLETED');
    expect(await names()).not.toContain('Carol Restricted');

    const lifted = await gql<{ liftDataSubjectRestriction: { restrictionLiftedAt: string | null } }>(
      'mutation($id: ID!) { liftDataSubjectRestriction(requestId: $id, reason: "The objection to accuracy was checked and settled") { restrictionLiftedAt } }',
      { id: requestId },
      staffToken,
    );
    expect(lifted.errors).toBeUndefined();
    expect((await mailbox.waitFor(email, /restriction of your data/)).text).toContain('checked and settled');
    await eventually(async () => expect(await names()).toContain('Carol Restricted'));
  });
});
