/**
 * Opt-out propagation benchmark (issue #5, item 7): how long after a person confirms their opt-out
 * on the public page (PRV-01) is their profile gone from contacts search (CON-08)?
 *
 *   npm run bench:opt-out -- [--contacts 300] [--concurrency 1,8] [--poll-ms 5]
 *
 * `--contacts` people are opted out in each scenario; a scenario runs `--concurrency` clients.
 *
 * Real servers, all local: embedded MongoDB (mongo-java-server, memory), nats-server -js, the SMTP
 * sink; the privacy and contacts services as in production (outbox relay -> JetStream ->
 * contacts' durable consumer). For each imported contact, a client runs the real HTTP page flow:
 * POST /opt-out with the e-mail -> code read from the SMTP sink -> POST /opt-out/confirm (303).
 * From that answer (t0) it polls contacts search for the person until they are gone (t1):
 * propagation = t1 - t0. A core NATS subscription on the event's subject also records when
 * ContactOptedOut reached the stream, splitting the delay into relay (t0 -> published) and
 * consumer (published -> unsearchable). Writes bench/results/opt-out-propagation.json.
 *
 * The page limits requests per IP (20 per hour); each client therefore connects from its own
 * loopback address (127.0.x.y), as many people would. Nothing else is relaxed on privacy; contacts
 * gets the search rate limits raised, as in contacts-bench.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { JSONCodec, connect } from 'nats';
import { eventSubject, type LeadgraphEvent } from '@leadgraph/events';
import { systemClock } from '@leadgraph/platform';
import { startTestInfra, stopTestInfra } from '@leadgraph/platform/src/testing/global-setup';
import { callSubgraph, serviceTestEnv, testInfra, testLogger, testMailbox, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '@leadgraph/contacts/src/config';
import { contactIdentifierModel, contactModel } from '@leadgraph/contacts/src/contacts/contact.model';
import { IngestionService, type SourceRow } from '@leadgraph/contacts/src/ingestion/ingestion.service';
import { startContactsService } from '@leadgraph/contacts/src/main';
import { suppressionCaseModel, suppressionModel } from '@leadgraph/contacts/src/suppression/suppression.model';
import { SuppressionService } from '@leadgraph/contacts/src/suppression/suppression.service';
import { loadPrivacyConfig } from '@leadgraph/privacy/src/config';
import { startPrivacyService } from '@leadgraph/privacy/src/main';

const RESULTS = path.resolve(__dirname, 'results/opt-out-propagation.json');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(1));
}

function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: Number((sorted.at(-1) ?? 0).toFixed(1)), mean: Number(mean.toFixed(1)) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lowercase word unique to one person, so a name search finds exactly them. */
function word(index: number): string {
  let value = index + 26 * 26 * 26;
  let text = '';
  while (value > 0) {
    text = String.fromCharCode(97 + (value % 26)) + text;
    value = Math.floor(value / 26);
  }
  return `zq${text}`;
}

interface PageAnswer {
  status: number;
  location: string | null;
}

/** A form POST from a given loopback address (the page counts requests per client IP). */
function postForm(url: string, form: Record<string, string>, localAddress: string): Promise<PageAnswer> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface Sample {
  flowMs: number;
  propagationMs: number;
  relayMs: number | null;
  consumerMs: number | null;
  polls: number;
}

