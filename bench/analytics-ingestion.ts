/**
 * Analytics ingestion benchmark (issue #6): sustained front-end events per second through the
 * real `POST /collect` endpoint (HTTP, JSON, validation, consent check, identified inserts and
 * anonymous `$inc` counts) against the embedded MongoDB, and the cost of the consent check per
 * event: cold (a Mongo `$in` lookup per batch), warm (in-memory cache), and per event without
 * batching, for comparison.
 *
 *   npm run bench:analytics -- [--seconds 20] [--clients 32] [--batch 20] [--visitors 2000]
 *
 * Writes bench/results/analytics-ingestion.json. Real servers: embedded Mongo (memory), nats-server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, startEmbeddedMongo, startNatsServer, systemClock, type ManagedProcess } from '@leadgraph/platform';
import { loadAnalyticsConfig } from '../services/analytics/src/config';
import { pageCountModel, rawEventModel } from '../services/analytics/src/collection/collection.model';
import { analyticsConsentModel } from '../services/analytics/src/consent/consent.model';
import { ConsentProjection, type ConsentSubject } from '../services/analytics/src/consent/consent.service';
import { startAnalyticsService } from '../services/analytics/src/main';

const RESULTS = path.resolve(__dirname, 'results/analytics-ingestion.json');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

const PAGES = ['/', '/pricing', '/search', '/lists', '/settings', '/contacts/view', '/billing', '/extension'];

async function main(): Promise<void> {
  const seconds = option('--seconds', 20);
  const clients = option('--clients', 32);
  const batchSize = option('--batch', 20);
  const visitors = option('--visitors', 2000);
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-analytics-'));
  const started: ManagedProcess[] = [];
  const logger = createLogger({ name: 'bench', level: 'silent' });
  try {
    const mongo = await startEmbeddedMongo({ backend: 'memory' });
    started.push(mongo);
    const nats = await startNatsServer(path.join(tempDir, 'jetstream'));
    started.push(nats);
    const config = loadAnalyticsConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      MONGO_URL: mongo.url,
      MONGO_DB: 'bench_analytics',
      NATS_URL: nats.url,
      ANALYTICS_MAX_EVENTS_PER_BATCH: String(Math.max(50, batchSize)),
      ANALYTICS_MAX_BODY_BYTES: String(1024 * 1024),
      ANALYTICS_COLLECT_BATCHES_PER_MINUTE: '10000000',
    });
    const analytics = await startAnalyticsService(config, { logger });
    const connection = analytics.infra.connection;
    const collectUrl = new URL('/collect', analytics.url).toString();

    // Half of the visitors accepted analytics on the banner (the projection as the consumer fills it).
    const seeding = new ConsentProjection(analyticsConsentModel(connection), systemClock, 0);
    const now = Date.now();
    const visitorIds = Array.from({ length: visitors }, (_unused, index) => `bench-visitor-${index.toString().padStart(6, '0')}`);
    for (const [index, subjectId] of visitorIds.entries()) {
      if (index % 2 !== 0) continue;
      await seeding.applyConsentChanged({
        subjectType: 'VISITOR',
        subjectId,
        categories: { strictlyNecessary: true, analytics: true, functionality: true, targeting: false },
        policyVersion: 'bench',
        method: 'ACCEPT',
        changedAt: new Date(now - 60_000).toISOString(),
        expiresAt: new Date(now + 365 * 24 * 3600_000).toISOString(),
      });
    }

    // 1. Sustained ingestion through HTTP.
    const latencies: number[] = [];
    let batches = 0;
    let accepted = 0;
    let identified = 0;
    let anonymous = 0;
    let failures = 0;
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_unused, client) => {
        let n = 0;
        while (performance.now() < deadline) {
          const visitorId = visitorIds[(client * 7919 + n * 31) % visitorIds.length];
          n += 1;
          const occurredAt = new Date().toISOString();
          const events = Array.from({ length: batchSize }, (_event, index) => ({
            type: index % 4 === 0 ? 'ACTION' : 'PAGE_VIEW',
            name: index % 4 === 0 ? 'cta-click' : 'view',
            page: PAGES[(n + index) % PAGES.length],
            occurredAt,
            properties: { step: index, plan: 'pro' },
          }));
          const sent = performance.now();
          const response = await fetch(collectUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 Chrome/120.0 Safari/537.36' },
            body: JSON.stringify({ visitorId, events }),
          });
          const body = (await response.json()) as { accepted?: number; results?: Array<{ stored: string | null }> };
          latencies.push(performance.now() - sent);
          batches += 1;
          if (response.status !== 200) {
            failures += 1;
            continue;
          }
          accepted += body.accepted ?? 0;
          for (const result of body.results ?? []) {
            if (result.stored === 'IDENTIFIED') identified += 1;
            else if (result.stored === 'ANONYMOUS_COUNT') anonymous += 1;
          }
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((left, right) => left - right);
    const storedRaw = await rawEventModel(connection).estimatedDocumentCount();
    const pageCounts = await pageCountModel(connection).find({}, { count: 1 }).lean<Array<{ count: number }>>();
    const ingestion = {
      seconds: Number(elapsed.toFixed(1)),
      clients,
      eventsPerBatch: batchSize,
      batches,
      eventsAccepted: accepted,
      eventsPerSecond: Math.round(accepted / elapsed),
      batchesPerSecond: Math.round(batches / elapsed),
      identifiedEvents: identified,
      anonymousEvents: anonymous,
      failures,
      batchLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
      check: { rawEventsStored: storedRaw, anonymousCountTotal: pageCounts.reduce((sum, document) => sum + document.count, 0) },
    };
    process.stdout.write(`ingestion ${JSON.stringify(ingestion)}\n`);

    // 2. Consent-check cost per event.
    const lookups = 2000;
    const subjects: ConsentSubject[] = visitorIds.map((subjectId) => ({ subjectType: 'VISITOR', subjectId }));
    const measure = async (projection: ConsentProjection, clearEachTime: boolean): Promise<number> => {
      const begin = performance.now();
      for (let index = 0; index < lookups; index += 1) {
        if (clearEachTime) projection.clearCache();
        await projection.hasConsent(subjects[index % subjects.length] as ConsentSubject, false);
      }
      return ((performance.now() - begin) * 1000) / lookups;
    };
    const projection = new ConsentProjection(analyticsConsentModel(connection), systemClock, 60_000);
    const coldPerLookupUs = await measure(projection, true);
    await measure(projection, false); // fills the cache
    const warmPerLookupUs = await measure(projection, false);
    const consentCheck = {
      lookups,
      coldLookupUs: Number(coldPerLookupUs.toFixed(1)),
      warmLookupUs: Number(warmPerLookupUs.toFixed(2)),
      perEventUs: {
        coldBatchOf: batchSize,
        cold: Number((coldPerLookupUs / batchSize).toFixed(2)),
        warm: Number((warmPerLookupUs / batchSize).toFixed(3)),
        withoutBatchingCold: Number(coldPerLookupUs.toFixed(1)),
      },
      shareOfIngestionTime: Number(((coldPerLookupUs / batchSize) / (1e6 / Math.max(1, ingestion.eventsPerSecond))).toFixed(4)),
    };
    process.stdout.write(`consentCheck ${JSON.stringify(consentCheck)}\n`);

    const result = {
      benchmark: 'analytics-ingestion',
      ranAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
      setup: { endpoint: 'POST /collect (HTTP, JSON)', visitors, consentedShare: 0.5, mongo: 'mongo-java-server (memory)' },
      notes: [
        'clients, the analytics service and the embedded Mongo share one machine: numbers are a floor, compare runs on the same machine only',
        'every batch is one consent lookup (one $in query on a cache miss), one insertMany of identified events, one bulkWrite of anonymous $inc counts',
        'consent check: cold = cache cleared before each lookup (a Mongo round trip), warm = served from the in-memory cache; perEventUs divides a batch lookup by the batch size',
        'shareOfIngestionTime: cold consent cost per event over the measured wall time per event (1 / eventsPerSecond)',
      ],
      ingestion,
      consentCheck,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), RESULTS)}\n`);
    await analytics.stop();
  } finally {
    for (const process of started.reverse()) await process.stop();
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
