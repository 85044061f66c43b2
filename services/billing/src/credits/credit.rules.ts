import { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';
import { creditTypes, forbidden, unauthenticated, type Caller } from '@leadgraph/platform';
import {
  creditOwnerTypes,
  creditSources,
  type CachedBalances,
  type CreditBucket,
  type CreditOwner,
  type CreditType,
  type LedgerEntryKind,
  type LedgerPortion,
  type MonthlyUsage,
  type PendingLedgerEntry,
} from './credit.model';

/** BIL-07: "unlimited" credits are capped at this many per account (user) per calendar month. */
export const FAIR_USE_MONTHLY_CAP = 10_000;

/** Largest single grant or spend: beyond it the request is a mistake, not a purchase. */
export const MAX_CREDIT_AMOUNT = 1_000_000;

export interface CreditBalance {
  creditType: CreditType;
  /** Credits usable now: the unexpired remainders. */
  available: number;
  /** A live fair-use "unlimited" grant is part of the balance (BIL-07). */
  unlimited: boolean;
  /** When the first of the remaining credits expires; null when none expire. */
  nearestExpiry: Date | null;
}

export const idempotencyKeySchema = z.string().trim().min(1, 'is required').max(200, 'at most 200 characters');
export const creditAmountSchema = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_CREDIT_AMOUNT, `at most ${MAX_CREDIT_AMOUNT}`);
export const creditOwnerSchema = z.object({ ownerType: z.enum(creditOwnerTypes), ownerId: z.string().trim().min(1, 'is required') });

/**
 * A grant as the subscription lifecycle, the event consumers and staff ask for it. BIL-05:
 * subscription, reward and add-on credits expire at the end of the period; only registration
 * credits may never expire. BIL-07: "unlimited" is a plan attribute, hence subscription credits.
 */
export function grantInputSchema(now: Date) {
  return z
    .object({
      owner: creditOwnerSchema,
      creditType: creditTypeSchema,
      amount: creditAmountSchema,
      source: z.enum(creditSources),
      expiresAt: z.date().nullable(),
      unlimited: z.boolean().default(false),
      idempotencyKey: idempotencyKeySchema,
    })
    .superRefine((grant, context) => {
      if (grant.expiresAt === null && grant.source !== 'REGISTRATION') {
        context.addIssue({ code: 'custom', path: ['expiresAt'], message: `${grant.source} credits expire at the end of the period` });
      }
      if (grant.expiresAt !== null && grant.expiresAt.getTime() <= now.getTime()) {
        context.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
      }
      if (grant.unlimited && grant.source !== 'SUBSCRIPTION') {
        context.addIssue({ code: 'custom', path: ['unlimited'], message: 'only subscription credits can be unlimited' });
      }
    });
}

/**
 * Credits given for actions, as data (credit-awards.json): the one-time registration credits
 * (ACC-04, BIL-04) and the referrer's reward for a verified sign-up. A type left out gets nothing.
 */
export const creditAwardsSchema = z.object({
  registration: z.partialRecord(creditTypeSchema, z.number().int().min(0).max(MAX_CREDIT_AMOUNT)),
  referralReward: z.partialRecord(creditTypeSchema, z.number().int().min(0).max(MAX_CREDIT_AMOUNT)),
});
export type CreditAwards = z.infer<typeof creditAwardsSchema>;

/** The awarded amounts worth a grant, in the catalogue's type order. */
export function awardedCredits(award: CreditAwards[keyof CreditAwards]): Array<{ creditType: CreditType; amount: number }> {
  return creditTypeSchema.options.flatMap((creditType) => {
    const amount = award[creditType] ?? 0;
    return amount > 0 ? [{ creditType, amount }] : [];
  });
}

/**
 * BIL-05: reward credits expire at the end of the current period. Rewards are personal and a
 * personal (FREEMIUM) period is the calendar month, so they last until the month ends.
 */
export function rewardExpiry(earnedAt: Date): Date {
  return startOfNextMonth(earnedAt);
}

/** Buckets still usable at `now`: the database never expires anything, so expiry is checked here. */
export function isLive(bucket: Pick<CreditBucket, 'expiresAt'>, now: Date): boolean {
  return bucket.expiresAt === null || bucket.expiresAt.getTime() > now.getTime();
}

