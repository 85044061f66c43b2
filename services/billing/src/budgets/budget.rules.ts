import { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';
import { forbidden, type UserCaller } from '@leadgraph/platform';
import {
  budgetSubjectTypes,
  type CreditBucket,
  type CreditBudget,
  type CreditOwner,
  type CreditType,
  type LedgerActor,
  type MonthlyUsage,
} from '../credits/credit.model';
import { MAX_CREDIT_AMOUNT, isLive, usageCounterId, usageOf } from '../credits/credit.rules';

/** Usage levels announced with `CreditThresholdReached`: of a monthly budget or of the pool. */
export const THRESHOLD_PERCENTS = [75, 90, 100] as const;
export type ThresholdPercent = (typeof THRESHOLD_PERCENTS)[number];

/** `monthlyLimit: null` removes the budget. 0 is a real limit: the subject may spend nothing. */
export const creditBudgetInputSchema = z.object({
  subjectType: z.enum(budgetSubjectTypes),
  subjectId: z.string().trim().min(1, 'is required').max(200, 'at most 200 characters'),
  creditType: creditTypeSchema,
  monthlyLimit: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(MAX_CREDIT_AMOUNT, `at most ${MAX_CREDIT_AMOUNT}`)
    .nullable(),
});
export type CreditBudgetInput = z.infer<typeof creditBudgetInputSchema>;

/** Budgets are set by the administrators of the workspace whose pool they cap. */
export function assertMayManageBudgets(caller: Pick<UserCaller, 'workspaceId' | 'workspaceRole'>, workspaceId: string): void {
  if (caller.workspaceId !== workspaceId || caller.workspaceRole !== 'ADMIN') {
    throw forbidden('Only the workspace administrators manage its credit budgets');
  }
}

/** The counter a budget is measured on. */
export function budgetCounterId(budget: Pick<CreditBudget, 'subjectType' | 'subjectId'>): string {
  return usageCounterId(budget.subjectType, budget.subjectId);
}

/** A spend counts against the acting member's budget and, through a token, also the token's. */
export function budgetSubjectsOf(actor: LedgerActor): Array<Pick<CreditBudget, 'subjectType' | 'subjectId'>> {
  const subjects: Array<Pick<CreditBudget, 'subjectType' | 'subjectId'>> = [{ subjectType: 'MEMBER', subjectId: actor.userId }];
  if (actor.apiTokenId) subjects.push({ subjectType: 'API_TOKEN', subjectId: actor.apiTokenId });
  return subjects;
}

export function findBudget(
  budgets: readonly CreditBudget[],
  subject: Pick<CreditBudget, 'subjectType' | 'subjectId'>,
  creditType: CreditType,
): CreditBudget | null {
  return (
    budgets.find(
      (budget) => budget.subjectType === subject.subjectType && budget.subjectId === subject.subjectId && budget.creditType === creditType,
    ) ?? null
  );
}

export interface BudgetRefusal {
  budget: CreditBudget;
  used: number;
  message: string;
}

/**
 * The first monthly budget a spend would overrun, or null. A budget caps what a member or a token
 * draws from the workspace pool; a refusal is FORBIDDEN (the credits exist, the administrator
 * withholds them), not INSUFFICIENT_CREDITS.
 */
export function budgetRefusal(
  budgets: readonly CreditBudget[],
  usage: MonthlyUsage | undefined,
  month: string,
  actor: LedgerActor,
  creditType: CreditType,
  amount: number,
): BudgetRefusal | null {
  for (const subject of budgetSubjectsOf(actor)) {
    const budget = findBudget(budgets, subject, creditType);
    if (!budget) continue;
    const used = usageOf(usage, month, budgetCounterId(budget), creditType);
    if (used + amount > budget.monthlyLimit) {
      const who = budget.subjectType === 'MEMBER' ? 'this member' : 'this API token';
      return {
        budget,
        used,
        message: `The monthly budget of ${budget.monthlyLimit} ${creditType} credits for ${who} is reached (${used} used this month)`,
      };
    }
  }
  return null;
}

/** The highest threshold `used` out of `limit` has reached, or null below the first. */
export function reachedThreshold(used: number, limit: number): ThresholdPercent | null {
  // A zero budget forbids everything: there is no share of it to announce.
  if (limit <= 0) return null;
  let reached: ThresholdPercent | null = null;
  for (const percent of THRESHOLD_PERCENTS) if (used * 100 >= percent * limit) reached = percent;
  return reached;
}

export type ThresholdScope = 'POOL' | 'MEMBER_BUDGET' | 'API_TOKEN_BUDGET';

export interface ThresholdCrossing {
  /** Marks of this threshold and the lower ones, remembered so each is announced once. */
  marks: string[];
  scope: ThresholdScope;
  subjectId: string | null;
  creditType: CreditType;
  thresholdPercent: ThresholdPercent;
  limit: number;
  used: number;
  /** `YYYY-MM` for budgets; null for the pool (which lives as long as its grants). */
  month: string | null;
}

export interface ThresholdSnapshot extends CreditOwner {
  buckets: ReadonlyArray<Pick<CreditBucket, 'grantId' | 'creditType' | 'unlimited' | 'granted' | 'remaining' | 'expiresAt' | 'grantedAt'>>;
  budgets: readonly CreditBudget[];
  usage: MonthlyUsage;
  thresholdMarks: readonly string[];
}

function crossing(
  base: Omit<ThresholdCrossing, 'marks' | 'thresholdPercent'>,
  markPrefix: string,
  known: ReadonlySet<string>,
): ThresholdCrossing | null {
  const percent = reachedThreshold(base.used, base.limit);
  if (percent === null) return null;
  const mark = (value: ThresholdPercent) => `${markPrefix}|${value}`;
  if (known.has(mark(percent))) return null;
  const marks = THRESHOLD_PERCENTS.filter((value) => value <= percent).map(mark);
  return { ...base, marks, thresholdPercent: percent };
}

/**
 * Thresholds reached and not yet announced, judged on the account's state (not on one spend), so
 * a relay pass that crashed and runs again announces exactly what is missing. Only the highest
 * level reached is announced; the lower ones are marked with it.
 *  - a monthly budget, in each month given (those of the spends being copied);
 *  - the pool of each credit type: used share of its live, limited grants (unlimited credits have
 *    the fair-use cap instead), marked per newest grant so a new period announces again.
 */
export function thresholdsReached(snapshot: ThresholdSnapshot, months: readonly string[], now: Date): ThresholdCrossing[] {
  const known = new Set(snapshot.thresholdMarks);
  const found: ThresholdCrossing[] = [];
  for (const month of months) {
    for (const budget of snapshot.budgets) {
      const used = usageOf(snapshot.usage, month, budgetCounterId(budget), budget.creditType);
      const scope: ThresholdScope = budget.subjectType === 'MEMBER' ? 'MEMBER_BUDGET' : 'API_TOKEN_BUDGET';
      const prefix = `${scope}|${budget.subjectId}|${budget.creditType}|${month}|${budget.monthlyLimit}`;
      const reached = crossing({ scope, subjectId: budget.subjectId, creditType: budget.creditType, limit: budget.monthlyLimit, used, month }, prefix, known);
      if (reached) found.push(reached);
    }
  }
  const creditTypes = [...new Set(snapshot.buckets.map((bucket) => bucket.creditType))];
  for (const creditType of creditTypes) {
    const live = snapshot.buckets.filter((bucket) => bucket.creditType === creditType && !bucket.unlimited && isLive(bucket, now));
    const limit = live.reduce((sum, bucket) => sum + bucket.granted, 0);
    if (limit === 0) continue;
    const used = limit - live.reduce((sum, bucket) => sum + bucket.remaining, 0);
    const newest = [...live].sort((a, b) => b.grantedAt.getTime() - a.grantedAt.getTime() || (a.grantId < b.grantId ? 1 : -1))[0];
    const prefix = `POOL|${creditType}|${newest?.grantId ?? ''}`;
    const reached = crossing({ scope: 'POOL', subjectId: null, creditType, limit, used, month: null }, prefix, known);
    if (reached) found.push(reached);
  }
  return found;
}
