import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEvent } from '@leadgraph/events';
import { DEV_SUPPRESSION_KEY, REPO_ROOT, identifierHash, type EventBus } from '@leadgraph/platform';
import { connectTestBus, eventually, publishedEvents, testInfra, uniqueName } from '@leadgraph/platform/src/testing';
import { gatewayClient, startTestStack, type TestStack } from './test-stack';

/**
 * Contacts end to end through the gateway, on the five real subgraphs: import fixtures (CLI) ->
 * search masked -> reveal phone (a credit spent in billing) -> reveal again (free) -> save to a
 * list -> export CSV (an export credit) -> the person opts out (ContactOptedOut) -> gone from
 * search, the same person's re-import skipped, the list entry flagged.
 */
describe('contacts end to end through the gateway', () => {
  let stack: TestStack;
  let bus: EventBus;
  let dir: string;
  const domain = `${uniqueName('corp').replace('_', '-')}.com`;
  const staffEmail = `ops@${domain}`;

  beforeAll(async () => {
    stack = await startTestStack(undefined, { accountsEnv: { BOOTSTRAP_SUPER_ADMIN_EMAIL: staffEmail } });
    bus = await connectTestBus('contacts-e2e', stack.natsUrl);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contacts-e2e-'));
  });
  afterAll(async () => {
    await bus.close();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const { gql, signUpAndLogin } = gatewayClient({ get gateway() { return stack.gateway; } });

  async function importFile(name: string, rows: unknown[]): Promise<string> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    const { stdout } = await promisify(execFile)('node', ['-r', '@swc-node/register', 'services/contacts/src/import-cli.ts', file, '--source', 'PARTNER:e2e-fixtures'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MONGO_URL: testInfra().mongoUrl, MONGO_DB: stack.services.contacts!.infra.connection.name, LOG_LEVEL: 'silent' },
    });
    return stdout;
  }

  const phoneBalance = async (token: string) => {
    const me = await gql<{ me: { credits: Array<{ creditType: string; balance: number }> } }>('{ me { credits { creditType balance } } }', {}, token);
    return (type: string) => me.data?.me.credits.find((credit) => credit.creditType === type)?.balance ?? 0;
  };

  it('[CON-01][CON-02][CON-03][CON-05][CON-06][CON-07][CON-08] imports, searches masked, reveals once, saves, exports, and honours an opt-out', async () => {
    const jane = { name: 'Jane Fixture', jobTitle: 'Head of Sales', company: 'Fixture Works', country: 'FR', city: 'Lyon', skills: ['SaaS'], profileUrl: 'https://www.linkedin.com/in/jane-fixture-lgdemo-01', professionalEmails: ['jane@fixture-works.example'], phones: ['01 99 00 42 42'] };
    const imported = await importFile('fixtures.ndjson', [jane, { name: 'John Fixture', company: 'Fixture Works', country: 'FR', professionalEmails: ['john@fixture-works.example'] }]);
    expect(imported).toMatch(/inserted:\s+2/);

    const staff = await signUpAndLogin(staffEmail);
    const user = await signUpAndLogin(`sam@${domain}`);
    for (const [creditType, amount] of [['PHONE', 3], ['EXPORT', 2]] as const) {
      const granted = await gql(
        'mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { status } }',
        { input: { ownerType: 'USER', ownerId: user.userId, creditType, amount, source: 'REGISTRATION', idempotencyKey: uniqueName('grant') } },
        staff.accessToken,
      );
      expect(granted.errors).toBeUndefined();
    }

    // Search: the profile, its details masked.
    const found = await gql<{ searchContacts: { edges: Array<{ node: { id: string; name: string; phones: Array<{ masked: string }>; professionalEmails: Array<{ masked: string }> } }> } }>(
      '{ searchContacts(filter: { company: "fixture works", jobTitle: "sales" }) { edges { node { id name phones { masked } professionalEmails { masked } } } } }',
      {},
      user.accessToken,
    );
    expect(found.errors).toBeUndefined();
    const node = found.data!.searchContacts.edges[0]!.node;
    expect(node).toMatchObject({ name: 'Jane Fixture', phones: [{ masked: '+33 1 ** ** ** 42' }], professionalEmails: [{ masked: 'j***@fixture-works.example' }] });

    // Reveal the phone: one phone credit spent in billing; again: free.
    const reveal = (key: string) =>
      gql<{ revealContact: { creditsCharged: number; charges: Array<{ charged: number; remaining: number | null }>; revealed: { phones: Array<{ number: string }> } } }>(
        'mutation($id: ID!, $key: String!) { revealContact(contactId: $id, fields: [PHONE], idempotencyKey: $key) { creditsCharged charges { charged remaining } revealed { phones { number } } } }',
        { id: node.id, key },
        user.accessToken,
      );
    const before = await phoneBalance(user.accessToken);
    const phonesBefore = before('PHONE');
    const exportsBefore = before('EXPORT');
    const first = await reveal('reveal-e2e-1');
    expect(first.errors).toBeUndefined();
    expect(first.data?.revealContact).toMatchObject({ creditsCharged: 1, charges: [{ charged: 1, remaining: phonesBefore - 1 }], revealed: { phones: [{ number: '+33199004242' }] } });
    expect((await phoneBalance(user.accessToken))('PHONE')).toBe(phonesBefore - 1);
    const again = await reveal('reveal-e2e-2');
    expect(again.data?.revealContact).toMatchObject({ creditsCharged: 0, revealed: { phones: [{ number: '+33199004242' }] } });
    expect((await phoneBalance(user.accessToken))('PHONE')).toBe(phonesBefore - 1);

    // Save to a list, export the list as CSV: one export credit.
    const list = await gql<{ createContactList: { id: string } }>('mutation { createContactList(name: "E2E prospects") { id } }', {}, user.accessToken);
    const saved = await gql('mutation($id: ID!, $l: ID!) { saveContact(contactId: $id, listIds: [$l]) { status } }', { id: node.id, l: list.data?.createContactList.id }, user.accessToken);
    expect(saved.errors).toBeUndefined();
    const exported = await gql<{ exportContacts: { creditsCharged: number; downloadUrl: string } }>(
      'mutation($l: ID!) { exportContacts(input: { listId: $l, format: CSV, idempotencyKey: "e2e-export-1" }) { creditsCharged downloadUrl } }',
      { l: list.data?.createContactList.id },
      user.accessToken,
    );
    expect(exported.errors).toBeUndefined();
    expect(exported.data?.exportContacts.creditsCharged).toBe(1);
    expect((await phoneBalance(user.accessToken))('EXPORT')).toBe(exportsBefore - 1);
    const csv = await (await fetch(exported.data!.exportContacts.downloadUrl)).text();
    expect(csv).toContain('Jane Fixture');
    expect(csv).toContain('+33199004242');
    await eventually(async () => expect((await publishedEvents(bus, 'ContactsExported')).some((event) => event.data.userId === user.userId)).toBe(true));

    // The person opts out (privacy publishes ContactOptedOut with keyed hashes).
    const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
    await bus.publish(
      createEvent(
        'ContactOptedOut',
        { optOutId: uniqueName('optout'), identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', 'jane@fixture-works.example', key), keyVersion: 1 }], optedOutAt: new Date().toISOString() },
        { subject: 'opt-out', time: new Date() },
      ),
    );
    await eventually(async () => {
      const after = await gql<{ searchContacts: { edges: Array<{ node: { name: string } }> } }>('{ searchContacts(filter: { company: "fixture works" }) { edges { node { name } } } }', {}, user.accessToken);
      expect(after.data?.searchContacts.edges.map((edge) => edge.node.name)).toEqual(['John Fixture']);
    });
    const reimported = await importFile('again.ndjson', [{ ...jane, professionalEmails: [], profileUrl: null }]);
    expect(reimported).toMatch(/skipped \(suppressed\):\s+1/);
    const book = await gql<{ addressBook: { entries: Array<{ status: string; contact: unknown }> } }>('query($l: ID) { addressBook(listId: $l) { entries { status contact { id } } } }', { l: list.data?.createContactList.id }, user.accessToken);
    expect(book.data?.addressBook.entries).toEqual([{ status: 'OPTED_OUT', contact: null }]);
    await eventually(async () => expect((await publishedEvents(bus, 'RevealedContactOptedOut')).some((event) => event.data.userId === user.userId)).toBe(true));
  });
});