async function main(): Promise<void> {
  const count = option('--contacts', 300);
  const concurrencyArg = process.argv.indexOf('--concurrency');
  const scenarios = (concurrencyArg === -1 ? '1,8' : (process.argv[concurrencyArg + 1] ?? '')).split(',').map(Number);
  if (scenarios.some((value) => !Number.isInteger(value) || value <= 0)) throw new Error('--concurrency: expected positive integers, comma separated (1,8)');
  const pollMs = option('--poll-ms', 5);
  await startTestInfra();
  const logger = testLogger('bench');
  const contacts = await startContactsService(
    loadContactsConfig(serviceTestEnv('contacts', { SEARCH_RATE_PER_MINUTE: '100000000', BULK_SEARCH_PAGES_PER_DAY: '100000000', REVEAL_RATE_PER_MINUTE: '1000000', BULK_REVEALS_PER_DAY: '1000000' })),
    { logger },
  );
  const privacy = await startPrivacyService(loadPrivacyConfig(serviceTestEnv('privacy')), { logger });
  const nats = await connect({ servers: testInfra().natsUrl, name: 'opt-out-bench' });
  try {
    // 1. Import the people.
    const connection = contacts.infra.connection;
    const key = { secret: loadContactsConfig({}).IDENTIFIER_HASH_KEY, version: 1 };
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contactModel(connection), contactIdentifierModel(connection), key, systemClock, logger);
    const ingestion = new IngestionService(contactModel(connection), contactIdentifierModel(connection), suppression, key, systemClock, logger);
    const domain = `${uniqueName('bench').replace('_', '-')}.example`;
    const people = Array.from({ length: count * scenarios.length }, (_, index) => ({ token: word(index), email: `person${index}@${domain}` }));
    const rows = (async function* rowsOf(): AsyncGenerator<SourceRow> {
      for (const [index, person] of people.entries()) {
        yield { line: index + 1, raw: { name: `Bench ${person.token}`, company: 'Optout Bench', jobTitle: 'Buyer', country: 'FR', professionalEmails: [person.email] } };
      }
    })();
    const imported = await ingestion.importRows(rows, { source: { kind: 'PARTNER', name: 'opt-out-bench' }, batchSize: 500 });
    if (imported.inserted !== people.length) throw new Error(`imported ${imported.inserted} of ${people.length}`);
    process.stdout.write(`imported ${imported.inserted} contacts\n`);

    const caller = userCaller();
    const searchCount = async (token: string): Promise<number> => {
      const answer = await callSubgraph<{ searchContacts: { edges: unknown[] } }>(contacts.url, 'query($f: ContactSearchFilter!) { searchContacts(filter: $f) { edges { cursor } } }', {
        variables: { f: { name: token } },
        caller,
      });
      if (answer.errors || !answer.data) throw new Error(`search failed: ${JSON.stringify(answer.errors)}`);
      return answer.data.searchContacts.edges.length;
    };
    for (const person of [people[0]!, people[people.length - 1]!]) {
      if ((await searchCount(person.token)) !== 1) throw new Error(`${person.token} is not searchable before the opt-out`);
    }

    // 2. When each ContactOptedOut reached the stream (core subscription on its subject).
    const publishedAt = new Map<string, number>();
    const subscription = nats.subscribe(eventSubject('ContactOptedOut'));
    void (async () => {
      for await (const message of subscription) {
        const event = JSONCodec<LeadgraphEvent<'ContactOptedOut'>>().decode(message.data);
        publishedAt.set(event.data.optOutId, performance.now());
      }
    })();

    // 3. The page flow for every person, `concurrency` clients at a time, each from its own address.
    const pages = new URL('/', privacy.url);
    const mailbox = testMailbox();
    let pollErrors = 0;
    const runScenario = async (concurrency: number, group: ReadonlyArray<{ token: string; email: string; address: string }>) => {
      const samples: Sample[] = [];
      let cursor = 0;
      const startedAt = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, client) => {
          while (cursor < group.length) {
            const person = group[cursor++]!;
            const flowStart = performance.now();
            const started = await postForm(new URL('/opt-out', pages).toString(), { email: person.email, lang: 'en' }, person.address);
            if (started.status !== 303 || !started.location) throw new Error(`client ${client}: POST /opt-out answered ${started.status}`);
            const requestId = new URL(started.location, pages).searchParams.get('request') ?? '';
            const mail = await mailbox.waitFor(person.email, /opt-out/i, 30_000);
            const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
            const confirmed = await postForm(new URL('/opt-out/confirm', pages).toString(), { request: requestId, code, lang: 'en' }, person.address);
            const t0 = performance.now();
            if (confirmed.status !== 303 || confirmed.location !== '/opt-out/done?lang=en') throw new Error(`client ${client}: confirmation answered ${confirmed.status}`);
            let polls = 0;
            for (;;) {
              polls += 1;
              const left = await searchCount(person.token).catch(() => {
                pollErrors += 1;
                return 1;
              });
              if (left === 0) break;
              if (performance.now() - t0 > 60_000) throw new Error(`${person.token} still searchable 60 s after the confirmation`);
              await sleep(pollMs);
            }
            const t1 = performance.now();
            const published = publishedAt.get(requestId);
            samples.push({
              flowMs: t0 - flowStart,
              propagationMs: t1 - t0,
              relayMs: published === undefined ? null : Math.max(0, published - t0),
              consumerMs: published === undefined ? null : t1 - published,
              polls,
            });
          }
        }),
      );
      const durationMs = performance.now() - startedAt;
      const relayed = samples.filter((sample) => sample.relayMs !== null);
      return {
        scenario: `${concurrency} concurrent client(s)`,
        concurrentClients: concurrency,
        optOuts: samples.length,
        durationMs: Math.round(durationMs),
        optOutsPerSecond: Number(((samples.length / durationMs) * 1000).toFixed(1)),
        propagationMs: summary(samples.map((sample) => sample.propagationMs)),
        relayMs: summary(relayed.map((sample) => sample.relayMs ?? 0)),
        consumerMs: summary(relayed.map((sample) => sample.consumerMs ?? 0)),
        pageFlowMs: summary(samples.map((sample) => sample.flowMs)),
        pollsPerOptOut: summary(samples.map((sample) => sample.polls)),
        eventsSeen: relayed.length,
      };
    };
    // 10 people per address keeps each address under the page's 20 requests per hour.
    const withAddresses = people.map((person, index) => ({ ...person, address: `127.0.${1 + Math.floor(index / 10 / 250)}.${1 + (Math.floor(index / 10) % 250)}` }));
    const scenarioResults = [];
    for (const [position, concurrency] of scenarios.entries()) {
      const result = await runScenario(concurrency, withAddresses.slice(position * count, (position + 1) * count));
      process.stdout.write(`${result.scenario}: propagation ${JSON.stringify(result.propagationMs)}, ${result.optOutsPerSecond} opt-outs/s\n`);
      scenarioResults.push(result);
    }
    subscription.unsubscribe();

    // 4. Nobody left: every imported person is gone, and suppressed for good.
    const remaining = await contactModel(connection).countDocuments({ name: /^Bench zq/ });
    const suppressions = await suppressionModel(connection).countDocuments({});
    const results = {
      benchmark: 'opt-out-propagation',
      ranAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
      setup: {
        contactsPerScenario: count,
        concurrentClients: scenarios,
        pollIntervalMs: pollMs,
        flow: 'POST /opt-out -> code from the SMTP sink -> POST /opt-out/confirm (303), then poll contacts searchContacts(name) until empty',
        path: 'privacy outbox relay -> JetStream LEADGRAPH_EVENTS -> contacts durable consumer (ContactOptedOut) -> profile deleted',
        mongo: 'mongo-java-server (memory)',
        nats: 'nats-server -js (local)',
      },
      notes: [
        'propagation = from the 303 answer of POST /opt-out/confirm to the first search that no longer returns the person',
        'relay = confirmation answer -> ContactOptedOut seen on its subject by a core NATS subscription; consumer = that -> unsearchable',
        `resolution: searches are polled every ${pollMs} ms (plus the search itself), so each figure is an upper bound by about one poll`,
        'clients, both services, MongoDB and NATS share one machine: compare runs on the same machine only',
        'each client connects from its own loopback address (the page allows 20 requests per IP per hour)',
        'optOutsPerSecond is the rate of complete journeys (request, mail, confirm, wait until unsearchable) the clients achieved, not the capacity of the contacts consumer',
        'the polling searches add load on contacts and MongoDB while the consumer works: with 8 clients, 8 searches are in flight most of the time',
      ],
      results: scenarioResults,
      checks: { pollErrors, contactsRemaining: remaining, suppressionsStored: suppressions },
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results.checks)}\nwritten to ${path.relative(process.cwd(), RESULTS)}\n`);
    if (remaining !== 0) throw new Error(`${remaining} contacts are still stored after their opt-out`);
  } finally {
    await nats.close();
    await privacy.stop();
    await contacts.stop();
    await stopTestInfra();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
