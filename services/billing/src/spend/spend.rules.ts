import { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';
import { DomainError, ErrorCode, forbidden, requireAuthenticated, type Caller } from '@leadgraph/platform';
import { budgetRefusal, budgetSubjectsOf, budgetCounterId, findBudget } from '../budgets/budget.rules';
import type {
  CreditAccountDocument,
  CreditBudget,
  CreditOwner,
  CreditType,
  LedgerActor,
  LedgerPortion,
} from '../credits/credit.model';
import {
  FAIR_USE_MONTHLY_CAP,
  creditAmountSchema,
  creditMonthOf,
  idempotencyKeySchema,
  isLive,
  planDraw,
  usageCounterId,
  usageOf,
} from '../credits/credit.rules';

/** Who spends: the user, the workspace they act in (null outside one), the partner token used (null in the app). */
export interface CreditCaller {
  userId: string;
  workspaceId: string | null;
  viaApiTokenId: string | null;
}

export type WorkspacePlanKind = 'FREEMIUM' | 'PREMIUM';

/**
 * BIL-08: a workspace with a PREMIUM subscription pays from its shared pool; otherwise (FREEMIUM,
 * no workspace, unknown workspace) the user pays from their personal credits. A partner token
 * acts for its creator, so it follows the same rule.
 */
export function creditOwnerFor(caller: CreditCaller, workspacePlan: WorkspacePlanKind | null): CreditOwner {
  if (caller.workspaceId !== null && workspacePlan === 'PREMIUM') return { ownerType: 'WORKSPACE', ownerId: caller.workspaceId };
  return { ownerType: 'USER', ownerId: caller.userId };
}

/**
 * The spending identity of a graph caller: a signed-in user in their current workspace, or a
 * partner token (ACC-08: it needs `billing:read` to see what it may spend).
 */
export function creditCallerOf(caller: Caller): CreditCaller {
  const authenticated = requireAuthenticated(caller);
  if (authenticated.kind === 'user') return { userId: authenticated.userId, workspaceId: authenticated.workspaceId, viaApiTokenId: null };
  if (!authenticated.scopes.includes('billing:read')) throw forbidden('Missing scope billing:read', 'billing:read');
  return { userId: authenticated.userId, workspaceId: authenticated.workspaceId, viaApiTokenId: authenticated.tokenId };
}

const reasonSchema = z.string().trim().min(1, 'is required').max(100, 'at most 100 characters');
const creditCallerSchema = z.object({
  userId: z.string().trim().min(1, 'is required'),
  workspaceId: z.string().trim().min(1, 'is required').nullable(),
  viaApiTokenId: z.string().trim().min(1, 'is required').nullable(),
});

export const spendRequestSchema = z.object({
  idempotencyKey: idempotencyKeySchema,
  caller: creditCallerSchema,
  creditType: creditTypeSchema,
  amount: creditAmountSchema,
  reason: reasonSchema,
  reference: z.string().trim().max(200, 'at most 200 characters').nullable(),
});
export type SpendRequest = z.infer<typeof spendRequestSchema>;

export const quoteRequestSchema = spendRequestSchema.omit({ idempotencyKey: true, reason: true, reference: true });
export type QuoteRequest = z.infer<typeof quoteRequestSchema>;

export const refundRequestSchema = z.object({ spendIdempotencyKey: idempotencyKeySchema, reason: reasonSchema });
export type RefundRequest = z.infer<typeof refundRequestSchema>;

/** A spend a staff member books on an owner directly (support corrections): no caller, no budgets. */
export const ownerSpendRequestSchema = z.object({
  idempotencyKey: idempotencyKeySchema,
  creditType: creditTypeSchema,
  amount: creditAmountSchema,
  reason: reasonSchema,
  reference: z.string().trim().max(200, 'at most 200 characters').nullable(),
});
export type OwnerSpendRequest = z.infer<typeof ownerSpendRequestSchema>;

export type SpendAccountView = Pick<CreditAccountDocument, 'ownerType' | 'buckets' | 'budgets' | 'usage' | 'closed'>;

export interface SpendIntent {
  creditType: CreditType;
  amount: number;
  actor: LedgerActor;
  /** A member or token spending (budgets and fair use apply), or a staff correction (they do not). */
  limits: 'CALLER' | 'NONE';
}

export type SpendRefusalReason = 'INSUFFICIENT_CREDITS' | 'FAIR_USE_CAP_REACHED' | 'BUDGET_EXCEEDED' | 'OWNER_CLOSED';

/** A monthly counter a spend moves, and the value it must not exceed afterwards (null = no ceiling). */
export interface UsageIncrement {
  counterId: string;
  amount: number;
  ceiling: number | null;
}

/** A budget the decision relied on (or its absence), re-checked by the write's guard. */
export interface BudgetAssumption {
  subject: Pick<CreditBudget, 'subjectType' | 'subjectId'>;
  monthlyLimit: number | null;
}

export type SpendDecision =
  | { ok: true; month: string; portions: LedgerPortion[]; increments: UsageIncrement[]; budgets: BudgetAssumption[] }
  | { ok: false; reason: SpendRefusalReason; message: string };

function fairUseLeft(account: SpendAccountView, intent: SpendIntent, month: string): number {
  if (intent.limits === 'NONE') return Number.MAX_SAFE_INTEGER;
  return FAIR_USE_MONTHLY_CAP - usageOf(account.usage, month, usageCounterId('FAIR_USE', intent.actor.userId), intent.creditType);
}

/**
 * Whether a spend passes and exactly what it moves. Order of refusals: a closed owner, then the
 * administrator's budgets (FORBIDDEN: credits exist but are withheld), then the credits
 * themselves (INSUFFICIENT_CREDITS, or the fair-use cap of BIL-07).
 */
export function decideSpend(account: SpendAccountView | null, intent: SpendIntent, now: Date): SpendDecision {
  if (!account) return { ok: false, reason: 'INSUFFICIENT_CREDITS', message: `Not enough ${intent.creditType} credits` };
  if (account.closed) return { ok: false, reason: 'OWNER_CLOSED', message: `These ${intent.creditType} credits no longer exist` };
  const month = creditMonthOf(now);
  const budgetsApply = intent.limits === 'CALLER' && account.ownerType === 'WORKSPACE';
  if (budgetsApply) {
    const refusal = budgetRefusal(account.budgets, account.usage, month, intent.actor, intent.creditType, intent.amount);
    if (refusal) return { ok: false, reason: 'BUDGET_EXCEEDED', message: refusal.message };
  }
  const plan = planDraw(
    account.buckets,
    {
      creditType: intent.creditType,
      amount: intent.amount,
      viaApiToken: intent.actor.apiTokenId !== null,
      fairUseRemaining: fairUseLeft(account, intent, month),
    },
    now,
  );
  if (!plan.ok) return { ok: false, reason: plan.reason, message: plan.message };

  const increments: UsageIncrement[] = [];
  const budgets: BudgetAssumption[] = [];
  if (budgetsApply) {
    for (const subject of budgetSubjectsOf(intent.actor)) {
      const budget = findBudget(account.budgets, subject, intent.creditType);
      budgets.push({ subject, monthlyLimit: budget?.monthlyLimit ?? null });
      increments.push({ counterId: budgetCounterId(subject), amount: intent.amount, ceiling: budget?.monthlyLimit ?? null });
    }
  }
  const fromUnlimited = plan.portions.filter((portion) => portion.unlimited).reduce((sum, portion) => sum + portion.amount, 0);
  if (fromUnlimited > 0 && intent.limits === 'CALLER') {
    increments.push({ counterId: usageCounterId('FAIR_USE', intent.actor.userId), amount: fromUnlimited, ceiling: FAIR_USE_MONTHLY_CAP });
  }
  return { ok: true, month, portions: plan.portions, increments, budgets };
}

/**
 * What the caller could draw now, all limits applied: limited credits, unlimited ones within the
 * fair-use cap (never through a partner token, BIL-07), and no more than their budgets leave.
 */
export function availableToCaller(account: SpendAccountView | null, intent: Omit<SpendIntent, 'amount'>, now: Date): number {
  if (!account || account.closed) return 0;
  const month = creditMonthOf(now);
  const live = account.buckets.filter((bucket) => bucket.creditType === intent.creditType && bucket.remaining > 0 && isLive(bucket, now));
  const limited = live.filter((bucket) => !bucket.unlimited).reduce((sum, bucket) => sum + bucket.remaining, 0);
  const unlimited = live.filter((bucket) => bucket.unlimited).reduce((sum, bucket) => sum + bucket.remaining, 0);
  const viaToken = intent.actor.apiTokenId !== null;
  let available = limited + (viaToken ? 0 : Math.max(0, Math.min(unlimited, fairUseLeft(account, { ...intent, amount: 0 }, month))));
  if (intent.limits === 'CALLER' && account.ownerType === 'WORKSPACE') {
    for (const subject of budgetSubjectsOf(intent.actor)) {
      const budget = findBudget(account.budgets, subject, intent.creditType);
      if (!budget) continue;
      const used = usageOf(account.usage, month, budgetCounterId(budget), intent.creditType);
      available = Math.min(available, Math.max(0, budget.monthlyLimit - used));
    }
  }
  return available;
}

/**
 * The error a refused spend raises. Missing credits (fair use included) are INSUFFICIENT_CREDITS
 * naming the type (CON-04); an administrator's budget is FORBIDDEN with reason
 * CREDIT_BUDGET_EXCEEDED and the type: the credits exist but are withheld from this caller.
 */
export function spendRefusalError(reason: SpendRefusalReason, message: string, creditType: CreditType): DomainError {
  if (reason === 'BUDGET_EXCEEDED') return new DomainError(ErrorCode.FORBIDDEN, message, { creditType, reason: 'CREDIT_BUDGET_EXCEEDED' });
  return new DomainError(ErrorCode.INSUFFICIENT_CREDITS, message, { creditType });
}
