import { createEvent } from '@leadgraph/events';
import { DEV_SUPPRESSION_KEY, identifierHash, type Caller, type EventBus, type RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, connectTestBus, eventually, publishedEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { addressBookEntryModel } from '../src/address-book/address-book.model';
import { startContactsService } from '../src/main';
import { revealModel } from '../src/reveals/reveal.model';
import { BillingResponder } from './billing-responder';
import { profile, storeProfiles } from './contacts-fixtures';

describe('contacts subgraph: address book, lists, notes, exports (CON-05, CON-06)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let billing: BillingResponder;
  let bus: EventBus;
  const workspaceId = uniqueName('ws');
  const ada = userCaller({ workspaceId, workspaceRole: 'ADMIN' });
  const bob = userCaller({ workspaceId, workspaceRole: 'MEMBER' });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts', { NATS_URL: nats.url })), { clock, logger: testLogger('contacts') });
    billing = await BillingResponder.start(nats.url);
    bus = await connectTestBus('address-book-observer', nats.url);
    await storeProfiles(contacts.infra.connection, [
      profile('ab-jane', { name: 'Jane Doe', company: 'Acme', country: 'FR', city: 'Paris', emails: ['jane@acme.example'], phones: ['+33612345612'] }, clock.now()),
      profile('ab-john', { name: 'John Roe', company: 'Acme', emails: ['john@acme.example'], phones: ['+33612345698'] }, clock.now()),
    ]);
    billing.grant(workspaceId, 'PHONE', 5);
    billing.grant(workspaceId, 'PRO_EMAIL', 5);
    billing.grant(workspaceId, 'EXPORT', 3);
    for (const id of ['ab-jane', 'ab-john']) {
      const answer = await gql(ada, 'mutation($id: ID!, $key: String!) { revealContact(contactId: $id, fields: [PHONE], idempotencyKey: $key) { creditsCharged } }', { id, key: `reveal-${id}` });
      expect(answer.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await bus.close();
    await billing.stop();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
  });

  function gql<T = Record<string, unknown>>(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
    return callSubgraph<T>(contacts.url, query, { variables, caller, now: clock.now() });
  }

  let listId: string;

  it('[CON-05] revealed contacts are saved to the workspace address book, in lists shared by the workspace, with notes', async () => {
    const list = await gql<{ createContactList: { id: string; name: string } }>(ada, 'mutation { createContactList(name: "Q1 prospects") { id name } }');
    listId = list.data!.createContactList.id;
    expect((await gql(bob, 'mutation { createContactList(name: "q1 PROSPECTS") { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    const saved = await gql<{ saveContact: { status: string; listIds: string[]; contact: { name: string } } }>(ada, 'mutation($l: ID!) { saveContact(contactId: "ab-jane", listIds: [$l]) { status listIds contact { name } } }', { l: listId });
    expect(saved.data?.saveContact).toEqual({ status: 'ACTIVE', listIds: [listId], contact: { name: 'Jane Doe' } });
    const noted = await gql<{ addContactNote: { notes: Array<{ text: string; authorUserId: string }> } }>(bob, 'mutation { addContactNote(contactId: "ab-jane", text: " Called, call back in May ") { notes { text authorUserId } } }');
    expect(noted.data?.addContactNote.notes).toEqual([{ text: 'Called, call back in May', authorUserId: bob.userId }]);
    await gql(bob, 'mutation { saveContact(contactId: "ab-john") { status } }');
    const book = await gql<{ addressBook: { entries: Array<{ contactId: string; contact: { revealed: { phones: Array<{ number: string }> } } }> } }>(
      bob,
      '{ addressBook(listId: null) { entries { contactId contact { revealed { phones { number } } } } } }',
    );
    expect(book.data?.addressBook.entries.map((entry) => entry.contactId)).toEqual(['ab-john', 'ab-jane']);
    expect(book.data?.addressBook.entries[1]?.contact.revealed.phones).toEqual([{ number: '+33612345612' }]);
    const listed = await gql<{ addressBook: { entries: Array<{ contactId: string }> } }>(bob, 'query($l: ID) { addressBook(listId: $l) { entries { contactId } } }', { l: listId });
    expect(listed.data?.addressBook.entries).toEqual([{ contactId: 'ab-jane' }]);
  });

  it('[CON-05] a contact not revealed in the workspace cannot be saved; bad input names the field', async () => {
    const outsider = userCaller({ workspaceId: uniqueName('other'), workspaceRole: 'ADMIN' });
    expect((await gql(outsider, 'mutation { saveContact(contactId: "ab-jane") { status } }')).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect((await gql(ada, 'mutation { saveContact(contactId: "bad id!") { status } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contactId' });
    expect((await gql(ada, 'mutation { addContactNote(contactId: "ab-jane", text: "   ") { status } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    expect((await gql(ada, 'mutation { createContactList(name: "***") { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('[CON-05] every action is in the workspace activity log, newest first', async () => {
    const log = await gql<{ addressBookActivity: { entries: Array<{ action: string; actorUserId: string }> } }>(ada, '{ addressBookActivity(first: 10) { entries { action actorUserId } } }');
    expect(log.data?.addressBookActivity.entries.map((entry) => entry.action)).toEqual(['CONTACT_SAVED', 'NOTE_ADDED', 'ADDED_TO_LIST', 'CONTACT_SAVED', 'LIST_CREATED']);
    expect(log.data?.addressBookActivity.entries[1]?.actorUserId).toBe(bob.userId);
    // The same actions go to the workspace activity log that accounts keeps (ACC-05).
    await eventually(async () => {
      const published = (await publishedEvents(bus, 'AddressBookActivityRecorded')).filter((event) => event.data.workspaceId === workspaceId);
      expect(published.map((event) => event.data.action).sort()).toEqual(['ADDED_TO_LIST', 'CONTACT_SAVED', 'CONTACT_SAVED', 'LIST_CREATED', 'NOTE_ADDED']);
    });
  });

  it('[CON-06] exporting a list as CSV costs one export credit per contact, streams the revealed details, and publishes ContactsExported', async () => {
    const exported = await gql<{ exportContacts: { id: string; contactCount: number; creditsCharged: number; downloadUrl: string } }>(
      ada,
      'mutation($l: ID!) { exportContacts(input: { listId: $l, format: CSV, idempotencyKey: "export-key-1" }) { id contactCount creditsCharged downloadUrl } }',
      { l: listId },
    );
    expect(exported.errors).toBeUndefined();
    expect(exported.data?.exportContacts).toMatchObject({ contactCount: 1, creditsCharged: 1 });
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(2);
    const file = await fetch(exported.data!.exportContacts.downloadUrl);
    expect(file.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await file.text()).trim().split('\n');
    expect(lines[0]).toBe('id,name,job_title,company,country,city,profile_url,professional_emails,direct_emails,phones,last_updated_at');
    expect(lines[1]).toMatch(/^ab-jane,Jane Doe,,Acme,FR,Paris,https:\/\/linkedin.com\/in\/ab-jane,,,\+33612345612,/);
    // A retry with the same key is the same export: no second charge.
    const retry = await gql<{ exportContacts: { id: string } }>(ada, 'mutation($l: ID!) { exportContacts(input: { listId: $l, format: CSV, idempotencyKey: "export-key-1" }) { id } }', { l: listId });
    expect(retry.data?.exportContacts.id).toBe(exported.data?.exportContacts.id);
    expect(billing.balance(workspaceId, 'EXPORT')).toBe(2);
    const event = await eventually(async () => {
      const found = (await publishedEvents(bus, 'ContactsExported')).find((published) => published.data.exportId === exported.data?.exportContacts.id);
      expect(found).toBeDefined();
      return found;
    });
    expect(event?.data).toMatchObject({ workspaceId, userId: ada.userId, contactCount: 1, format: 'CSV' });
    // Exporting again with another key costs again.
    const json = await gql<{ exportContacts: { downloadUrl: string; creditsCharged: number } }>(ada, 'mutation { exportContacts(input: { contactIds: ["ab-jane", "ab-john"], format: JSON, idempotencyKey: "export-key-2" }) { downloadUrl creditsCharged } }');
    expect(json.data?.exportContacts.creditsCharged).toBe(2);
    const rows = (await (await fetch(json.data!.exportContacts.downloadUrl)).json()) as Array<{ id: string; phones: string[]; professionalEmails: string[] }>;
    expect(rows.map((row) => [row.id, row.phones, row.professionalEmails])).toEqual([
      ['ab-jane', ['+33612345612'], []],
      ['ab-john', ['+33612345698'], []],
    ]);
  });

  it('[CON-06] without export credits nothing is exported; tokens need contacts:export; a forged link is refused', async () => {
    const answer = await gql(ada, 'mutation { exportContacts(input: { contactIds: ["ab-jane"], format: CSV, idempotencyKey: "export-key-3" }) { id } }');
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'INSUFFICIENT_CREDITS', creditType: 'EXPORT' });
    const token = apiTokenCaller({ workspaceId, scopes: ['contacts:read'] });
    expect((await gql(token, 'mutation { exportContacts(input: { contactIds: ["ab-jane"], format: CSV, idempotencyKey: "export-key-4" }) { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'contacts:export' });
    expect((await gql(ada, 'mutation { exportContacts(input: { format: CSV, idempotencyKey: "export-key-5" }) { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contactIds' });
    const forged = await fetch(new URL('/exports/exp_x?expires=99999999999999&signature=00', contacts.url));
    expect(forged.status).toBe(403);
  });

  it('[CON-08] when a saved contact opts out the entry is flagged opted out and its notes deleted', async () => {
    const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('opt'), identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', 'jane@acme.example', key), keyVersion: 1 }], optedOutAt: clock.now().toISOString() },
        { subject: 'opt', time: clock.now() },
      ),
    );
    const entry = await eventually(async () => {
      const answer = await gql<{ addressBook: { entries: Array<{ contactId: string; status: string; contact: unknown; notes: unknown[] }> } }>(ada, '{ addressBook { entries { contactId status contact { id } notes { text } } } }');
      const jane = answer.data?.addressBook.entries.find((candidate) => candidate.contactId === 'ab-jane');
      expect(jane?.status).toBe('OPTED_OUT');
      return jane;
    });
    expect(entry).toEqual({ contactId: 'ab-jane', status: 'OPTED_OUT', contact: null, notes: [] });
  });

  it('[BIL-13][ACC-06] when the workspace is deleted or its subscription ends, its address book and reveals go with it', async () => {
    await bus.publish(createEvent('SubscriptionTerminated', { subscriptionId: 'sub-1', workspaceId, subscriberUserId: ada.userId, reason: 'NON_RENEWAL', terminatedAt: clock.now().toISOString() }, { subject: workspaceId, time: clock.now() }));
    await eventually(async () => {
      expect(await addressBookEntryModel(contacts.infra.connection).countDocuments({ scope: `ws:${workspaceId}` })).toBe(0);
      expect(await revealModel(contacts.infra.connection).countDocuments({ scope: `ws:${workspaceId}` })).toBe(0);
    });
    expect((await gql<{ contactLists: unknown[] }>(ada, '{ contactLists { id } }')).data?.contactLists).toEqual([]);
  });
});