/**
 * BIL-05: spend first what expires first; never-expiring credits last. On equal expiry the
 * fair-use "unlimited" credits go first (they are free to the owner), then the oldest grant.
 */
export function compareDrawOrder(
  a: Pick<CreditBucket, 'expiresAt' | 'unlimited' | 'grantedAt' | 'grantId'>,
  b: Pick<CreditBucket, 'expiresAt' | 'unlimited' | 'grantedAt' | 'grantId'>,
): number {
  const expiry = (bucket: Pick<CreditBucket, 'expiresAt'>) => bucket.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (expiry(a) !== expiry(b)) return expiry(a) < expiry(b) ? -1 : 1;
  if (a.unlimited !== b.unlimited) return a.unlimited ? -1 : 1;
  if (a.grantedAt.getTime() !== b.grantedAt.getTime()) return a.grantedAt.getTime() - b.grantedAt.getTime();
  return a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0;
}

export type DrawBucket = Pick<CreditBucket, 'grantId' | 'creditType' | 'unlimited' | 'remaining' | 'expiresAt' | 'grantedAt'>;

export interface DrawRequest {
  creditType: CreditType;
  amount: number;
  /** BIL-07: a spend through a partner token never draws on unlimited credits. */
  viaApiToken: boolean;
  /** What the acting user may still draw from unlimited credits this month (fair use). */
  fairUseRemaining: number;
}

export type DrawRefusalReason = 'INSUFFICIENT_CREDITS' | 'FAIR_USE_CAP_REACHED';

export type DrawPlan =
  | { ok: true; portions: LedgerPortion[] }
  | { ok: false; reason: DrawRefusalReason; message: string };

/**
 * Which grants pay for a spend, in BIL-05 order, or why it cannot be paid. All or nothing: a
 * refused spend draws nothing.
 */
export function planDraw(buckets: readonly DrawBucket[], request: DrawRequest, now: Date): DrawPlan {
  const candidates = buckets
    .filter((bucket) => bucket.creditType === request.creditType && bucket.remaining > 0 && isLive(bucket, now))
    .sort(compareDrawOrder);
  const portions: LedgerPortion[] = [];
  let missing = request.amount;
  let unlimitedLeft = Math.max(0, request.fairUseRemaining);
  let unlimitedHeld = 0;
  for (const bucket of candidates) {
    if (missing === 0) break;
    if (bucket.unlimited) {
      if (request.viaApiToken) continue;
      unlimitedHeld += bucket.remaining;
      const take = Math.min(bucket.remaining, missing, unlimitedLeft);
      if (take === 0) continue;
      unlimitedLeft -= take;
      missing -= take;
      portions.push({ grantId: bucket.grantId, amount: take, unlimited: true });
    } else {
      const take = Math.min(bucket.remaining, missing);
      missing -= take;
      portions.push({ grantId: bucket.grantId, amount: take, unlimited: false });
    }
  }
  if (missing === 0) return { ok: true, portions };
  const capBlocked = !request.viaApiToken && unlimitedHeld > 0 && unlimitedLeft === 0;
  if (capBlocked) {
    return {
      ok: false,
      reason: 'FAIR_USE_CAP_REACHED',
      message: `The fair-use cap of ${FAIR_USE_MONTHLY_CAP} unlimited ${request.creditType} credits per account and month is reached`,
    };
  }
  const apiNote = request.viaApiToken && candidates.some((bucket) => bucket.unlimited) ? ' (API calls never use unlimited credits)' : '';
  return { ok: false, reason: 'INSUFFICIENT_CREDITS', message: `Not enough ${request.creditType} credits${apiNote}` };
}

/** Balance per credit type from the live buckets, every type listed (zero when nothing is left). */
export function deriveBalances(buckets: readonly Pick<CreditBucket, 'creditType' | 'remaining' | 'unlimited' | 'expiresAt'>[], now: Date): CreditBalance[] {
  return creditTypes.map((creditType) => {
    const live = buckets.filter((bucket) => bucket.creditType === creditType && bucket.remaining > 0 && isLive(bucket, now));
    const expiries = live.flatMap((bucket) => (bucket.expiresAt ? [bucket.expiresAt.getTime()] : []));
    return {
      creditType,
      available: live.reduce((sum, bucket) => sum + bucket.remaining, 0),
      unlimited: live.some((bucket) => bucket.unlimited),
      nearestExpiry: expiries.length > 0 ? new Date(Math.min(...expiries)) : null,
    };
  });
}

