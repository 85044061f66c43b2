import { identifierHash, DEV_SUPPRESSION_KEY, type Caller, type EventBus, type RunningService } from '@leadgraph/platform';
import { createEvent } from '@leadgraph/events';
import { apiTokenCaller, callSubgraph, connectTestBus, eventually, publishedEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { startContactsService } from '../src/main';
import { revealModel } from '../src/reveals/reveal.model';
import { BillingResponder } from './billing-responder';
import { profile, storeProfiles } from './contacts-fixtures';

interface RevealAnswer {
  revealContact: {
    creditsCharged: number;
    charges: Array<{ creditType: string; charged: number; remaining: number | null }>;
    alreadyRevealed: string[];
    unavailable: string[];
    revealed: { fields: string[]; professionalEmails: Array<{ address: string }>; phones: Array<{ number: string; kind: string }> };
    contact: { id: string; phones: Array<{ masked: string }> } | null;
  };
}

const REVEAL = `mutation($id: ID!, $fields: [RevealField!]!, $key: String!) {
  revealContact(contactId: $id, fields: $fields, idempotencyKey: $key) {
    creditsCharged charges { creditType charged remaining } alreadyRevealed unavailable
    revealed { fields professionalEmails { address } phones { number kind } }
    contact { id phones { masked } }
  }
}`;

describe('contacts subgraph: credit-charged reveal (CON-03, CON-04)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let billing: BillingResponder;
  let bus: EventBus;
  const workspaceId = uniqueName('ws');
  const alice = userCaller({ workspaceId, workspaceRole: 'ADMIN' });
  const bob = userCaller({ workspaceId, workspaceRole: 'MEMBER' });
  const outsider = userCaller({ workspaceId: uniqueName('other-ws'), workspaceRole: 'ADMIN' });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url })), { clock, logger: testLogger('contacts') });
    billing = await BillingResponder.start(nats.url);
    bus = await connectTestBus('reveal-observer', nats.url);
    const at = clock.now();
    await storeProfiles(contacts.infra.connection, [
      profile('rv-jane', { name: 'Jane Doe', company: 'Acme', emails: ['jane@acme.example'], phones: ['+33612345612', '+33199001234', '+33977421234'] }, at),
      profile('rv-john', { name: 'John Roe', company: 'Acme', emails: ['john@acme.example'], phones: ['+33612345698'] }, at),
      profile('rv-nophone', { name: 'No Phone', company: 'Acme', emails: ['np@acme.example'] }, at),
      profile('rv-race', { name: 'Race Case', company: 'Acme', phones: ['+33612349999'] }, at),
      profile('rv-poor', { name: 'Poor Case', company: 'Acme', emails: ['poor@acme.example'], phones: ['+33612341111'] }, at),
      profile('rv-gone', { name: 'Gone Soon', company: 'Acme', emails: ['gone@acme.example'], phones: ['+33612342222'] }, at),
    ]);
    billing.grant(workspaceId, 'PHONE', 10);
    billing.grant(workspaceId, 'PRO_EMAIL', 10);
    billing.grant(outsider.workspaceId!, 'PHONE', 1);
  });
  afterAll(async () => {
    await bus.close();
    await billing.stop();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  const reveal = (caller: Caller, id: string, fields: string[], key = uniqueName('key')) =>
    callSubgraph<RevealAnswer>(contacts.url, REVEAL, { variables: { id, fields, key }, caller, now: clock.now() });
  const chargesFor = (contactId: string) => billing.charges().filter((receipt) => receipt.idempotencyKey.includes(`:${contactId}:`));

  it('[CON-03][BIL-01] revealing the phones spends one phone credit however many numbers, and shows them in clear', async () => {
    const answer = await reveal(alice, 'rv-jane', ['PHONE']);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.revealContact).toMatchObject({
      creditsCharged: 1,
      charges: [{ creditType: 'PHONE', charged: 1, remaining: 9 }],
      alreadyRevealed: [],
      revealed: { fields: ['PHONE'], professionalEmails: [], phones: [{ number: '+33612345612' }, { number: '+33199001234' }, { number: '+33977421234' }] },
    });
    expect(chargesFor('rv-jane')).toHaveLength(1);
    const events = await eventually(async () => {
      const published = (await publishedEvents(bus, 'ContactRevealed')).filter((event) => event.data.contactId === 'rv-jane');
      expect(published).toHaveLength(1);
      return published;
    });
    expect(events[0]?.data).toMatchObject({ workspaceId, userId: alice.userId, viaApiTokenId: null, fields: ['PHONE'], creditsCharged: 1 });
  });

  it('[CON-03] revealing again in the same workspace is free, for any member; another workspace pays its own', async () => {
    const again = await reveal(bob, 'rv-jane', ['PHONE']);
    expect(again.data?.revealContact).toMatchObject({ creditsCharged: 0, charges: [{ creditType: 'PHONE', charged: 0, remaining: 9 }], alreadyRevealed: ['PHONE'] });
    expect(again.data?.revealContact.revealed.phones).toHaveLength(3);
    const other = await reveal(outsider, 'rv-jane', ['PHONE']);
    expect(other.data?.revealContact.creditsCharged).toBe(1);
    expect(chargesFor('rv-jane')).toHaveLength(2);
    const seen = await callSubgraph<{ contact: { revealed: { fields: string[]; professionalEmails: unknown[] } } }>(
      contacts.url,
      '{ contact(id: "rv-jane") { revealed { fields professionalEmails { address } } } }',
      { caller: bob, now: clock.now() },
    );
    expect(seen.data?.contact.revealed).toEqual({ fields: ['PHONE'], professionalEmails: [] });
  });

  it('[CON-03] 32 concurrent reveals of the same field charge once', async () => {
    billing.spendDelayMs = 50;
    const answers = await Promise.all(Array.from({ length: 32 }, (_, index) => reveal(index % 2 ? alice : bob, 'rv-race', ['PHONE'])));
    billing.spendDelayMs = 0;
    expect(answers.map((answer) => answer.errors)).toEqual(Array(32).fill(undefined));
    expect(answers.every((answer) => answer.data?.revealContact.revealed.phones[0]?.number === '+33612349999')).toBe(true);
    expect(answers.reduce((sum, answer) => sum + (answer.data?.revealContact.creditsCharged ?? 0), 0)).toBe(1);
    expect(chargesFor('rv-race')).toHaveLength(1);
  });

  it('[CON-03] a retried request (same idempotency key) gets the first answer and no second charge; the key cannot be reused for another reveal', async () => {
    const key = uniqueName('retry');
    const first = await reveal(alice, 'rv-john', ['PHONE'], key);
    const retry = await reveal(alice, 'rv-john', ['PHONE'], key);
    expect(retry.data?.revealContact.creditsCharged).toBe(1);
    expect(retry.data?.revealContact.charges).toEqual(first.data?.revealContact.charges);
    expect(chargesFor('rv-john')).toHaveLength(1);
    const misuse = await reveal(alice, 'rv-john', ['PRO_EMAIL'], key);
    expect(misuse.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('[CON-04] without credits of one type the reveal fails naming it, and nothing is revealed or charged', async () => {
    const poorWorkspace = uniqueName('poor-ws');
    const poor = userCaller({ workspaceId: poorWorkspace, workspaceRole: 'ADMIN' });
    billing.grant(poorWorkspace, 'PRO_EMAIL', 5);
    const answer = await reveal(poor, 'rv-poor', ['PRO_EMAIL', 'PHONE']);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'INSUFFICIENT_CREDITS', creditType: 'PHONE' });
    expect(answer.errors?.[0]?.message).toMatch(/PHONE/);
    expect(billing.balance(poorWorkspace, 'PRO_EMAIL')).toBe(5);
    const seen = await callSubgraph<{ contact: { revealed: { fields: string[] } } }>(contacts.url, '{ contact(id: "rv-poor") { revealed { fields } } }', { caller: poor, now: clock.now() });
    expect(seen.data?.contact.revealed.fields).toEqual([]);
    // With the credits in place the same reveal goes through.
    billing.grant(poorWorkspace, 'PHONE', 1);
    expect((await reveal(poor, 'rv-poor', ['PRO_EMAIL', 'PHONE'])).data?.revealContact.creditsCharged).toBe(2);
  });

  it('[CON-03] a field the profile does not hold is neither revealed nor charged', async () => {
    const answer = await reveal(alice, 'rv-nophone', ['PHONE', 'PRO_EMAIL']);
    expect(answer.data?.revealContact).toMatchObject({ creditsCharged: 1, unavailable: ['PHONE'], revealed: { fields: ['PRO_EMAIL'], professionalEmails: [{ address: 'np@acme.example' }] } });
  });

  it('[ACC-08] partner tokens need contacts:reveal', async () => {
    const readOnly = apiTokenCaller({ workspaceId, scopes: ['contacts:read'] });
    expect((await reveal(readOnly, 'rv-john', ['PRO_EMAIL'])).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'contacts:reveal' });
    const partner = apiTokenCaller({ workspaceId, scopes: ['contacts:read', 'contacts:reveal'] });
    const answer = await reveal(partner, 'rv-john', ['PRO_EMAIL']);
    expect(answer.data?.revealContact.creditsCharged).toBe(1);
    const event = await eventually(async () => {
      const found = (await publishedEvents(bus, 'ContactRevealed')).find((published) => published.data.contactId === 'rv-john' && published.data.fields.includes('PRO_EMAIL'));
      expect(found).toBeDefined();
      return found;
    });
    expect(event?.data.viaApiTokenId).toBe(partner.tokenId);
  });

  it.each([
    ['a malformed contact id', { id: 'not an id!', fields: ['PHONE'], key: 'key-12345' }, 'contactId'],
    ['no field', { id: 'rv-john', fields: [], key: 'key-12345' }, 'fields'],
    ['a field twice', { id: 'rv-john', fields: ['PHONE', 'PHONE'], key: 'key-12345' }, 'fields'],
    ['a short idempotency key', { id: 'rv-john', fields: ['PHONE'], key: 'k' }, 'idempotencyKey'],
  ])('[CON-03] a reveal with %s is BAD_USER_INPUT naming %s', async (_case, variables, field) => {
    const answer = await callSubgraph(contacts.url, REVEAL, { variables, caller: alice, now: clock.now() });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('[CON-03] an unknown contact is NOT_FOUND and costs nothing', async () => {
    const before = billing.charges().length;
    expect((await reveal(alice, 'no-such-contact', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(billing.charges()).toHaveLength(before);
  });

  it('[CON-08] when a revealed contact opts out it can no longer be revealed, and the workspaces that revealed it are flagged and told', async () => {
    await reveal(alice, 'rv-gone', ['PHONE']);
    const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('opt'), identifiers: [{ kind: 'PHONE', hash: identifierHash('PHONE', '+33612342222', key), keyVersion: 1 }], optedOutAt: clock.now().toISOString() },
        { subject: 'opt', time: clock.now() },
      ),
    );
    const flagged = await eventually(async () => {
      const events = (await publishedEvents(bus, 'RevealedContactOptedOut')).filter((event) => event.data.contactId === 'rv-gone');
      expect(events).toHaveLength(1);
      return events[0];
    });
    expect(flagged?.data).toMatchObject({ workspaceId, userId: null });
    const stored = await revealModel(contacts.infra.connection).findById(`ws:${workspaceId}|rv-gone`).lean();
    expect(stored?.optedOutAt).toEqual(clock.now());
    expect((await reveal(bob, 'rv-gone', ['PHONE'])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
