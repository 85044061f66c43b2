import { createEvent } from '@leadgraph/events';
import { DAY_MS, DEV_SUPPRESSION_KEY, identifierHash, type Caller, type EventBus, type RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, connectTestBus, eventually, expectEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { contactModel } from '../src/contacts/contact.model';
import { crmDeliveryAttemptModel, crmDeliveryModel, crmWebhookModel } from '../src/crm-webhooks/crm-webhook.model';
import { pushExportKey, verifySignature } from '../src/crm-webhooks/crm-webhook.rules';
import { CrmDeliverer, indexLegacyDeliveries } from '../src/crm-webhooks/crm-webhook.service';
import { exportModel } from '../src/exports/export.model';
import { startContactsService } from '../src/main';
import { BillingResponder } from './billing-responder';
import { Receiver } from './crm-receiver';
import { profile, storeProfiles } from './contacts-fixtures';

interface DeliveryView {
  id: string;
  status: string;
  contactCount: number;
  creditsCharged: number;
  attemptCount: number;
  nextAttemptAt: string | null;
  attempts: Array<{ trigger: string; statusCode: number | null; ok: boolean }>;
}
const DELIVERY = 'id status contactCount creditsCharged attemptCount nextAttemptAt attempts { trigger statusCode ok }';

describe('contacts subgraph: CRM webhook push, signed deliveries, retries, delivery log and replay (CON-06)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let billing: BillingResponder;
  let deliverer: CrmDeliverer;
  let bus: EventBus;
  const receiver = new Receiver(() => clock.now());
  const workspaceId = uniqueName('ws');
  const ada = userCaller({ workspaceId, workspaceRole: 'ADMIN' });
  const bob = userCaller({ workspaceId, workspaceRole: 'MEMBER' });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    const config = loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url, WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_SECONDS: '30', JOB_INTERVAL_SECONDS: '3600' }));
    contacts = await startContactsService(config, { clock, logger: testLogger('contacts') });
    const connection = contacts.infra.connection;
    // The retry job, on the service's collections, called by the tests after moving the clock.
    deliverer = new CrmDeliverer(crmWebhookModel(connection), crmDeliveryModel(connection), crmDeliveryAttemptModel(connection), { maxAttempts: 3, retryBaseSeconds: 30, allowHttp: true }, clock, testLogger('crm-jobs'), contactModel(connection));
    billing = await BillingResponder.start(nats.url);
    bus = await connectTestBus('crm-webhooks-test', nats.url);
    await receiver.start();
    await storeProfiles(connection, [
      profile('crm-jane', { name: 'Jane Doe', company: 'Acme', country: 'FR', city: 'Paris', emails: ['jane@acme.example'], phones: ['+33612345612'] }, clock.now()),
      profile('crm-john', { name: 'John Roe', company: 'Acme', emails: ['john@acme.example'], phones: ['+33612345698'] }, clock.now()),
    ]);
    billing.grant(workspaceId, 'PHONE', 1);
    billing.grant(workspaceId, 'EXPORT', 10);
    const revealed = await gql(ada, 'mutation { revealContact(contactId: "crm-jane", fields: [PHONE], idempotencyKey: "crm-reveal-jane") { creditsCharged } }');
    expect(revealed.errors).toBeUndefined();
  });
  afterAll(async () => {
    await receiver.stop();
    await bus.close();
    await billing.stop();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  function gql<T = Record<string, unknown>>(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
    return callSubgraph<T>(contacts.url, query, { variables, caller, now: clock.now() });
  }

  function push(caller: Caller, contactIds: string[], key: string) {
    return gql<{ pushContactsToCrm: DeliveryView }>(caller, `mutation($ids: [ID!], $key: String!) { pushContactsToCrm(input: { contactIds: $ids, idempotencyKey: $key }) { ${DELIVERY} } }`, { ids: contactIds, key });
  }

  it('[CON-06] only workspace admins configure the webhook; a bad URL is refused naming the field; pushing needs a configured webhook and contacts:export', async () => {
    expect((await gql(bob, `mutation { configureCrmWebhook(url: "${receiver.url}") { url } }`)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect((await gql(bob, 'mutation { rotateCrmWebhookSecret { url } }')).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    for (const url of ['not a url', 'ftp://crm.example/hooks', 'https://user:pw@crm.example/hooks']) {
      expect((await gql(ada, 'mutation($url: String!) { configureCrmWebhook(url: $url) { url } }', { url })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    }
    const unconfigured = await push(ada, ['crm-jane'], 'crm-push-early');
    expect(unconfigured.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(unconfigured.errors?.[0]?.message).toMatch(/No CRM webhook is configured/);
    const token = apiTokenCaller({ workspaceId, scopes: ['contacts:read'] });
    expect((await push(token, ['crm-jane'], 'crm-push-token')).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'contacts:export' });
    expect((await push(ada, ['crm-jane'], 'short')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(10);
    expect(await crmWebhookModel(contacts.infra.connection).countDocuments({ _id: `ws:${workspaceId}` })).toBe(0);
  });

  it('[CON-06] an admin configures the URL and gets the signing secret once; a push is delivered signed and costs one export credit per contact, once per key', async () => {
    const configured = await gql<{ configureCrmWebhook: { url: string; secret: string | null; secretHint: string } }>(ada, 'mutation($url: String!) { configureCrmWebhook(url: $url) { url secret secretHint } }', { url: receiver.url });
    expect(configured.errors).toBeUndefined();
    const secret = configured.data!.configureCrmWebhook.secret!;
    expect(secret).toMatch(/^whsec_/);
    expect(configured.data?.configureCrmWebhook.secretHint).toBe(`…${secret.slice(-4)}`);
    receiver.secret = secret;
    // Never shown again.
    const shown = await gql<{ crmWebhook: { url: string; secret: string | null } }>(ada, '{ crmWebhook { url secret } }');
    expect(shown.data?.crmWebhook).toEqual({ url: receiver.url, secret: null });
    const again = await gql<{ configureCrmWebhook: { secret: string | null } }>(ada, 'mutation($url: String!) { configureCrmWebhook(url: $url) { secret } }', { url: receiver.url });
    expect(again.data?.configureCrmWebhook.secret).toBeNull();

    const pushed = await push(bob, ['crm-jane', 'crm-john'], 'crm-push-1');
    expect(pushed.errors).toBeUndefined();
    expect(pushed.data?.pushContactsToCrm).toMatchObject({ status: 'DELIVERED', contactCount: 2, creditsCharged: 2, attemptCount: 1, nextAttemptAt: null, attempts: [{ trigger: 'PUSH', statusCode: 200, ok: true }] });
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(8);
    expect(receiver.received).toHaveLength(1);
    const delivered = receiver.received[0]!;
    expect(delivered.check).toEqual({ valid: true, timestamp: clock.now().getTime() / 1000 });
    expect(delivered.headers['leadgraph-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(delivered.headers['leadgraph-delivery']).toBe(pushed.data?.pushContactsToCrm.id);
    const payload = JSON.parse(delivered.body) as { type: string; workspaceId: string; contacts: Array<{ id: string; phones: string[]; professionalEmails: string[] }> };
    expect(payload).toMatchObject({ type: 'contacts.exported', workspaceId });
    // Only what the workspace revealed goes out.
    expect(payload.contacts.map((row) => [row.id, row.phones, row.professionalEmails])).toEqual([
      ['crm-jane', ['+33612345612'], []],
      ['crm-john', [], []],
    ]);
    // A retried push with the same key is the same delivery: not charged, not sent again.
    const retried = await push(bob, ['crm-jane', 'crm-john'], 'crm-push-1');
    expect(retried.data?.pushContactsToCrm.id).toBe(pushed.data?.pushContactsToCrm.id);
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(8);
    expect(receiver.received).toHaveLength(1);
  });

  let failedFirstId = '';

  it('[CON-06] a failed delivery is retried with exponential backoff by the job once due, and succeeds; charged once', async () => {
    // A later delivery: the log is newest first.
    clock.advance(1_000);
    receiver.statuses.push(503);
    const pushed = await push(ada, ['crm-jane'], 'crm-push-2');
    expect(pushed.errors).toBeUndefined();
    failedFirstId = pushed.data!.pushContactsToCrm.id;
    expect(pushed.data?.pushContactsToCrm).toMatchObject({ status: 'PENDING', attemptCount: 1, creditsCharged: 1, attempts: [{ trigger: 'PUSH', statusCode: 503, ok: false }] });
    expect(new Date(pushed.data!.pushContactsToCrm.nextAttemptAt!)).toEqual(new Date(clock.now().getTime() + 30_000));
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(7);

    // Not due yet.
    clock.advance(29_000);
    expect(await deliverer.retryDue()).toBe(0);
    // Second failure: the next wait doubles.
    receiver.statuses.push(500);
    clock.advance(1_000);
    expect(await deliverer.retryDue()).toBe(1);
    const delivery = await crmDeliveryModel(contacts.infra.connection).findById(failedFirstId).lean();
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 2, nextAttemptAt: new Date(clock.now().getTime() + 60_000) });
    clock.advance(59_000);
    expect(await deliverer.retryDue()).toBe(0);
    clock.advance(1_000);
    expect(await deliverer.retryDue()).toBe(1);

    const log = await gql<{ crmDeliveries: { entries: DeliveryView[] } }>(ada, `{ crmDeliveries(first: 1) { entries { ${DELIVERY} } } }`);
    expect(log.data?.crmDeliveries.entries[0]).toMatchObject({
      id: failedFirstId,
      status: 'DELIVERED',
      attemptCount: 3,
      nextAttemptAt: null,
      attempts: [
        { trigger: 'PUSH', statusCode: 503, ok: false },
        { trigger: 'RETRY', statusCode: 500, ok: false },
        { trigger: 'RETRY', statusCode: 200, ok: true },
      ],
    });
    const forThisDelivery = receiver.received.filter((request) => request.headers['leadgraph-delivery'] === failedFirstId);
    expect(forThisDelivery.map((request) => [request.check.valid, request.answered])).toEqual([
      [true, 503],
      [true, 500],
      [true, 200],
    ]);
    expect(new Set(forThisDelivery.map((request) => request.body)).size).toBe(1);
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(7);
  });

  it('[CON-06] replay sends the same payload again with a fresh signature and never charges; the log pages by cursor', async () => {
    const spendsBefore = billing.spendCalls;
    const before = receiver.received.filter((request) => request.headers['leadgraph-delivery'] === failedFirstId);
    clock.advance(120_000);
    const replayed = await gql<{ replayCrmDelivery: DeliveryView }>(bob, `mutation($id: ID!) { replayCrmDelivery(id: $id) { ${DELIVERY} } }`, { id: failedFirstId });
    expect(replayed.errors).toBeUndefined();
    expect(replayed.data?.replayCrmDelivery).toMatchObject({ status: 'DELIVERED', creditsCharged: 1, attemptCount: 4 });
    expect(replayed.data?.replayCrmDelivery.attempts.at(-1)).toEqual({ trigger: 'REPLAY', statusCode: 200, ok: true });
    const after = receiver.received.filter((request) => request.headers['leadgraph-delivery'] === failedFirstId);
    expect(after).toHaveLength(before.length + 1);
    const last = after.at(-1)!;
    expect(last.body).toBe(before[0]!.body);
    expect(last.check).toEqual({ valid: true, timestamp: clock.now().getTime() / 1000 });
    expect(last.headers['leadgraph-signature']).not.toBe(before.at(-1)!.headers['leadgraph-signature']);
    expect(billing.spendCalls).toBe(spendsBefore);
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(7);
    expect((await gql(ada, 'mutation { replayCrmDelivery(id: "crmd_nope") { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const outsider = userCaller({ workspaceId: uniqueName('other'), workspaceRole: 'ADMIN' });
    expect((await gql(outsider, 'mutation($id: ID!) { replayCrmDelivery(id: $id) { id } }', { id: failedFirstId })).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });

    const first = await gql<{ crmDeliveries: { entries: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(ada, '{ crmDeliveries(first: 1) { entries { id } pageInfo { hasNextPage endCursor } } }');
    expect(first.data?.crmDeliveries.entries.map((entry) => entry.id)).toEqual([failedFirstId]);
    expect(first.data?.crmDeliveries.pageInfo.hasNextPage).toBe(true);
    const second = await gql<{ crmDeliveries: { entries: Array<{ id: string; contactCount: number }>; pageInfo: { hasNextPage: boolean } } }>(
      ada,
      'query($after: String) { crmDeliveries(first: 5, after: $after) { entries { id contactCount } pageInfo { hasNextPage } } }',
      { after: first.data?.crmDeliveries.pageInfo.endCursor },
    );
    expect(second.data?.crmDeliveries.entries.map((entry) => entry.contactCount)).toEqual([2]);
    expect(second.data?.crmDeliveries.pageInfo.hasNextPage).toBe(false);
    expect((await gql(ada, '{ crmDeliveries(after: "garbage") { entries { id } } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('[CON-06] after rotating the secret, deliveries are signed with the new one only; attempts stop after the maximum', async () => {
    const rotated = await gql<{ rotateCrmWebhookSecret: { secret: string } }>(ada, 'mutation { rotateCrmWebhookSecret { secret } }');
    const fresh = rotated.data!.rotateCrmWebhookSecret.secret;
    expect(fresh).not.toBe(receiver.secret);
    const old = receiver.secret;
    // The receiver still holds the old secret: it refuses (401), so the delivery keeps failing.
    const pushed = await push(ada, ['crm-john'], 'crm-push-3');
    expect(pushed.data?.pushContactsToCrm).toMatchObject({ status: 'PENDING', attempts: [{ statusCode: 401, ok: false }] });
    const id = pushed.data!.pushContactsToCrm.id;
    const sent = receiver.received.at(-1)!;
    expect(verifySignature(sent.headers['leadgraph-signature'] as string, sent.body, fresh, clock.now())).toMatchObject({ valid: true });
    expect(verifySignature(sent.headers['leadgraph-signature'] as string, sent.body, old, clock.now())).toEqual({ valid: false, reason: 'MISMATCH' });
    clock.advance(30_000);
    expect(await deliverer.retryDue()).toBe(1);
    clock.advance(60_000);
    expect(await deliverer.retryDue()).toBe(1);
    expect(await crmDeliveryModel(contacts.infra.connection).findById(id).lean()).toMatchObject({ status: 'FAILED', attempts: 3, nextAttemptAt: null });
    clock.advance(3_600_000);
    expect(await deliverer.retryDue()).toBe(0);
    // Once the CRM has the new secret, a replay gets through, still without charge.
    receiver.secret = fresh;
    const replayed = await gql<{ replayCrmDelivery: DeliveryView }>(ada, `mutation($id: ID!) { replayCrmDelivery(id: $id) { ${DELIVERY} } }`, { id });
    expect(replayed.data?.replayCrmDelivery).toMatchObject({ status: 'DELIVERED', attemptCount: 4, creditsCharged: 1 });
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(6);
  });

  it('[CON-06][CON-08] when a contact the workspace revealed opts out, its CRM gets a signed contact.opted_out notice, free', async () => {
    const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
    const optedOutAt = clock.now().toISOString();
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('opt'), identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', 'jane@acme.example', key), keyVersion: 1 }], optedOutAt },
        { subject: 'opt', time: clock.now() },
      ),
    );
    const notice = await eventually(async () => {
      const found = receiver.received.find((request) => request.headers['leadgraph-event'] === 'contact.opted_out');
      expect(found).toBeDefined();
      return found!;
    });
    expect(notice.check.valid).toBe(true);
    expect(JSON.parse(notice.body)).toMatchObject({ type: 'contact.opted_out', workspaceId, contactId: 'crm-jane', optedOutAt });
    // The receiver answers before the delivery record is marked DELIVERED.
    await eventually(async () => {
      const log = await gql<{ crmDeliveries: { entries: Array<{ event: string; exportId: string | null; creditsCharged: number; status: string }> } }>(ada, '{ crmDeliveries(first: 1) { entries { event exportId creditsCharged status } } }');
      expect(log.data?.crmDeliveries.entries[0]).toEqual({ event: 'contact.opted_out', exportId: null, creditsCharged: 0, status: 'DELIVERED' });
    });
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(6);
    // John was never revealed by the workspace: no notice is about him.
    expect(receiver.received.filter((request) => request.headers['leadgraph-event'] === 'contact.opted_out')).toHaveLength(1);
  });

  const hashKey = { secret: DEV_SUPPRESSION_KEY, version: 1 };
  async function optOut(email: string): Promise<void> {
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('opt'), identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', email, hashKey), keyVersion: 1 }], optedOutAt: clock.now().toISOString() },
        { subject: 'opt', time: clock.now() },
      ),
    );
  }
  const sentFor = (deliveryId: string) => receiver.received.filter((request) => request.headers['leadgraph-delivery'] === deliveryId);

  it('[CON-08][PRV-05] after an opt-out, a pending delivery\u2019s stored payload loses the person and its retries and replays never send them; the delivery log stays', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('crm-pia', { name: 'Pia Pending', company: 'Acme', emails: ['pia@pending.example'] }, clock.now())]);
    receiver.statuses.push(503);
    const pushed = await push(ada, ['crm-pia', 'crm-john'], 'crm-push-pia');
    expect(pushed.data?.pushContactsToCrm).toMatchObject({ status: 'PENDING', contactCount: 2, creditsCharged: 2 });
    const id = pushed.data!.pushContactsToCrm.id;
    expect(sentFor(id)[0]?.body).toMatch(/Pia Pending/);

    await optOut('pia@pending.example');
    const stored = await eventually(async () => {
      const delivery = await crmDeliveryModel(connection).findById(id).lean();
      expect(delivery?.erasedContactIds).toEqual(['crm-pia']);
      return delivery!;
    });
    expect(stored.body).not.toMatch(/Pia Pending|pia@pending/);
    expect(stored).toMatchObject({ status: 'PENDING', contactCount: 2, creditsCharged: 2, attempts: 1, contactIds: ['crm-john'] });
    expect(await crmDeliveryAttemptModel(connection).countDocuments({ deliveryId: id })).toBe(1);

    clock.advance(30_000);
    expect(await deliverer.retryDue()).toBe(1);
    const retried = sentFor(id).at(-1)!;
    expect(retried.check.valid).toBe(true);
    expect(retried.body).not.toMatch(/Pia Pending|pia@pending|crm-pia/);
    expect(JSON.parse(retried.body).contacts.map((row: { id: string }) => row.id)).toEqual(['crm-john']);
    const replayed = await gql<{ replayCrmDelivery: DeliveryView }>(ada, `mutation($id: ID!) { replayCrmDelivery(id: $id) { ${DELIVERY} } }`, { id });
    expect(replayed.data?.replayCrmDelivery).toMatchObject({ status: 'DELIVERED', contactCount: 2, attemptCount: 3 });
    expect(sentFor(id).every((request, index) => index === 0 || !/Pia Pending/.test(request.body))).toBe(true);
    expect(sentFor(id)).toHaveLength(3);
  });

  it('[CON-08][PRV-05] a stored payload that cannot be rewritten is dropped on opt-out: the delivery is kept in the log but never retried or replayed', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('crm-quinn', { name: 'Quinn Queue', company: 'Acme', emails: ['quinn@queue.example'] }, clock.now())]);
    const id = `crmd_${uniqueName('legacy')}`;
    // A payload in a shape this service can no longer read (e.g. an older format).
    await crmDeliveryModel(connection).create({
      _id: id,
      scope: `ws:${workspaceId}`,
      event: 'contacts.exported',
      exportId: 'exp_legacy',
      userId: ada.userId,
      contactCount: 1,
      creditsCharged: 1,
      body: 'crm-quinn;Quinn Queue;quinn@queue.example',
      contactIds: ['crm-quinn'],
      status: 'PENDING',
      attempts: 1,
      nextAttemptAt: new Date(clock.now().getTime() + 30_000),
      lastStatusCode: 503,
      lastError: 'HTTP 503',
      createdAt: clock.now(),
      deliveredAt: null,
    });
    await optOut('quinn@queue.example');
    const stored = await eventually(async () => {
      const delivery = await crmDeliveryModel(connection).findById(id).lean();
      expect(delivery?.replayable).toBe(false);
      return delivery!;
    });
    expect(stored).toMatchObject({ body: null, status: 'FAILED', nextAttemptAt: null, contactCount: 1, creditsCharged: 1, contactIds: [], erasedContactIds: ['crm-quinn'] });
    clock.advance(60_000);
    expect(await deliverer.retryDue()).toBe(0);
    const replayed = await gql(ada, 'mutation($id: ID!) { replayCrmDelivery(id: $id) { id } }', { id });
    expect(replayed.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(sentFor(id)).toHaveLength(0);
    const log = await gql<{ crmDeliveries: { entries: Array<{ id: string; status: string; contactCount: number }> } }>(ada, '{ crmDeliveries(first: 50) { entries { id status contactCount } } }');
    expect(log.data?.crmDeliveries.entries.find((entry) => entry.id === id)).toEqual({ id, status: 'FAILED', contactCount: 1 });
  });

  it('[PRV-02] a profile restricted after its export was created, or after a delivery was written, is not sent to the CRM', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('crm-rosa', { name: 'Rosa Restricted', company: 'Acme', emails: ['rosa@restricted.example'] }, clock.now())]);
    billing.grant(workspaceId, 'EXPORT', 3);
    // The push's export exists before the restriction (as when a push is retried later with the same key).
    const exported = await gql(ada, 'mutation($key: String!) { exportContacts(input: { contactIds: ["crm-rosa", "crm-john"], format: JSON, idempotencyKey: $key }) { id } }', { key: pushExportKey('crm-push-rosa') });
    expect(exported.errors).toBeUndefined();
    receiver.statuses.push(503);
    const early = await push(ada, ['crm-rosa'], 'crm-push-rosa-early');
    expect(early.data?.pushContactsToCrm.status).toBe('PENDING');
    const earlyId = early.data!.pushContactsToCrm.id;
    expect(sentFor(earlyId)[0]?.body).toMatch(/Rosa Restricted/);

    const requestId = uniqueName('dsr');
    await bus.publish(
      createEvent(
        'DataSubjectRequestOpened',
        {
          requestId,
          right: 'RESTRICTION',
          userId: null,
          identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', 'rosa@restricted.example', hashKey), keyVersion: 1 }],
          sealedDetails: null,
          dueAt: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString(),
          openedAt: clock.now().toISOString(),
        },
        { subject: `data-subject-request/${requestId}`, time: clock.now() },
      ),
    );
    await expectEvents(bus, 'DataSubjectRequestAnsweredByContacts', (data) => data.requestId === requestId);

    const pushed = await push(ada, ['crm-rosa', 'crm-john'], 'crm-push-rosa');
    expect(pushed.errors).toBeUndefined();
    const stored = await crmDeliveryModel(connection).findById(pushed.data!.pushContactsToCrm.id).lean();
    expect(stored?.body).not.toMatch(/Rosa Restricted|rosa@restricted/);
    expect(stored?.contactIds).toEqual(['crm-john']);
    const sent = sentFor(pushed.data!.pushContactsToCrm.id).at(-1)!;
    expect(sent.body).not.toMatch(/Rosa Restricted|rosa@restricted/);
    expect(JSON.parse(sent.body).contacts.map((row: { id: string }) => row.id)).toEqual(['crm-john']);
    // The delivery written before the restriction is retried without the profile.
    clock.advance(30_000);
    expect(await deliverer.retryDue()).toBe(1);
    expect(sentFor(earlyId).at(-1)?.body).not.toMatch(/Rosa Restricted|rosa@restricted/);
  });

  it('[PRV-05][CON-08] a delivery stored before deliveries recorded their contacts is indexed once, then an opt-out takes the person out of it', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('crm-lea', { name: 'Lea Legacy', company: 'Acme', emails: ['lea@legacy.example'] }, clock.now())]);
    const id = `crmd_${uniqueName('old')}`;
    const body = JSON.stringify({ id, type: 'contacts.exported', createdAt: clock.now().toISOString(), workspaceId, exportId: null, contacts: [{ id: 'crm-lea', name: 'Lea Legacy' }, { id: 'crm-john', name: 'John Roe' }] });
    // As stored before deliveries recorded their contacts: no `contactIds` field.
    await crmDeliveryModel(connection).create({
      _id: id,
      scope: `ws:${workspaceId}`,
      event: 'contacts.exported',
      exportId: null,
      userId: ada.userId,
      contactCount: 2,
      creditsCharged: 2,
      body,
      status: 'DELIVERED',
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
      lastError: null,
      createdAt: clock.now(),
      deliveredAt: clock.now(),
    });
    expect(await crmDeliveryModel(connection).countDocuments({ _id: id, contactIds: { $exists: false } })).toBe(1);
    expect(await indexLegacyDeliveries(crmDeliveryModel(connection), exportModel(connection), testLogger('crm-index'))).toBe(1);
    expect(await indexLegacyDeliveries(crmDeliveryModel(connection), exportModel(connection), testLogger('crm-index'))).toBe(0);
    expect((await crmDeliveryModel(connection).findById(id).lean())?.contactIds).toEqual(['crm-lea', 'crm-john']);
    await optOut('lea@legacy.example');
    const stored = await eventually(async () => {
      const delivery = await crmDeliveryModel(connection).findById(id).lean();
      expect(delivery?.erasedContactIds).toEqual(['crm-lea']);
      return delivery!;
    });
    expect(stored.body).not.toMatch(/Lea Legacy/);
    expect(stored.body).toMatch(/John Roe/);
  });

  it('[PRV-05] a contact deleted while its delivery was pending (a purge, an erasure racing the push) leaves the stored payload at the next attempt', async () => {
    const connection = contacts.infra.connection;
    await storeProfiles(connection, [profile('crm-tom', { name: 'Tom Transient', company: 'Acme', emails: ['tom@transient.example'] }, clock.now())]);
    billing.grant(workspaceId, 'EXPORT', 2);
    receiver.statuses.push(503);
    const pushed = await push(ada, ['crm-tom', 'crm-john'], 'crm-push-tom');
    expect(pushed.data?.pushContactsToCrm.status).toBe('PENDING');
    const id = pushed.data!.pushContactsToCrm.id;
    await contactModel(connection).deleteOne({ _id: 'crm-tom' });
    clock.advance(30_000);
    expect(await deliverer.retryDue()).toBe(1);
    expect(sentFor(id).at(-1)?.body).not.toMatch(/Tom Transient/);
    const stored = await crmDeliveryModel(connection).findById(id).lean();
    expect(stored).toMatchObject({ status: 'DELIVERED', contactIds: ['crm-john'], erasedContactIds: ['crm-tom'] });
    expect(stored?.body).not.toMatch(/Tom Transient/);
  });
});
