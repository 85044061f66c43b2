import { randomUUID } from 'node:crypto';
import type { RootFilterQuery, UpdateQuery } from 'mongoose';
import { z } from 'zod';
import { createEvent } from '@leadgraph/events';
import {
  checkPageSize,
  conflict,
  decodeCursor,
  encodeCursor,
  isDuplicateKeyError,
  notFound,
  parseInput,
  pushToOutbox,
  type Caller,
  type Clock,
  type Logger,
} from '@leadgraph/platform';
import { thresholdsReached } from '../budgets/budget.rules';
import {
  availableToCaller,
  decideSpend,
  ownerSpendRequestSchema,
  quoteRequestSchema,
  refundRequestSchema,
  spendRefusalError,
  spendRequestSchema,
  type CreditCaller,
  type OwnerSpendRequest,
  type QuoteRequest,
  type RefundRequest,
  type SpendIntent,
  type SpendRefusalReason,
  type SpendRequest,
} from '../spend/spend.rules';
import {
  creditAccountId,
  type CreditAccountDocument,
  type CreditAccountModel,
  type CreditBucket,
  type CreditLedgerEntryDocument,
  type CreditLedgerModel,
  type CreditOwner,
  type CreditSource,
  type CreditType,
  type ForfeitReason,
  type LedgerPortion,
  type PendingLedgerEntry,
} from './credit.model';
import {
  assertMayReadCredits,
  balancesAfterPending,
  creditMonthOf,
  deriveBalances,
  dueBuckets,
  grantInputSchema,
  isLive,
  previousCreditMonth,
  usagePath,
  zeroBalances,
  type CreditBalance,
} from './credit.rules';

/** What the subscription lifecycle, the event consumers and staff grant. */
export interface GrantInput {
  owner: CreditOwner;
  creditType: CreditType;
  /**
   * Credits the grant holds. For an `unlimited` grant: the fair-use quantity it may yield over
   * its life, i.e. FAIR_USE_MONTHLY_CAP x accounts covered x months of the period (BIL-07); on
   * top, each user is held to FAIR_USE_MONTHLY_CAP a month.
   */
  amount: number;
  source: CreditSource;
  /** End of the period (BIL-05); null only for registration credits. */
  expiresAt: Date | null;
  unlimited?: boolean;
  /** The same key grants once, whatever the number of calls (e.g. `subscription:<id>:<period>:PHONE`). */
  idempotencyKey: string;
}

export interface GrantResult {
  /** GRANTED now, ALREADY_GRANTED by an earlier call with the key, or OWNER_CLOSED (deleted owner: nothing granted). */
  status: 'GRANTED' | 'ALREADY_GRANTED' | 'OWNER_CLOSED';
  grantId: string | null;
}

/** The answer to a spend; a retry with the same key gets exactly the same one. */
export interface SpendReceipt {
  idempotencyKey: string;
  entryId: string;
  owner: CreditOwner;
  creditType: CreditType;
  charged: number;
  /** The owner's balance of this type right after the spend. */
  remaining: number;
  spentAt: Date;
}

export interface SpendQuote {
  owner: CreditOwner;
  creditType: CreditType;
  cost: number;
  available: number;
  allowed: boolean;
  refusal: { reason: SpendRefusalReason; message: string } | null;
}

export interface RefundReceipt {
  spendIdempotencyKey: string;
  owner: CreditOwner;
  creditType: CreditType;
  refunded: number;
  remaining: number;
}

