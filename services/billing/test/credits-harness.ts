import { createEvent, rpcContracts, type EventData, type EventName, type LeadgraphEvent, type RpcRequest, type RpcResponse } from '@leadgraph/events';
import { callRpc, type Caller, type EventBus, type ManualClock, type RunningService } from '@leadgraph/platform';
import {
  callSubgraph,
  connectTestBus,
  eventually,
  publishedEvents,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  uniqueName,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { loadBillingConfig, type BillingConfig } from '../src/config';
import {
  creditAccountId,
  creditAccountModel,
  creditLedgerModel,
  type CreditAccountDocument,
  type CreditAccountModel,
  type CreditLedgerEntryDocument,
  type CreditLedgerModel,
  type CreditOwner,
  type CreditType,
} from '../src/credits/credit.model';
import { ledgerSums, zeroBalances } from '../src/credits/credit.rules';
import { CreditLedgerService } from '../src/credits/credit.service';
import { startBillingService } from '../src/main';
import { planModel } from '../src/plans/plan.model';
import { workspacePlanModel } from '../src/spend/spend.model';
import { CreditOwnerDirectory } from '../src/spend/spend.service';

/**
 * The real billing service on the shared test Mongo (a database of its own) and a NATS server of
 * its own (billing answers the credit RPCs in a queue group), plus the ledger API as the
 * subscription lifecycle calls it in-process, on the same database.
 */
export interface CreditsUnderTest {
  billing: RunningService;
  config: BillingConfig;
  clock: ManualClock;
  /** The in-process API (grant, expireDue, forfeitAll, balances, spend, quote) on the service's database. */
  ledger: CreditLedgerService;
  owners: CreditOwnerDirectory;
  accounts: CreditAccountModel;
  ledgerLines: CreditLedgerModel;
  /** A second connection to the test NATS server, as another service would have. */
  client: EventBus;
  /** The credit RPCs over NATS, as the contacts service calls them. */
  spendRpc(request: RpcRequest<'spendCredits'>): Promise<RpcResponse<'spendCredits'>>;
  quoteRpc(request: RpcRequest<'quoteCredits'>): Promise<RpcResponse<'quoteCredits'>>;
  refundRpc(request: RpcRequest<'refundCredits'>): Promise<RpcResponse<'refundCredits'>>;
  call<T = Record<string, unknown>>(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<SubgraphAnswer<T>>;
  /** Publishes an event as its producer would (the service's consumers pick it up). */
  publish<N extends EventName>(name: N, data: EventData<N>, subject?: string): Promise<LeadgraphEvent<N>>;
  events<N extends EventName>(name: N, matching?: (data: EventData<N>) => boolean): Promise<Array<LeadgraphEvent<N>>>;
  stop(): Promise<void>;
}

export async function startCreditsUnderTest(options: { clock?: ManualClock } = {}): Promise<CreditsUnderTest> {
  const clock = options.clock ?? testClock();
  const nats = await startIsolatedNats();
  const config = loadBillingConfig(serviceTestEnv('billing', { NATS_URL: nats.url }));
  const billing = await startBillingService(config, { clock, logger: testLogger('billing') });
  const { connection } = billing.infra;
  const logger = testLogger('credits-test');
  const plans = planModel(connection);
  const owners = new CreditOwnerDirectory(
    workspacePlanModel(connection),
    async (planId) => (await plans.findById(planId, { kind: 1 }).lean())?.kind ?? null,
    logger,
  );
  const accounts = creditAccountModel(connection);
  const ledgerLines = creditLedgerModel(connection);
  const ledger = new CreditLedgerService(accounts, ledgerLines, owners, clock, logger, () => billing.relay.nudge());
  const client = await connectTestBus('credits-test-client', nats.url);
  return {
    billing,
    config,
    clock,
    ledger,
    owners,
    accounts,
    ledgerLines,
    client,
    spendRpc: (request) => callRpc(client, rpcContracts.spendCredits.subject, request, rpcContracts.spendCredits.response, 15_000),
    quoteRpc: (request) => callRpc(client, rpcContracts.quoteCredits.subject, request, rpcContracts.quoteCredits.response, 15_000),
    refundRpc: (request) => callRpc(client, rpcContracts.refundCredits.subject, request, rpcContracts.refundCredits.response, 15_000),
    call: (caller, query, variables = {}) => callSubgraph(billing.url, query, { variables, caller, now: clock.now() }),
    publish: async (name, data, subject) => {
      const event = createEvent(name, data, { subject: subject ?? uniqueName('subject'), time: clock.now() });
      await client.publish(event);
      return event;
    },
    events: async (name, matching = () => true) => (await publishedEvents(client, name)).filter((event) => matching(event.data)),
    stop: async () => {
      await client.close();
      await billing.infra.connection.dropDatabase().catch(() => undefined);
      await billing.stop();
      await nats.stop();
    },
  };
}

export const user = (ownerId: string): CreditOwner => ({ ownerType: 'USER', ownerId });
export const workspace = (ownerId: string): CreditOwner => ({ ownerType: 'WORKSPACE', ownerId });

export const DAY = 24 * 3600 * 1000;

/** A grant as the lifecycle would make it, with a fresh key unless one is given. */
export function grantOf(
  owner: CreditOwner,
  creditType: CreditType,
  amount: number,
  expiresAt: Date | null,
  overrides: Partial<Parameters<CreditLedgerService['grant']>[0]> = {},
): Parameters<CreditLedgerService['grant']>[0] {
  return {
    owner,
    creditType,
    amount,
    source: expiresAt ? 'SUBSCRIPTION' : 'REGISTRATION',
    expiresAt,
    idempotencyKey: uniqueName('grant'),
    ...overrides,
  };
}

export async function accountOf(env: CreditsUnderTest, owner: CreditOwner): Promise<CreditAccountDocument | null> {
  return env.accounts.findById(creditAccountId(owner)).lean<CreditAccountDocument>();
}

export async function linesOf(env: CreditsUnderTest, owner: CreditOwner): Promise<CreditLedgerEntryDocument[]> {
  await env.ledger.relayLedger();
  return env.ledgerLines.find({ ownerType: owner.ownerType, ownerId: owner.ownerId }).sort({ position: 1 }).lean<CreditLedgerEntryDocument[]>();
}

/**
 * The ledger invariant, per credit type: sum of the copied ledger lines (grants + refunds -
 * spends - expiries - forfeits) = cached balance = sum of the buckets' remainders; positions
 * are 0..n-1 without gaps or duplicates.
 */
export async function expectLedgerInvariant(env: CreditsUnderTest, owner: CreditOwner): Promise<void> {
  const lines = await linesOf(env, owner);
  const account = await accountOf(env, owner);
  const remainders = zeroBalances();
  for (const bucket of account?.buckets ?? []) remainders[bucket.creditType] += bucket.remaining;
  expect(account?.pendingLedger ?? []).toEqual([]);
  expect(account?.pendingLines ?? 0).toBe(0);
  expect(ledgerSums(lines)).toEqual(account?.balances ?? zeroBalances());
  expect(remainders).toEqual(account?.balances ?? zeroBalances());
  expect(lines.map((line) => line.position)).toEqual(lines.map((_line, index) => index));
}

/** Waits until the relays published the matching events, then returns them. */
export async function expectEvents<N extends EventName>(
  env: CreditsUnderTest,
  name: N,
  matching: (data: EventData<N>) => boolean,
  count: number,
): Promise<Array<LeadgraphEvent<N>>> {
  return eventually(async () => {
    await env.billing.relay.flush();
    const events = await env.events(name, matching);
    if (events.length !== count) throw new Error(`expected ${count} ${name} event(s), saw ${events.length}`);
    return events;
  }, 15_000);
}

export async function availableOf(env: CreditsUnderTest, owner: CreditOwner, creditType: CreditType): Promise<number> {
  const balances = await env.ledger.balances(owner, env.clock.now());
  return balances.find((balance) => balance.creditType === creditType)?.available ?? 0;
}
