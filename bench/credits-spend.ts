/**
 * Spend throughput over the NATS API (billing.credits.spend) at 64 concurrent callers, with
 * a check that nothing was charged twice. Run: `node -r @swc-node/register bench/credits-spend.ts`.
 * Writes bench/results/credits-spend.json. Real servers: embedded Mongo (memory), nats-server.
 *
 * Scenarios:
 *  - hot-pool: every caller spends from ONE workspace pool (worst case: one contended document);
 *  - per-user: each caller spends its own personal credits (64 documents).
 * Every caller also re-sends some of its keys (retries), which must not charge again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEvent, rpcContracts } from '@leadgraph/events';
import {
  DomainError,
  EventBus,
  callRpc,
  createLogger,
  startEmbeddedMongo,
  startNatsServer,
  systemClock,
  type ManagedProcess,
} from '@leadgraph/platform';
import { loadBillingConfig } from '../services/billing/src/config';
import { creditAccountModel, creditLedgerModel, type CreditOwner } from '../services/billing/src/credits/credit.model';
import { ledgerSums, zeroBalances } from '../services/billing/src/credits/credit.rules';
import { CreditLedgerService } from '../services/billing/src/credits/credit.service';
import { startBillingService } from '../services/billing/src/main';
import { workspacePlanModel } from '../services/billing/src/spend/spend.model';
import { CreditOwnerDirectory } from '../services/billing/src/spend/spend.service';

const CALLERS = 64;
const SPENDS_PER_CALLER = 40;
/** Every RETRY_EVERY-th spend of a caller is sent again with the same key. */
const RETRY_EVERY = 5;
const RESULTS = path.resolve(__dirname, 'results/credits-spend.json');

interface ScenarioResult {
  scenario: string;
  callers: number;
  requests: number;
  uniqueKeys: number;
  retries: number;
  refused: number;
  durationMs: number;
  requestsPerSecond: number;
  spendsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  doubleCharges: number;
  ledgerInvariantHolds: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

async function main(): Promise<void> {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-credits-'));
  const started: ManagedProcess[] = [];
  const logger = createLogger({ name: 'bench', level: 'silent' });
  try {
    const mongo = await startEmbeddedMongo({ backend: 'memory' });
    started.push(mongo);
    const nats = await startNatsServer(path.join(tempDir, 'jetstream'));
    started.push(nats);
    const config = loadBillingConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      MONGO_URL: mongo.url,
      MONGO_DB: 'bench_credits',
      NATS_URL: nats.url,
    });
    const billing = await startBillingService(config, { logger });
    const connection = billing.infra.connection;
    const owners = new CreditOwnerDirectory(workspacePlanModel(connection), async () => 'PREMIUM', logger);
    const accounts = creditAccountModel(connection);
    const ledgerLines = creditLedgerModel(connection);
    const ledger = new CreditLedgerService(accounts, ledgerLines, owners, systemClock, logger);
    const client = await EventBus.connect({ url: nats.url, name: 'bench-client', logger });
    const results: ScenarioResult[] = [];
    const periodEnd = new Date(systemClock.now().getTime() + 30 * 24 * 3600 * 1000);