export interface LedgerPage {
  entries: Array<{ entry: CreditLedgerEntryDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Who pays for a caller: the workspace pool or the user (BIL-08), from the plans billing knows. */
export interface CreditOwnerResolver {
  ownerFor(caller: CreditCaller): Promise<CreditOwner>;
}

/** What a line must show to answer a retried key again. */
type LineSummary = Pick<PendingLedgerEntry, '_id' | 'kind' | 'creditType' | 'amount' | 'idempotencyKey' | 'occurredAt'>;

/** A line found again for a retried key, with the balance right after it. */
type AppliedEntry = LineSummary & CreditOwner & { balanceAfter: number };

/** An account as writers read it: the relay's bookkeeping left out, pending lines summarised. */
type WorkingAccount = Omit<CreditAccountDocument, 'pendingLedger' | 'recentKeys' | 'thresholdMarks' | 'outbox'> & { pendingLedger: LineSummary[] };

// Recent keys are trimmed in batches so the epoch guard (see `keyEpoch`) rarely fails a spend.
const RECENT_KEYS_KEPT = 128;
const RECENT_KEYS_TRIM_AT = 256;
const MAX_THRESHOLD_MARKS = 1000;
// Guarded writes that lost a race re-read and retry; this many losses in a row is a live-lock.
const WRITE_ATTEMPTS = 100;
const RELAY_BATCH = 100;

const positionCursor = z.object({ p: z.number().int().min(0) });

// Every write rewrites the whole account document, so reads and answers carry only what they use.
const PENDING_SUMMARY = {
  'pendingLedger._id': 1,
  'pendingLedger.kind': 1,
  'pendingLedger.creditType': 1,
  'pendingLedger.amount': 1,
  'pendingLedger.idempotencyKey': 1,
  'pendingLedger.occurredAt': 1,
};
/** What deciding a write needs. */
const WORKING_FIELDS = {
  ownerType: 1,
  ownerId: 1,
  buckets: 1,
  balances: 1,
  usage: 1,
  budgets: 1,
  keyEpoch: 1,
  closed: 1,
  ...PENDING_SUMMARY,
};
/** What the balance right after a line needs. */
const BALANCE_FIELDS = { balances: 1, ...PENDING_SUMMARY };

/**
 * The credit ledger (BIL-01/03/04/05/07/08). Each owner's credits live in one `credit_accounts`
 * document; every change is one guarded `findOneAndUpdate` on it that moves the grant buckets,
 * the cached balance and the monthly counters, appends the ledger line (and events) and records
 * the idempotency key, so a change is whole or absent. A relay then copies the lines, in order,
 * into the append-only `credit_ledger`.
 */
export class CreditLedgerService {
  private relayPass: Promise<void> | null = null;
  private relayAgain = false;
  private relayEnabled = false;

  constructor(
    private readonly accounts: CreditAccountModel,
    private readonly ledger: CreditLedgerModel,
    private readonly owners: CreditOwnerResolver,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after writes that queued events, so the outbox relay publishes them now. */
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  /** Idempotent by key; publishes CreditsGranted. A closed (deleted) owner receives nothing. */
  async grant(input: GrantInput): Promise<GrantResult> {
    const now = this.clock.now();
    const grant = parseInput(grantInputSchema(now), input);
    const accountId = await this.ensureAccount(grant.owner, now);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, WORKING_FIELDS).lean<WorkingAccount>();
      if (!account) throw new Error(`credit account ${accountId} vanished`);
      const applied = await this.appliedEntry(account, grant.idempotencyKey);
      if (applied) {
        if (applied.kind !== 'GRANT') throw conflict('idempotencyKey: already used for another operation', 'idempotencyKey');
        return { status: 'ALREADY_GRANTED', grantId: applied._id };
      }
      if (account.closed) return { status: 'OWNER_CLOSED', grantId: null };
      const grantId = randomUUID();
      const bucket: CreditBucket = {
        grantId,
        creditType: grant.creditType,
        source: grant.source,
        unlimited: grant.unlimited,
        granted: grant.amount,
        remaining: grant.amount,
        expiresAt: grant.expiresAt,
        grantedAt: now,
      };
      const entry: PendingLedgerEntry = {
        ...emptyEntry(grantId, 'GRANT', grant.creditType, grant.amount, now),
        source: grant.source,
        unlimited: grant.unlimited,
        expiresAt: grant.expiresAt,
        idempotencyKey: grant.idempotencyKey,
      };
      const event = createEvent(
        'CreditsGranted',
        {
          ...grant.owner,
          creditType: grant.creditType,
          amount: grant.amount,
          source: grant.source,
          expiresAt: grant.expiresAt?.toISOString() ?? null,
          grantedAt: now.toISOString(),
        },
        { subject: grant.owner.ownerId, time: now },
      );
      const updated = await this.accounts.findOneAndUpdate(
        { _id: accountId, closed: null, ...keyNotApplied(account, grant.idempotencyKey) },
        {
          $push: { buckets: bucket, pendingLedger: entry, ...pushToOutbox(event) },
          $inc: { [`balances.${grant.creditType}`]: grant.amount, pendingLines: 1 },
          $set: { updatedAt: now },
        },
        { returnDocument: 'after', projection: { _id: 1 } },
      );
      if (updated) {
        this.afterWrite(true);
        return { status: 'GRANTED', grantId };
      }
    }
    throw conflict('The credits changed too often meanwhile; try again');
  }

  /**
   * Spends for a caller (CON-03/04) from the owner BIL-08 designates. The same key always gets
   * the first answer and is charged once; a refusal (INSUFFICIENT_CREDITS naming the type, or
   * FORBIDDEN for a budget) writes nothing, so the key may be retried once credits are there.
   */
  async spend(input: SpendRequest): Promise<SpendReceipt> {
    const request = parseInput(spendRequestSchema, input);
    const owner = await this.owners.ownerFor(request.caller);
    return this.spendOn(owner, request.idempotencyKey, {
      intent: {
        creditType: request.creditType,
        amount: request.amount,
        actor: { userId: request.caller.userId, apiTokenId: request.caller.viaApiTokenId },
        limits: 'CALLER',
      },
      reason: request.reason,
      reference: request.reference,
    });
  }

  /** A staff correction on one owner: no budgets or fair-use counting, the ledger names the staff member. */
  async spendFromOwner(owner: CreditOwner, input: OwnerSpendRequest, staffUserId: string): Promise<SpendReceipt> {
    const request = parseInput(ownerSpendRequestSchema, input);
    return this.spendOn(owner, request.idempotencyKey, {
      intent: { creditType: request.creditType, amount: request.amount, actor: { userId: staffUserId, apiTokenId: null }, limits: 'NONE' },
      reason: request.reason,
      reference: request.reference,
    });
  }

  /** What an action would cost the caller and whether it would pass now; nothing is spent. */
  async quote(input: QuoteRequest): Promise<SpendQuote> {
    const request = parseInput(quoteRequestSchema, input);
    const owner = await this.owners.ownerFor(request.caller);
    const account = await this.accounts.findById(creditAccountId(owner), WORKING_FIELDS).lean<WorkingAccount>();
    const now = this.clock.now();
    const intent: SpendIntent = {
      creditType: request.creditType,
      amount: request.amount,
      actor: { userId: request.caller.userId, apiTokenId: request.caller.viaApiTokenId },
      limits: 'CALLER',
    };
    const decision = decideSpend(account, intent, now);
    return {
      owner,
      creditType: request.creditType,
      cost: request.amount,
      available: availableToCaller(account, intent, now),
      allowed: decision.ok,
      refusal: decision.ok ? null : { reason: decision.reason, message: decision.message },
    };
  }

  /**
   * Gives back what a spend took when the paid action failed afterwards (CON-03: a failed reveal
   * never charges). Once per spend; credits whose grant expired meanwhile are not returned.
   */
  async refund(input: RefundRequest): Promise<RefundReceipt> {
    const request = parseInput(refundRequestSchema, input);
    const spend = await this.findSpend(request.spendIdempotencyKey);
    if (!spend) throw notFound('No spend was made with this idempotency key');
    const owner: CreditOwner = { ownerType: spend.ownerType, ownerId: spend.ownerId };
    const refundKey = `refund:${request.spendIdempotencyKey}`;
    const accountId = creditAccountId(owner);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, WORKING_FIELDS).lean<WorkingAccount>();
      if (!account) throw notFound('These credits no longer exist');
      const applied = await this.appliedEntry(account, refundKey);
      const answer = (refunded: number, remaining: number): RefundReceipt => ({
        spendIdempotencyKey: request.spendIdempotencyKey,
        owner,
        creditType: spend.creditType,
        refunded,
        remaining,
      });
      if (applied) return answer(applied.amount, applied.balanceAfter);
      const now = this.clock.now();
      const portions = refundablePortions(account.buckets, spend.portions, now);
      const refunded = portions.reduce((sum, portion) => sum + portion.amount, 0);
      if (refunded === 0 || account.closed) return answer(0, account.balances[spend.creditType]);
      const entry: PendingLedgerEntry = {
        ...emptyEntry(randomUUID(), 'REFUND', spend.creditType, refunded, now),
        portions,
        idempotencyKey: refundKey,
        reason: request.reason,
        reference: request.spendIdempotencyKey,
        actor: spend.actor,
      };
      const increments: Record<string, number> = { [`balances.${spend.creditType}`]: refunded, pendingLines: 1 };
      const arrayFilters = portions.map((portion, index) => ({ [`r${index}.grantId`]: portion.grantId }));
      portions.forEach((portion, index) => {
        increments[`buckets.$[r${index}].remaining`] = portion.amount;
      });
      // Budgets and fair use count what was really used: a refund in the same month gives it back.
      const spendMonth = creditMonthOf(spend.occurredAt);
      if (spendMonth === creditMonthOf(now)) {
        const share = refunded / spend.amount;
        for (const counter of spend.counters) {
          increments[usagePath(spendMonth, counter.counterId, spend.creditType)] = -Math.round(counter.amount * share);
        }
      }
      const updated = await this.accounts.findOneAndUpdate(
        {
          _id: accountId,
          closed: null,
          ...keyNotApplied(account, refundKey),
          ...exactRemainders(account.buckets.filter((bucket) => portions.some((portion) => portion.grantId === bucket.grantId))),
        },
        { $inc: increments, $push: { pendingLedger: entry }, $set: { updatedAt: now } },
        { returnDocument: 'after', arrayFilters, projection: BALANCE_FIELDS },
      ).lean<Pick<WorkingAccount, 'balances' | 'pendingLedger'>>();
      if (updated) {
        this.afterWrite(false);
        return answer(refunded, balanceAfterEntry(updated, entry._id));
      }
    }
    throw conflict('The credits changed too often meanwhile; try again');
  }

  /**
   * Expires every grant whose end of period has come (BIL-05, BIL-10): the remainder becomes an
   * EXPIRE line and a CreditsExpired event. Safe to run often and concurrently: each bucket is
   * removed by a write guarded on its exact remainder.
   */
  async expireDue(now: Date): Promise<{ buckets: number; credits: number }> {
    const report = { buckets: 0, credits: 0 };
    const seen = new Set<string>();
    for (;;) {
      const due = await this.accounts
        .find({ 'buckets.expiresAt': { $lte: now }, _id: { $nin: [...seen] } }, { _id: 1 })
        .limit(RELAY_BATCH)
        .lean<Array<{ _id: string }>>();
      if (due.length === 0) return report;
      for (const { _id } of due) {
        seen.add(_id);
        const expired = await this.expireAccount(_id, now);
        report.buckets += expired.buckets;
        report.credits += expired.credits;
      }
    }
  }

  /**
   * Removes every remaining credit of an owner (ACC-06, BIL-13) as FORFEIT lines. For a deleted
   * account or workspace the owner is also closed: later grants and spends find nothing.
   * Idempotent: a second call finds nothing left.
   */
  async forfeitAll(owner: CreditOwner, reason: ForfeitReason, at: Date): Promise<{ credits: number }> {
    const closes = reason !== 'SUBSCRIPTION_TERMINATED';
    const accountId = closes ? await this.ensureAccount(owner, at) : creditAccountId(owner);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, WORKING_FIELDS).lean<WorkingAccount>();
      if (!account) return { credits: 0 };
      const closeNow = closes && !account.closed;
      if (account.buckets.length === 0 && !closeNow) return { credits: 0 };
      const entries = byCreditType(account.buckets.filter((bucket) => bucket.remaining > 0)).map(([creditType, buckets]) => ({
        ...emptyEntry(randomUUID(), 'FORFEIT', creditType, sum(buckets.map((bucket) => bucket.remaining)), at),
        portions: buckets.map((bucket) => ({ grantId: bucket.grantId, amount: bucket.remaining, unlimited: bucket.unlimited })),
        reason,
      }));
      const update: UpdateQuery<CreditAccountDocument> = {
        $pull: { buckets: { grantId: { $in: account.buckets.map((bucket) => bucket.grantId) } } },
        $set: { updatedAt: at, ...(closeNow ? { closed: { reason, at } } : {}) },
      };
      if (entries.length > 0) {
        update.$push = { pendingLedger: { $each: entries } };
        update.$inc = { ...Object.fromEntries(entries.map((entry) => [`balances.${entry.creditType}`, -entry.amount])), pendingLines: entries.length };
      }
      const updated = await this.accounts.findOneAndUpdate(
        { _id: accountId, ...(closeNow ? { closed: null } : {}), ...exactRemainders(account.buckets) },
        update,
        { returnDocument: 'after', projection: { _id: 1 } },
      );
      if (updated) {
        this.afterWrite(false);
        return { credits: sum(entries.map((entry) => entry.amount)) };
      }
    }
    throw conflict('The credits changed too often meanwhile; try again');
  }

  /** Per credit type: available now, unlimited flag, nearest expiry (expired grants never count). */
  async balances(owner: CreditOwner, at: Date): Promise<CreditBalance[]> {
    const account = await this.accounts.findById(creditAccountId(owner), { buckets: 1 }).lean<Pick<CreditAccountDocument, 'buckets'>>();
    return deriveBalances(account?.buckets ?? [], at);
  }

  async balancesNow(owner: CreditOwner): Promise<CreditBalance[]> {
    return this.balances(owner, this.clock.now());
  }

  /** The owner's balances as the caller may see them (the graph's `credits`). */
  async balancesFor(caller: Caller, owner: CreditOwner): Promise<CreditBalance[]> {
    assertMayReadCredits(caller, owner);
    return this.balances(owner, this.clock.now());
  }

  /** The owner's ledger, newest line first, as the caller may see it; copies pending lines first. */
  async historyFor(caller: Caller, owner: CreditOwner, first: number | null, after: string | null): Promise<LedgerPage> {
    assertMayReadCredits(caller, owner);
    const size = checkPageSize(first);
    const afterPosition = after ? decodeCursor(after, positionCursor).p : null;
    await this.copyPendingLedger(creditAccountId(owner));
    const rows = await this.ledger
      .find({ ownerType: owner.ownerType, ownerId: owner.ownerId, ...(afterPosition !== null ? { position: { $lt: afterPosition } } : {}) })
      .sort({ position: -1 })
      .limit(size + 1)
      .lean<CreditLedgerEntryDocument[]>();
    const entries = rows.slice(0, size).map((entry) => ({ entry, cursor: encodeCursor({ p: entry.position }) }));
    return { entries, hasNextPage: rows.length > size, endCursor: entries.at(-1)?.cursor ?? null };
  }

  /** One relay pass over every account with lines to copy. Used by the job, tests and shutdown. */
  async relayLedger(): Promise<number> {
    let copied = 0;
    const done = new Set<string>();
    for (;;) {
      const pending = await this.accounts
        .find({ pendingLines: { $gt: 0 }, _id: { $nin: [...done] } }, { _id: 1 })
        .limit(RELAY_BATCH)
        .lean<Array<{ _id: string }>>();
      if (pending.length === 0) return copied;
      for (const { _id } of pending) {
        done.add(_id);
        copied += await this.copyPendingLedger(_id);
      }
    }
  }

  /** Lets writes trigger a relay pass at once (besides the periodic job). */
  startRelay(): void {
    this.relayEnabled = true;
    this.requestRelay();
  }

  async stopRelay(): Promise<void> {
    this.relayEnabled = false;
    await this.relayPass;
  }

  /**
   * Copies one account's pending lines into `credit_ledger` (upsert by id: a crashed pass copies
   * the same lines again harmlessly), announces thresholds reached, then drops the copied lines,
   * guarded on the copy count so two relays never both advance it.
   */
  async copyPendingLedger(accountId: string): Promise<number> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, { recentKeys: 0, outbox: 0 }).lean<Omit<CreditAccountDocument, 'recentKeys' | 'outbox'>>();
      if (!account || account.pendingLedger.length === 0) return 0;
      const now = this.clock.now();
      const pending = account.pendingLedger;
      const after = balancesAfterPending(account.balances, pending);
      await this.ledger.bulkWrite(
        pending.map((entry, index) => {
          const { _id, ...fields } = entry;
          const line: Omit<CreditLedgerEntryDocument, '_id'> = {
            ...fields,
            ownerType: account.ownerType,
            ownerId: account.ownerId,
            position: account.ledgerCount + index,
            balanceAfter: after.get(_id) ?? 0,
          };
          return { updateOne: { filter: { _id }, update: { $setOnInsert: line }, upsert: true } };
        }),
        { ordered: false },
      );
      const spendMonths = [...new Set(pending.filter((entry) => entry.kind === 'SPEND').map((entry) => creditMonthOf(entry.occurredAt)))];
      const crossings = spendMonths.length > 0 ? thresholdsReached(account, spendMonths, now) : [];
      const events = crossings.map((crossing) =>
        createEvent(
          'CreditThresholdReached',
          {
            ownerType: account.ownerType,
            ownerId: account.ownerId,
            scope: crossing.scope,
            subjectId: crossing.subjectId,
            creditType: crossing.creditType,
            thresholdPercent: crossing.thresholdPercent,
            limit: crossing.limit,
            used: crossing.used,
            month: crossing.month,
            reachedAt: now.toISOString(),
          },
          { subject: account.ownerId, time: now },
        ),
      );
      const keys = pending.flatMap((entry) => (entry.idempotencyKey ? [entry.idempotencyKey] : []));
      const trim = account.recentKeyCount + keys.length > RECENT_KEYS_TRIM_AT;
      const staleMonths = Object.keys(account.usage ?? {}).filter((month) => month < previousCreditMonth(now));
      const update: UpdateQuery<CreditAccountDocument> = {
        $pull: { pendingLedger: { _id: { $in: pending.map((entry) => entry._id) } } },
        $inc: { ledgerCount: pending.length, pendingLines: -pending.length, keyEpoch: trim ? 1 : 0 },
        $set: { recentKeyCount: trim ? RECENT_KEYS_KEPT : account.recentKeyCount + keys.length },
        $push: {
          recentKeys: { $each: keys, ...(trim ? { $slice: -RECENT_KEYS_KEPT } : {}) },
          thresholdMarks: { $each: crossings.flatMap((crossing) => crossing.marks), $slice: -MAX_THRESHOLD_MARKS },
          ...pushToOutbox(...events),
        },
      };
      if (staleMonths.length > 0) update.$unset = Object.fromEntries(staleMonths.map((month) => [`usage.${month}`, '']));
      const updated = await this.accounts.findOneAndUpdate({ _id: accountId, ledgerCount: account.ledgerCount }, update, {
        projection: { _id: 1 },
      });
      if (updated) {
        if (events.length > 0) this.onEventsQueued();
        return pending.length;
      }
    }
    throw new Error(`ledger relay of ${accountId} kept losing races`);
  }

  private async spendOn(
    owner: CreditOwner,
    idempotencyKey: string,
    operation: { intent: SpendIntent; reason: string; reference: string | null },
  ): Promise<SpendReceipt> {
    const { intent } = operation;
    const accountId = creditAccountId(owner);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, WORKING_FIELDS).lean<WorkingAccount>();
      const applied = await this.appliedEntry(account, idempotencyKey);
      if (applied) return receiptOf(applied);
      const now = this.clock.now();
      const decision = decideSpend(account, intent, now);
      if (!decision.ok) throw spendRefusalError(decision.reason, decision.message, intent.creditType);
      if (!account) throw new Error('unreachable: a spend was allowed without an account');
      const entry: PendingLedgerEntry = {
        ...emptyEntry(randomUUID(), 'SPEND', intent.creditType, intent.amount, now),
        portions: decision.portions,
        idempotencyKey,
        reason: operation.reason,
        reference: operation.reference,
        actor: intent.actor,
        counters: decision.increments.map(({ counterId, amount }) => ({ counterId, amount })),
      };
      const guards: Array<RootFilterQuery<CreditAccountDocument>> = decision.portions.map((portion) => ({
        buckets: { $elemMatch: { grantId: portion.grantId, remaining: { $gte: portion.amount } } },
      }));
      const increments: Record<string, number> = { [`balances.${intent.creditType}`]: -intent.amount, pendingLines: 1 };
      const arrayFilters = decision.portions.map((portion, index) => ({ [`p${index}.grantId`]: portion.grantId }));
      decision.portions.forEach((portion, index) => {
        increments[`buckets.$[p${index}].remaining`] = -portion.amount;
      });
      for (const increment of decision.increments) {
        const path = usagePath(decision.month, increment.counterId, intent.creditType);
        increments[path] = increment.amount;
        if (increment.ceiling !== null) guards.push({ [path]: { $not: { $gt: increment.ceiling - increment.amount } } });
      }
      // The budgets the decision read must still be the same when the write lands.
      for (const { subject, monthlyLimit } of decision.budgets) {
        const match = { subjectType: subject.subjectType, subjectId: subject.subjectId, creditType: intent.creditType };
        guards.push(
          monthlyLimit === null ? { budgets: { $not: { $elemMatch: match } } } : { budgets: { $elemMatch: { ...match, monthlyLimit } } },
        );
      }
      const updated = await this.accounts
        .findOneAndUpdate(
          { _id: accountId, closed: null, ...keyNotApplied(account, idempotencyKey), $and: guards },
          { $inc: increments, $push: { pendingLedger: entry }, $set: { updatedAt: now } },
          { returnDocument: 'after', arrayFilters, projection: BALANCE_FIELDS },
        )
        .lean<Pick<CreditAccountDocument, 'balances' | 'pendingLedger'>>();
      if (updated) {
        this.afterWrite(false);
        return receiptOf({ ...entry, ...owner, balanceAfter: balanceAfterEntry(updated, entry._id) });
      }
    }
    throw conflict('The credits changed too often meanwhile; try again');
  }

  private async expireAccount(accountId: string, now: Date): Promise<{ buckets: number; credits: number }> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const account = await this.accounts.findById(accountId, WORKING_FIELDS).lean<WorkingAccount>();
      const due = account ? dueBuckets(account.buckets, now) : [];
      if (!account || due.length === 0) return { buckets: 0, credits: 0 };
      const withCredits = due.filter((bucket) => bucket.remaining > 0);
      const entries = withCredits.map((bucket) => ({
        ...emptyEntry(`expire:${bucket.grantId}`, 'EXPIRE', bucket.creditType, bucket.remaining, bucket.expiresAt ?? now),
        portions: [{ grantId: bucket.grantId, amount: bucket.remaining, unlimited: bucket.unlimited }],
        reason: 'END_OF_PERIOD',
      }));
      const events = withCredits.map((bucket) =>
        createEvent(
          'CreditsExpired',
          {
            ownerType: account.ownerType,
            ownerId: account.ownerId,
            creditType: bucket.creditType,
            amount: bucket.remaining,
            expiredAt: (bucket.expiresAt ?? now).toISOString(),
          },
          { subject: account.ownerId, time: now, id: `credits-expired:${account._id}:${bucket.grantId}` },
        ),
      );
      const update: UpdateQuery<CreditAccountDocument> = {
        $pull: { buckets: { grantId: { $in: due.map((bucket) => bucket.grantId) } } },
        $set: { updatedAt: now },
      };
      if (entries.length > 0) {
        update.$push = { pendingLedger: { $each: entries }, ...pushToOutbox(...events) };
        const decrements: Record<string, number> = { pendingLines: entries.length };
        for (const entry of entries) decrements[`balances.${entry.creditType}`] = (decrements[`balances.${entry.creditType}`] ?? 0) - entry.amount;
        update.$inc = decrements;
      }
      const updated = await this.accounts.findOneAndUpdate({ _id: accountId, ...exactRemainders(due) }, update, {
        projection: { _id: 1 },
      });
      if (updated) {
        this.afterWrite(events.length > 0);
        return { buckets: due.length, credits: sum(entries.map((entry) => entry.amount)) };
      }
    }
    throw conflict('The credits changed too often meanwhile; try again');
  }

  /** Creates the owner's empty account once (concurrent creators: the loser's duplicate is ignored). */
  async ensureAccount(owner: CreditOwner, now: Date): Promise<string> {
    const _id = creditAccountId(owner);
    const fresh: Omit<CreditAccountDocument, '_id'> = {
      ...owner,
      buckets: [],
      balances: zeroBalances(),
      usage: {},
      budgets: [],
      pendingLedger: [],
      ledgerCount: 0,
      pendingLines: 0,
      recentKeys: [],
      recentKeyCount: 0,
      keyEpoch: 0,
      thresholdMarks: [],
      closed: null,
      createdAt: now,
      updatedAt: now,
      outbox: [],
    };
    try {
      await this.accounts.updateOne({ _id }, { $setOnInsert: fresh }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return _id;
  }

  /**
   * The line an idempotency key already produced: still pending in the account (read in the same
   * snapshot as the guard values) or already copied to the ledger (keys dropped from the account
   * are always copied first, and `keyEpoch` tells a writer that some were dropped meanwhile).
   */
  private async appliedEntry(
    account: Pick<WorkingAccount, 'ownerType' | 'ownerId' | 'pendingLedger' | 'balances'> | null,
    idempotencyKey: string,
  ): Promise<AppliedEntry | null> {
    const pending = account?.pendingLedger.find((entry) => entry.idempotencyKey === idempotencyKey);
    if (account && pending) {
      return { ...pending, ownerType: account.ownerType, ownerId: account.ownerId, balanceAfter: balanceAfterEntry(account, pending._id) };
    }
    return this.ledgerEntryByKey(idempotencyKey);
  }

  private async ledgerEntryByKey(idempotencyKey: string): Promise<CreditLedgerEntryDocument | null> {
    return this.ledger.findOne({ idempotencyKey }).lean<CreditLedgerEntryDocument>();
  }

  /**
   * The spend a refund undoes. A spend still pending in its account is copied first: refunds are
   * rare, and no index on pending lines has to slow every spend down.
   */
  private async findSpend(idempotencyKey: string): Promise<CreditLedgerEntryDocument | null> {
    const copied = (await this.ledgerEntryByKey(idempotencyKey)) ?? (await this.relayLedger().then(() => this.ledgerEntryByKey(idempotencyKey)));
    return copied?.kind === 'SPEND' ? copied : null;
  }

  private afterWrite(eventsQueued: boolean): void {
    if (eventsQueued) this.onEventsQueued();
    this.requestRelay();
  }

  /** Coalesces relay requests: one pass at a time, one more if writes came in during it. */
  private requestRelay(): void {
    if (!this.relayEnabled) return;
    if (this.relayPass) {
      this.relayAgain = true;
      return;
    }
    this.relayPass = this.relayLedger()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'credit ledger relay pass failed; the job retries'))
      .finally(() => {
        this.relayPass = null;
        if (this.relayAgain) {
          this.relayAgain = false;
          this.requestRelay();
        }
      });
  }
}