export function zeroBalances(): CachedBalances {
  return { PRO_EMAIL: 0, PHONE: 0, DIRECT_EMAIL: 0, EXPORT: 0 };
}

/** How a ledger line moves the balance of its credit type. */
export function balanceDelta(entry: Pick<PendingLedgerEntry, 'kind' | 'amount'>): number {
  const sign: Record<LedgerEntryKind, 1 | -1> = { GRANT: 1, REFUND: 1, SPEND: -1, EXPIRE: -1, FORFEIT: -1 };
  return sign[entry.kind] * entry.amount;
}

/**
 * The balance right after each pending line, from one consistent snapshot of the account: the
 * cached balance is already past every pending line, so walk back from it.
 */
export function balancesAfterPending(
  balances: CachedBalances,
  pending: readonly Pick<PendingLedgerEntry, '_id' | 'kind' | 'amount' | 'creditType'>[],
): Map<string, number> {
  const after = new Map<string, number>();
  const running: CachedBalances = { ...balances };
  for (let index = pending.length - 1; index >= 0; index -= 1) {
    const entry = pending[index];
    if (!entry) continue;
    after.set(entry._id, running[entry.creditType]);
    running[entry.creditType] -= balanceDelta(entry);
  }
  return after;
}

/** Ledger sum per type: grants + refunds - spends - expiries - forfeits (the invariant's left side). */
export function ledgerSums(entries: readonly Pick<PendingLedgerEntry, 'kind' | 'amount' | 'creditType'>[]): CachedBalances {
  const sums = zeroBalances();
  for (const entry of entries) sums[entry.creditType] += balanceDelta(entry);
  return sums;
}

/** Buckets whose end of period has come (BIL-05): the expiry job turns their remainder into EXPIRE lines. */
export function dueBuckets<B extends Pick<CreditBucket, 'expiresAt'>>(buckets: readonly B[], now: Date): B[] {
  return buckets.filter((bucket) => !isLive(bucket, now));
}

/** Calendar month (UTC) an instant falls in, `YYYY-MM`: budgets and the fair-use cap count per month. */
export function creditMonthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** First instant of the next calendar month (UTC): when monthly counters start again. */
export function startOfNextMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** The month before, `YYYY-MM`: counters older than that are no longer needed. */
export function previousCreditMonth(at: Date): string {
  return creditMonthOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)));
}

export type UsageCounterKind = 'MEMBER' | 'API_TOKEN' | 'FAIR_USE';

/**
 * Monthly counters live under field names, which may hold neither `.` nor `$`: ids are escaped
 * so any id is a safe path segment.
 */
export function usageCounterId(kind: UsageCounterKind, subjectId: string): string {
  const escaped = subjectId.replace(/[%.$]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}~${escaped}`;
}

export function usagePath(month: string, counterId: string, creditType: CreditType): string {
  return `usage.${month}.${counterId}.${creditType}`;
}

export function usageOf(usage: MonthlyUsage | undefined, month: string, counterId: string, creditType: CreditType): number {
  return usage?.[month]?.[counterId]?.[creditType] ?? 0;
}

/**
 * Only the owner reads credits: a user their personal credits, a workspace's members its pool
 * (BIL-08). Partner tokens act for their creator's workspace and need `billing:read` (ACC-08).
 */
export function assertMayReadCredits(caller: Caller, owner: CreditOwner): void {
  if (caller.kind === 'anonymous') throw unauthenticated();
  if (caller.kind === 'apiToken' && !caller.scopes.includes('billing:read')) {
    throw forbidden('Missing scope billing:read', 'billing:read');
  }
  const isOwner = owner.ownerType === 'USER' ? caller.userId === owner.ownerId : caller.workspaceId === owner.ownerId;
  if (!isOwner) throw forbidden('Only the owner of these credits may read them');
}