    const runScenario = async (scenario: string, callerOf: (index: number) => { userId: string; workspaceId: string | null }, ownersUsed: CreditOwner[]) => {
      for (const owner of ownersUsed) {
        await ledger.grant({ owner, creditType: 'PHONE', amount: 1_000_000, source: 'SUBSCRIPTION', expiresAt: periodEnd, idempotencyKey: `bench:${scenario}:${owner.ownerId}` });
      }
      const latencies: number[] = [];
      const charged = new Map<string, string>();
      let requests = 0;
      let refused = 0;
      let retries = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_unused, index) => {
          const caller = { ...callerOf(index), viaApiTokenId: null };
          for (let n = 0; n < SPENDS_PER_CALLER; n += 1) {
            const key = `${scenario}:${index}:${n}`;
            const sends = n % RETRY_EVERY === 0 ? 2 : 1;
            for (let send = 0; send < sends; send += 1) {
              const started = performance.now();
              requests += 1;
              if (send > 0) retries += 1;
              try {
                const receipt = await callRpc(
                  client,
                  rpcContracts.spendCredits.subject,
                  { idempotencyKey: key, caller, creditType: 'PHONE', amount: 1, reason: 'BENCH', reference: null },
                  rpcContracts.spendCredits.response,
                  30_000,
                );
                const previous = charged.get(key);
                if (previous && previous !== receipt.entryId) throw new Error(`key ${key} answered by two ledger lines`);
                charged.set(key, receipt.entryId);
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                refused += 1;
              }
              latencies.push(performance.now() - started);
            }
          }
        }),
      );
      const durationMs = performance.now() - t0;
      await ledger.relayLedger();
      let doubleCharges = 0;
      let invariant = true;
      for (const owner of ownersUsed) {
        const lines = await ledgerLines.find({ ownerType: owner.ownerType, ownerId: owner.ownerId }).lean();
        const spendKeys = lines.filter((line) => line.kind === 'SPEND').map((line) => line.idempotencyKey ?? '');
        doubleCharges += spendKeys.length - new Set(spendKeys).size;
        const account = await accounts.findById(`${owner.ownerType}:${owner.ownerId}`).lean();
        const remainders = zeroBalances();
        for (const bucket of account?.buckets ?? []) remainders[bucket.creditType] += bucket.remaining;
        const sums = ledgerSums(lines);
        invariant &&= JSON.stringify(sums) === JSON.stringify(account?.balances) && JSON.stringify(remainders) === JSON.stringify(account?.balances);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      results.push({
        scenario,
        callers: CALLERS,
        requests,
        uniqueKeys: charged.size,
        retries,
        refused,
        durationMs: Math.round(durationMs),
        requestsPerSecond: Math.round((requests / durationMs) * 1000),
        spendsPerSecond: Math.round((charged.size / durationMs) * 1000),
        latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
        doubleCharges,
        ledgerInvariantHolds: invariant,
      });
      console.log(JSON.stringify(results.at(-1)));
    };

    // Hot pool: the workspace is PREMIUM, so its members all spend from the same account document.
    const hotWorkspace = 'bench-hot-workspace';
    await client.publish(
      createEvent(
        'SubscriptionStarted',
        {
          subscriptionId: 'bench-sub',
          workspaceId: hotWorkspace,
          subscriberUserId: 'bench-admin',
          planId: 'business-monthly',
          seats: CALLERS,
          periodStart: systemClock.now().toISOString(),
          periodEnd: periodEnd.toISOString(),
        },
        { subject: hotWorkspace, time: systemClock.now() },
      ),
    );
    for (let attempt = 0; attempt < 200 && (await owners.workspacePlan(hotWorkspace)) !== 'PREMIUM'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runScenario('hot-pool', (index) => ({ userId: `bench-member-${index}`, workspaceId: hotWorkspace }), [{ ownerType: 'WORKSPACE', ownerId: hotWorkspace }]);
    await runScenario(
      'per-user',
      (index) => ({ userId: `bench-user-${index}`, workspaceId: null }),
      Array.from({ length: CALLERS }, (_unused, index) => ({ ownerType: 'USER' as const, ownerId: `bench-user-${index}` })),
    );

    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          benchmark: 'credits-spend',
          ranAt: systemClock.now().toISOString(),
          machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
          setup: { callers: CALLERS, spendsPerCaller: SPENDS_PER_CALLER, retryEvery: RETRY_EVERY, transport: 'NATS request/reply', mongo: 'mongo-java-server (memory)' },
          notes: [
            'callers, billing and the embedded Mongo share one machine: numbers are a floor, compare runs on the same machine only',
            'hot-pool: every spend is one guarded write of the same account document, so it is bounded by that document\'s write rate',
            'doubleCharges counts ledger SPEND lines sharing an idempotency key; the invariant is ledger sum = cached balance = bucket remainders',
          ],
          results,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
    await client.close();
    await billing.stop();
    if (results.some((result) => result.doubleCharges > 0 || !result.ledgerInvariantHolds)) {
      process.exitCode = 1;
    }
  } finally {
    for (const managed of started.reverse()) await managed.stop();
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