function emptyEntry(_id: string, kind: PendingLedgerEntry['kind'], creditType: CreditType, amount: number, occurredAt: Date): PendingLedgerEntry {
  return {
    _id,
    kind,
    creditType,
    amount,
    source: null,
    unlimited: false,
    expiresAt: null,
    portions: [],
    idempotencyKey: null,
    reason: null,
    reference: null,
    actor: null,
    counters: [],
    occurredAt,
  };
}

/** Filter part: the key was not applied since `account` was read (see `keyEpoch`). */
function keyNotApplied(account: Pick<CreditAccountDocument, 'keyEpoch'> | null, idempotencyKey: string): RootFilterQuery<CreditAccountDocument> {
  return {
    keyEpoch: account?.keyEpoch ?? 0,
    'pendingLedger.idempotencyKey': { $ne: idempotencyKey },
    recentKeys: { $ne: idempotencyKey },
  };
}

/** Filter part: each bucket still holds exactly what was read (for writes that remove buckets). */
function exactRemainders(buckets: readonly Pick<CreditBucket, 'grantId' | 'remaining'>[]): RootFilterQuery<CreditAccountDocument> {
  if (buckets.length === 0) return {};
  return { $and: buckets.map((bucket) => ({ buckets: { $elemMatch: { grantId: bucket.grantId, remaining: bucket.remaining } } })) };
}

