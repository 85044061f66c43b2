/**
 * Contacts benchmark (issue #4): 100k generated profiles, search latency through the gateway
 * (p50/p95) and reveals per second at 64 concurrent clients, with a double-charge check against
 * billing's real ledger. Local servers only (embedded MongoDB, nats-server, SMTP sink).
 *
 *   node -r @swc-node/register bench/contacts-bench.ts [--profiles 100000] [--searches 300] [--reveals 2000]
 *
 * Results go to bench/results/contacts-bench.json and .md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock, REPO_ROOT, systemClock } from '@leadgraph/platform';
import { startTestInfra, stopTestInfra } from '@leadgraph/platform/src/testing/global-setup';
import { testLogger, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '@leadgraph/contacts/src/config';
import { contactIdentifierModel, contactModel } from '@leadgraph/contacts/src/contacts/contact.model';
import { fakeProfileGenerator } from '@leadgraph/contacts/src/fake-profiles/fake-profile.rules';
import { IngestionService, type SourceRow } from '@leadgraph/contacts/src/ingestion/ingestion.service';
import { suppressionCaseModel, suppressionModel } from '@leadgraph/contacts/src/suppression/suppression.model';
import { SuppressionService } from '@leadgraph/contacts/src/suppression/suppression.service';
import { graphql, startTestStack } from '../gateway/test/test-stack';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function main(): Promise<void> {
  const profiles = option('--profiles', 100_000);
  const searches = option('--searches', 300);
  const reveals = option('--reveals', 2_000);
  const concurrency = 64;
  await startTestInfra();
  const domain = `${uniqueName('bench').replace('_', '-')}.com`;
  const staffEmail = `ops@${domain}`;
  const stack = await startTestStack(new ManualClock(new Date()), {
    accountsEnv: { BOOTSTRAP_SUPER_ADMIN_EMAIL: staffEmail, PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_PASSES: '1' },
    contactsEnv: { SEARCH_RATE_PER_MINUTE: '1000000', REVEAL_RATE_PER_MINUTE: '1000000', BULK_REVEALS_PER_DAY: '1000000', BULK_SEARCH_PAGES_PER_DAY: '1000000' },
  });
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine: '2 cores, embedded mongo-java-server (memory backend), nats-server', profiles, searches, reveals, concurrency };
  try {
    // 1. Generate and import.
    const connection = stack.services.contacts!.infra.connection;
    const key = { secret: loadContactsConfig({}).IDENTIFIER_HASH_KEY, version: 1 };
    const logger = testLogger('bench');
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contactModel(connection), contactIdentifierModel(connection), key, systemClock, logger);
    const ingestion = new IngestionService(contactModel(connection), contactIdentifierModel(connection), suppression, key, systemClock, logger);
    const next = fakeProfileGenerator(42, new Date());
    const generated = Array.from({ length: profiles }, () => next());
    const rows = (async function* rowsOf(): AsyncGenerator<SourceRow> {
      for (const [index, row] of generated.entries()) yield { line: index + 1, raw: row };
    })();
    let started = Date.now();
    const summary = await ingestion.importRows(rows, { source: { kind: 'PARTNER', name: 'bench' }, batchSize: 1000 });
    results.import = { seconds: (Date.now() - started) / 1000, inserted: summary.inserted, updated: summary.updated, invalid: summary.invalid.length };
    process.stdout.write(`imported ${summary.inserted} profiles in ${(results.import as { seconds: number }).seconds} s\n`);

    // 2. A user with phone credits (granted by staff).
    const mailbox = testMailbox();
    const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
      graphql<T>(stack.gateway.url, query, variables, token ? { authorization: `Bearer ${token}` } : {});
    const signUp = async (email: string) => {
      const legal = await gql<{ currentLegalDocuments: Array<{ kind: string; version: string }> }>('{ currentLegalDocuments { kind version } }');
      const versionOf = (kind: string) => legal.data?.currentLegalDocuments.find((document) => document.kind === kind)?.version;
      await gql('mutation($input: SignUpInput!) { signUp(input: $input) { message } }', { input: { email, password: 'correct horse battery staple', displayName: 'Bench', termsVersion: versionOf('TERMS'), privacyPolicyVersion: versionOf('PRIVACY_POLICY'), language: 'EN' } });
      const code = /\b(\d{6})\b/.exec((await mailbox.waitFor(email, /verification code/i)).text)?.[1];
      await gql('mutation($input: VerifyEmailInput!) { verifyEmail(input: $input) { userId } }', { input: { email, code } });
      const login = await gql<{ login: { accessToken: string; userId: string } }>('mutation($input: LoginInput!) { login(input: $input) { accessToken userId } }', { input: { email, password: 'correct horse battery staple' } });
      return login.data!.login;
    };
    const staff = await signUp(staffEmail);
    const user = await signUp(`bench@${domain}`);
    await gql('mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { status } }', { input: { ownerType: 'USER', ownerId: user.userId, creditType: 'PHONE', amount: reveals * 2, source: 'REGISTRATION', idempotencyKey: uniqueName('grant') } }, staff.accessToken);
    const balance = async () => {
      const me = await gql<{ me: { credits: Array<{ creditType: string; balance: number }> } }>('{ me { credits { creditType balance } } }', {}, user.accessToken);
      return me.data?.me.credits.find((credit) => credit.creditType === 'PHONE')?.balance ?? 0;
    };

    // 3. Search latency through the gateway.
    const filters = Array.from({ length: searches }, (_, index) => {
      const row = generated[(index * 7919) % generated.length]!;
      const kinds = [{ company: row.company }, { jobTitle: row.jobTitle, country: row.country }, { skills: [row.skills[0]], city: row.city }, { name: row.name.split(' ')[1] ?? row.name }];
      return kinds[index % kinds.length];
    });
    const latencies: number[] = [];
    let emptyResults = 0;
    for (const filter of filters) {
      started = performance.now();
      const answer = await gql<{ searchContacts: { edges: unknown[] } }>('query($f: ContactSearchFilter!) { searchContacts(filter: $f, first: 20) { edges { node { id name phones { masked } } } } }', { f: filter }, user.accessToken);
      latencies.push(performance.now() - started);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      if (answer.data?.searchContacts.edges.length === 0) emptyResults += 1;
    }
    latencies.sort((a, b) => a - b);
    results.search = { p50Ms: Math.round(percentile(latencies, 50)), p95Ms: Math.round(percentile(latencies, 95)), maxMs: Math.round(latencies.at(-1) ?? 0), emptyResults };
    process.stdout.write(`search ${JSON.stringify(results.search)}\n`);

    // 4. Reveals at 64 concurrent clients: each contact asked for by two clients, so duplicates race.
    const withPhones = await contactModel(connection).find({ 'phones.0': { $exists: true } }, { _id: 1 }).limit(Math.ceil(reveals / 2)).lean<Array<{ _id: string }>>();
    const queue = [...withPhones.map((contact) => contact._id), ...withPhones.map((contact) => contact._id)];
    const before = await balance();
    let charged = 0;
    let failures = 0;
    let cursor = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (cursor < queue.length) {
          const id = queue[cursor++]!;
          const answer = await gql<{ revealContact: { creditsCharged: number } }>('mutation($id: ID!, $key: String!) { revealContact(contactId: $id, fields: [PHONE], idempotencyKey: $key) { creditsCharged } }', { id, key: uniqueName('rk') }, user.accessToken);
          if (answer.errors) failures += 1;
          else charged += answer.data?.revealContact.creditsCharged ?? 0;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const spent = before - (await balance());
    results.reveal = {
      requests: queue.length,
      distinctContacts: withPhones.length,
      seconds: Math.round(seconds * 10) / 10,
      revealsPerSecond: Math.round((queue.length / seconds) * 10) / 10,
      creditsChargedReported: charged,
      creditsSpentInBilling: spent,
      doubleCharges: spent - withPhones.length,
      failures,
    };
    process.stdout.write(`reveal ${JSON.stringify(results.reveal)}\n`);
  } finally {
    const outDir = path.join(REPO_ROOT, 'bench/results');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'contacts-bench.json'), `${JSON.stringify(results, null, 2)}\n`);
    await stack.stop();
    await stopTestInfra();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
