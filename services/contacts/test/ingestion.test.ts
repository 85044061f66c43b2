import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEvent } from '@leadgraph/events';
import { DEV_SUPPRESSION_KEY, REPO_ROOT, identifierHash, type EventBus, type RunningService } from '@leadgraph/platform';
import { callSubgraph, connectTestBus, eventually, serviceTestEnv, startIsolatedNats, testClock, testLogger, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { contactIdentifierModel, contactModel, type ContactDocument } from '../src/contacts/contact.model';
import { IngestionService, readImportFile } from '../src/ingestion/ingestion.service';
import { startContactsService } from '../src/main';
import { suppressionCaseModel, suppressionModel } from '../src/suppression/suppression.model';
import { SuppressionService } from '../src/suppression/suppression.service';

const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };

describe('contacts ingestion: import, de-duplication, refresh, suppression (CON-07, CON-08)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let contacts: RunningService;
  let bus: EventBus;
  let ingestion: IngestionService;
  let dir: string;
  let env: Record<string, string>;
  const reader = userCaller({ workspaceRole: 'MEMBER' });

  beforeAll(async () => {
    nats = await startIsolatedNats();
    env = serviceTestEnv('contacts', { NATS_URL: nats.url });
    contacts = await startContactsService(loadContactsConfig(env), { clock, logger: testLogger('contacts') });
    bus = await connectTestBus('ingestion-test', nats.url);
    const { connection } = contacts.infra;
    const logger = testLogger('ingestion');
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contactModel(connection), contactIdentifierModel(connection), key, clock, logger);
    ingestion = new IngestionService(contactModel(connection), contactIdentifierModel(connection), suppression, key, clock, logger);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contacts-import-'));
  });
  afterAll(async () => {
    await bus.close();
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
    await nats.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const importFile = (file: string, batchSize = 2) => ingestion.importRows(readImportFile(file), { source: { kind: 'PARTNER', name: 'acme-data' }, batchSize });
  const stored = (filter: Record<string, unknown>) => contactModel(contacts.infra.connection).find(filter).lean<ContactDocument[]>();
  const search = (filter: Record<string, unknown>) =>
    callSubgraph<{ searchContacts: { edges: Array<{ node: { id: string; name: string } }> } }>(
      contacts.url,
      'query($f: ContactSearchFilter!) { searchContacts(filter: $f) { edges { node { id name } } } }',
      { variables: { f: filter }, caller: reader, now: clock.now() },
    );
  const lookup = (input: Record<string, unknown>) =>
    callSubgraph<{ lookupContact: { id: string; name: string; phones: Array<{ masked: string }> } | null }>(
      contacts.url,
      'query($i: ContactLookupInput!) { lookupContact(input: $i) { id name phones { masked } } }',
      { variables: { i: input }, caller: reader, now: clock.now() },
    );

  it('[CON-07] a CSV import inserts, de-duplicates within the file, and reports broken encodings and invalid rows by line without stopping', async () => {
    const csv = Buffer.concat([
      Buffer.from('name,job_title,company,country,city,skills,profile_url,professional_emails,phones\n'),
      Buffer.from('Jane Doe,Head of Sales,Zenith Labs,FR,Paris,SaaS;Negotiation,https://www.linkedin.com/in/jane-doe-zl,jane.doe@zenith.example,06 12 34 56 78\n'),
      Buffer.from('Broken ', 'utf8'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',CTO,Zenith Labs,FR,Lyon,,,,\n'),
      Buffer.from('Not An Email,CTO,Zenith Labs,FR,Lyon,,,not-an-email,\n'),
      Buffer.from('"Jane Doe",Sales Director,Zenith Labs,FR,Paris,CRM,,JANE.DOE@zenith.example,\n'),
      Buffer.from('Max Kühn,Engineer,Zenith Labs,DE,Berlin,TypeScript,,max@zenith.example,\n'),
    ]);
    const summary = await importFile(write('first.csv', csv));
    expect(summary).toEqual({
      read: 5,
      inserted: 2,
      updated: 1,
      skippedSuppressed: 0,
      invalid: [
        { line: 3, field: 'name', message: 'name: not valid UTF-8 (broken encoding)' },
        { line: 4, field: 'professionalEmails[0]', message: 'professionalEmails[0]: is not an e-mail address' },
      ],
    });
    const janes = await stored({ searchTokens: 'name:jane' });
    expect(janes).toHaveLength(1);
    expect(janes[0]).toMatchObject({
      jobTitle: { value: 'Sales Director' },
      skills: [{ value: 'SaaS' }, { value: 'Negotiation' }, { value: 'CRM' }],
      phones: [{ value: '+33612345678', kind: 'MOBILE', country: 'FR', source: { kind: 'PARTNER', name: 'acme-data' } }],
    });
    expect(await stored({ searchTokens: 'name:broken' })).toHaveLength(0);
  });

  it('[CON-07] an NDJSON refresh matches the person on any identifier, keeps provenance and adds the new data', async () => {
    const [before] = await stored({ searchTokens: 'name:jane' });
    clock.advance(24 * 3600 * 1000);
    const file = write(
      'refresh.ndjson',
      [
        JSON.stringify({ name: 'Jane Doe', country: 'FR', phones: ['+33612345678', '+33 1 99 00 11 22'], sourceKind: 'PUBLIC_SOURCE', sourceName: 'web' }),
        '{"name": "half a line"',
        JSON.stringify({ name: 'Jane', sourceKind: 'USER', sourceName: 'her own sign-up' }),
        '',
      ].join('\n'),
    );
    const summary = await importFile(file);
    expect(summary).toMatchObject({ read: 3, inserted: 0, updated: 1, skippedSuppressed: 0 });
    expect(summary.invalid.map((row) => [row.line, row.field])).toEqual([
      [2, 'json'],
      [3, 'sourceKind'],
    ]);
    const [after] = await stored({ _id: before?._id });
    expect(after?.phones).toEqual([
      expect.objectContaining({ value: '+33612345678', source: { kind: 'PARTNER', name: 'acme-data' }, firstSeenAt: before?.phones[0]?.firstSeenAt }),
      expect.objectContaining({ value: '+33199001122', kind: 'LANDLINE', source: { kind: 'PUBLIC_SOURCE', name: 'web' }, firstSeenAt: clock.now() }),
    ]);
    expect(after?.professionalEmails[0]?.firstSeenAt).toEqual(before?.professionalEmails[0]?.firstSeenAt);
    expect(after?.lastUpdatedAt).toEqual(clock.now());
  });

  it('[CON-02] a contact is found by the profile URL the user is looking at, or by e-mail, masked', async () => {
    const byUrl = await lookup({ profileUrl: 'linkedin.com/in/Jane-Doe-ZL/' });
    expect(byUrl.data?.lookupContact).toMatchObject({ name: 'Jane Doe', phones: [{ masked: '+33 6 ** ** ** 78' }, { masked: '+33 1 ** ** ** 22' }] });
    expect((await lookup({ email: 'JANE.DOE@zenith.example' })).data?.lookupContact?.id).toBe(byUrl.data?.lookupContact?.id);
    expect((await lookup({ email: 'nobody@zenith.example' })).data?.lookupContact).toBeNull();
    for (const [input, field] of [[{}, 'input'], [{ email: 'a@b.example', profileUrl: 'linkedin.com/in/x' }, 'input'], [{ email: 'nope' }, 'input.email']] as const) {
      expect((await lookup(input)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('[CON-08] an opt-out deletes the person, suppresses all their identifiers, hides them at once and re-imports skip them', async () => {
    const [jane] = await stored({ searchTokens: 'name:jane' });
    const optOut = createEvent(
      'ContactOptedOut',
      { optOutId: 'opt-1', identifiers: [{ kind: 'EMAIL', hash: identifierHash('EMAIL', 'jane.doe@zenith.example', key), keyVersion: 1 }], optedOutAt: clock.now().toISOString() },
      { subject: 'opt-1', time: clock.now() },
    );
    await bus.publish(optOut);
    await eventually(async () => expect(await stored({ _id: jane?._id })).toHaveLength(0));
    expect((await search({ name: 'jane' })).data?.searchContacts.edges).toEqual([]);
    expect((await lookup({ profileUrl: 'linkedin.com/in/jane-doe-zl' })).data?.lookupContact).toBeNull();
    expect(await contactIdentifierModel(contacts.infra.connection).countDocuments({ contactId: jane?._id })).toBe(0);
    const suppressed = await suppressionModel(contacts.infra.connection).find().lean();
    expect(suppressed.map((entry) => entry.kind).sort()).toEqual(['EMAIL', 'PHONE', 'PHONE', 'PROFILE_URL']);
    expect(JSON.stringify(suppressed)).not.toMatch(/zenith|3361234/);

    // The same person comes back through another source, known only by her landline.
    const summary = await importFile(write('again.ndjson', `${JSON.stringify({ name: 'J. Doe', country: 'FR', phones: ['01 99 00 11 22'] })}\n${JSON.stringify({ name: 'Someone Else', country: 'FR', phones: ['01 99 00 99 99'] })}\n`));
    expect(summary).toMatchObject({ inserted: 1, updated: 0, skippedSuppressed: 1, invalid: [] });
    expect(await stored({ searchTokens: 'name:doe' })).toHaveLength(0);
  });

  it('[CON-07] the CLI imports a file with a progress bar and prints the summary with invalid lines', async () => {
    const file = write('cli.csv', 'name,company,country,professional_emails\nAda Byron,Analytical,GB,ada@analytical.example\n,Nameless,GB,\n');
    const { stdout } = await promisify(execFile)('node', ['-r', '@swc-node/register', 'services/contacts/src/import-cli.ts', file, '--source', 'PUBLIC_SOURCE:registry'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MONGO_URL: env.MONGO_URL, MONGO_DB: env.MONGO_DB, LOG_LEVEL: 'silent' },
    });
    expect(stdout).toMatch(/inserted:\s+1/);
    expect(stdout).toMatch(/invalid:\s+1\n\s+line 3: name: is required/);
    const [ada] = await stored({ searchTokens: 'name:ada' });
    expect(ada?.name.source).toEqual({ kind: 'PUBLIC_SOURCE', name: 'registry' });
  });
});