function balanceAfterEntry(account: Pick<WorkingAccount, 'balances' | 'pendingLedger'>, entryId: string): number {
  return balancesAfterPending(account.balances, account.pendingLedger).get(entryId) ?? 0;
}

function receiptOf(entry: AppliedEntry): SpendReceipt {
  if (entry.kind !== 'SPEND' || !entry.idempotencyKey) throw conflict('idempotencyKey: already used for another operation', 'idempotencyKey');
  return {
    idempotencyKey: entry.idempotencyKey,
    entryId: entry._id,
    owner: { ownerType: entry.ownerType, ownerId: entry.ownerId },
    creditType: entry.creditType,
    charged: entry.amount,
    remaining: Math.max(0, entry.balanceAfter),
    spentAt: entry.occurredAt,
  };
}

/** What of a spend can go back: to grants still live, never above what they granted. */
function refundablePortions(buckets: readonly CreditBucket[], portions: readonly LedgerPortion[], now: Date): LedgerPortion[] {
  return portions.flatMap((portion) => {
    const bucket = buckets.find((candidate) => candidate.grantId === portion.grantId);
    if (!bucket || !isLive(bucket, now)) return [];
    const amount = Math.min(portion.amount, bucket.granted - bucket.remaining);
    return amount > 0 ? [{ ...portion, amount }] : [];
  });
}

function byCreditType(buckets: readonly CreditBucket[]): Array<[CreditType, CreditBucket[]]> {
  const groups = new Map<CreditType, CreditBucket[]>();
  for (const bucket of buckets) groups.set(bucket.creditType, [...(groups.get(bucket.creditType) ?? []), bucket]);
  return [...groups.entries()];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
