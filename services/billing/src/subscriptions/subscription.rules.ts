import { z } from 'zod';
import { addCalendarMonths, forbidden, HOUR_MS, requireAuthenticated, requireUser, type Caller } from '@leadgraph/platform';
import { FAIR_USE_MONTHLY_CAP, MAX_CREDIT_AMOUNT } from '../credits/credit.rules';
import { stripePaymentMethodIdSchema } from '../payment-methods/payment-method.rules';
import { addOnCreditTypes, type BillingPeriod, type CreditType, type PlanCreditAllowance, type PlanDocument, type PlanKind } from '../plans/plan.model';
import { normaliseVatNumber } from '../vat/vat.rules';
import type { ScheduledChange, SubscriptionStatus } from './subscription.model';

/**
 * Subscription rules (BIL-02, BIL-05, BIL-09, BIL-10): billing periods, what a period grants, how a
 * plan change is classified and charged, and when an end-of-term change takes effect. Pure: plain
 * inputs, no I/O, time passed in. All period arithmetic is in UTC.
 */

export const MONTHS_PER_PERIOD: Readonly<Record<BillingPeriod, number>> = { MONTHLY: 1, ANNUAL: 12 };

/** "Unlimited" credits are a fair-use grant of the monthly cap per account (seat) and month (BIL-07). */
export const FAIR_USE_CREDITS_PER_SEAT_PER_MONTH = FAIR_USE_MONTHLY_CAP;

/**
 * A grant larger than the ledger takes in one line (a big annual plan) is split into parts of at
 * most `maxPerGrant`; each part gets its own idempotency key (`<key>#<n>`), so a replay grants once.
 */
export function splitGrant(key: string, amount: number, maxPerGrant: number = MAX_CREDIT_AMOUNT): Array<{ key: string; amount: number }> {
  if (amount <= maxPerGrant) return [{ key, amount }];
  const parts: Array<{ key: string; amount: number }> = [];
  for (let offset = 0, part = 1; offset < amount; offset += maxPerGrant, part += 1) {
    parts.push({ key: `${key}#${part}`, amount: Math.min(maxPerGrant, amount - offset) });
  }
  return parts;
}

export interface PeriodBounds {
  /** 0 for the first period of the subscription. */
  index: number;
  start: Date;
  /** Exclusive: the next period starts here. */
  end: Date;
}

/**
 * Period `index` of a subscription anchored at `anchor` (the start of its first period). Counting
 * from the anchor, not from the previous end, keeps a 31st anchor on month ends: 31 Jan, 28 Feb, 31 Mar.
 */
export function periodAt(anchor: Date, billingPeriod: BillingPeriod, index: number): PeriodBounds {
  const months = MONTHS_PER_PERIOD[billingPeriod];
  return { index, start: addCalendarMonths(anchor, index * months), end: addCalendarMonths(anchor, (index + 1) * months) };
}

/** The period that contains `at` (the first one when `at` precedes the anchor). */
export function periodContaining(anchor: Date, billingPeriod: BillingPeriod, at: Date): PeriodBounds {
  let index = 0;
  let period = periodAt(anchor, billingPeriod, index);
  while (period.end.getTime() <= at.getTime()) {
    index += 1;
    period = periodAt(anchor, billingPeriod, index);
  }
  return period;
}

/** Whole calendar months from `from` until `to` (0 when less than one month is left). */
export function wholeMonthsBetween(from: Date, to: Date): number {
  let months = 0;
  while (addCalendarMonths(from, months + 1).getTime() <= to.getTime()) months += 1;
  return months;
}

export interface PeriodGrant {
  creditType: CreditType;
  amount: number;
  /** Fair-use "unlimited" credits: `amount` is the fair-use cap (BIL-07). */
  unlimited: boolean;
}

/**
 * Subscription credits for one period of `seats` seats (BIL-02: they scale with the seats). An
 * unlimited allowance becomes a flagged grant of the fair-use cap for every seat and month.
 */
export function creditsForPeriod(plan: Pick<PlanDocument, 'credits' | 'billingPeriod'>, seats: number): PeriodGrant[] {
  return plan.credits
    .map((allowance: PlanCreditAllowance) => ({
      creditType: allowance.creditType,
      amount: allowance.unlimited
        ? FAIR_USE_CREDITS_PER_SEAT_PER_MONTH * seats * MONTHS_PER_PERIOD[plan.billingPeriod]
        : (allowance.perSeat ?? 0) * seats,
      unlimited: allowance.unlimited,
    }))
    .filter((grant) => grant.amount > 0);
}

/** The terms a subscription is (or will be) billed on for one period. */
export interface SubscriptionTerms {
  planId: string;
  kind: PlanKind;
  billingPeriod: BillingPeriod;
  pricePerSeatCents: number;
  seats: number;
}

export function periodPriceCents(terms: Pick<SubscriptionTerms, 'pricePerSeatCents' | 'seats'>): number {
  return terms.pricePerSeatCents * terms.seats;
}

export type PlanChange = { kind: 'UPGRADE' } | { kind: 'DOWNGRADE' } | { kind: 'REFUSED'; field: 'planId' | 'seats'; message: string };

/**
 * Upgrade or downgrade (BIL-02, BIL-09, BIL-10). An upgrade costs more per period and takes effect
 * at once after payment; anything cheaper is a downgrade taken at the end of the period. Adding
 * seats is an upgrade, so a change that adds seats must not lower the price (the difference could
 * not be charged); the billing period cannot change inside a term (the end date never moves).
 */
export function classifyPlanChange(current: SubscriptionTerms, target: SubscriptionTerms): PlanChange {
  if (target.kind !== 'PREMIUM') return { kind: 'REFUSED', field: 'planId', message: 'planId: a subscription changes to a PREMIUM plan; to stop it, cancel it' };
  if (target.billingPeriod !== current.billingPeriod) {
    return { kind: 'REFUSED', field: 'planId', message: `planId: the billing period stays ${current.billingPeriod} for the whole term` };
  }
  if (target.planId === current.planId && target.seats === current.seats) {
    return { kind: 'REFUSED', field: 'planId', message: 'planId: the subscription already has this plan and these seats' };
  }
  const before = periodPriceCents(current);
  const after = periodPriceCents(target);
  if (after > before) return { kind: 'UPGRADE' };
  if (target.seats > current.seats) {
    return { kind: 'REFUSED', field: 'seats', message: 'seats: adding seats is an upgrade and cannot lower the price; change the plan and the seats separately' };
  }
  return { kind: 'DOWNGRADE' };
}

export interface UpgradeCharge {
  /** Excluding VAT, rounded half up to the cent. */
  amountCents: number;
  /** Months charged: the whole months left on an annual plan, 1 on a monthly one (full difference). */
  monthsCharged: number;
  /** Credits of the new plan on top of the current period's, granted once the upgrade is paid. */
  extraCredits: PeriodGrant[];
}

/**
 * What an upgrade costs and brings (BIL-09). Annual plan: the yearly price difference pro rata of
 * the WHOLE months remaining, and the extra credits pro rata of the remaining time of the period
 * (rounded down: a credit is never split). Monthly plan: the full difference and the full extra
 * credits. The period's end does not change.
 */
export function upgradeCharge(input: {
  current: SubscriptionTerms & Pick<PlanDocument, 'credits'>;
  target: SubscriptionTerms & Pick<PlanDocument, 'credits'>;
  period: Pick<PeriodBounds, 'start' | 'end'>;
  now: Date;
}): UpgradeCharge {
  const { current, target, period, now } = input;
  const difference = periodPriceCents(target) - periodPriceCents(current);
  const before = new Map(creditsForPeriod(current, current.seats).map((grant) => [grant.creditType, grant.amount]));
  const fullExtra = creditsForPeriod(target, target.seats)
    .map((grant) => ({ ...grant, amount: grant.amount - (before.get(grant.creditType) ?? 0) }))
    .filter((grant) => grant.amount > 0);
  if (target.billingPeriod === 'MONTHLY') return { amountCents: difference, monthsCharged: 1, extraCredits: fullExtra };

  const monthsCharged = wholeMonthsBetween(now, period.end);
  const periodMonths = MONTHS_PER_PERIOD[target.billingPeriod];
  const remainingMs = Math.max(0, period.end.getTime() - now.getTime());
  const periodMs = period.end.getTime() - period.start.getTime();
  return {
    amountCents: Math.round((difference * monthsCharged) / periodMonths),
    monthsCharged,
    extraCredits: fullExtra
      .map((grant) => ({ ...grant, amount: Math.floor((grant.amount * remainingMs) / periodMs) }))
      .filter((grant) => grant.amount > 0),
  };
}

/** A monthly period must be left at least 48 hours before its end (BIL-10). */
export const MONTHLY_NOTICE_HOURS = 48;
/** An annual period must be left at least one month before its end (BIL-10). */
export const ANNUAL_NOTICE_MONTHS = 1;

/** Last moment a downgrade or cancellation can still take effect at the end of the period ending at `periodEnd`. */
export function noticeDeadline(periodEnd: Date, billingPeriod: BillingPeriod): Date {
  return billingPeriod === 'MONTHLY'
    ? new Date(periodEnd.getTime() - MONTHLY_NOTICE_HOURS * HOUR_MS)
    : addCalendarMonths(periodEnd, -ANNUAL_NOTICE_MONTHS);
}

export interface EndOfTermChange {
  /** When the change takes effect: the end of the current period, or of the next one. */
  effectiveAt: Date;
  /** Index of the last period on the current terms. */
  lastPeriodIndex: number;
  /** Asked too late: the subscription first renews for the same duration (BIL-10). */
  renewsFirst: boolean;
}

/**
 * When a downgrade or cancellation asked at `now` takes effect (BIL-10): at the end of the current
 * period when asked in time, otherwise the subscription renews once on the same terms and the
 * change takes effect at the end of that renewed period.
 */
export function endOfTermChange(anchor: Date, billingPeriod: BillingPeriod, current: PeriodBounds, now: Date): EndOfTermChange {
  if (now.getTime() <= noticeDeadline(current.end, billingPeriod).getTime()) {
    return { effectiveAt: current.end, lastPeriodIndex: current.index, renewsFirst: false };
  }
  const next = periodAt(anchor, billingPeriod, current.index + 1);
  return { effectiveAt: next.end, lastPeriodIndex: next.index, renewsFirst: true };
}

/**
 * Who may change a workspace's subscription: a signed-in administrator of that workspace, never a
 * partner token (ACC-08: tokens read billing at most). Returns the workspace and the acting user.
 */
export function workspaceAdminOf(caller: Caller): { userId: string; workspaceId: string } {
  const user = requireUser(caller);
  if (!user.workspaceId) throw forbidden('Only a workspace administrator manages its subscription; create a workspace first');
  if (user.workspaceRole !== 'ADMIN') throw forbidden('Only a workspace administrator manages its subscription');
  return { userId: user.userId, workspaceId: user.workspaceId };
}

/**
 * Who may read an owner's subscription, invoices and payment methods: for a workspace its
 * administrators, for a user that user; partner tokens of the same workspace or user with
 * `billing:read` (ACC-08).
 */
export function assertMayReadBilling(caller: Caller, owner: { ownerType: 'USER' | 'WORKSPACE'; ownerId: string }): void {
  const authenticated = requireAuthenticated(caller);
  if (authenticated.kind === 'apiToken') {
    if (!authenticated.scopes.includes('billing:read')) throw forbidden('Missing scope billing:read', 'billing:read');
    const same = owner.ownerType === 'WORKSPACE' ? authenticated.workspaceId === owner.ownerId : authenticated.userId === owner.ownerId;
    if (!same) throw forbidden('This token cannot read the billing of another owner');
    return;
  }
  if (owner.ownerType === 'USER') {
    if (authenticated.userId !== owner.ownerId) throw forbidden('Only the user reads their own subscription');
    return;
  }
  if (authenticated.workspaceId !== owner.ownerId || authenticated.workspaceRole !== 'ADMIN') {
    throw forbidden("Only the workspace's administrators read its billing");
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs (validated before anything is read or written)
// ---------------------------------------------------------------------------------------------

const planIdSchema = z.string().trim().min(1, 'is required').max(100, 'is too long');
const seatsSchema = z.number().int('must be a whole number');

export const subscribeInputSchema = z.object({
  planId: planIdSchema,
  seats: seatsSchema,
  billingCountry: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'),
  vatNumber: z
    .string()
    .max(30, 'is too long')
    .transform((raw) => normaliseVatNumber(raw) || null)
    .nullable()
    .optional(),
  paymentMethodId: stripePaymentMethodIdSchema,
  /** Where invoices and notices go (formal notices BIL-14, price revisions BIL-15). */
  billingEmail: z.string().trim().toLowerCase().max(254, 'is too long').pipe(z.email('must be an e-mail address')),
});
export type SubscribeInput = z.input<typeof subscribeInputSchema>;

export const changePlanInputSchema = z
  .object({ planId: planIdSchema.optional(), seats: seatsSchema.optional() })
  .refine((input) => input.planId !== undefined || input.seats !== undefined, { message: 'give a plan, seats or both', path: ['planId'] });
export type ChangePlanInput = z.input<typeof changePlanInputSchema>;

export const cancellationModes = ['NON_RENEWAL', 'EARLY_TERMINATION'] as const;
export type CancellationMode = (typeof cancellationModes)[number];
export const cancelInputSchema = z.object({ mode: z.enum(cancellationModes).default('NON_RENEWAL') });
export type CancelInput = z.input<typeof cancelInputSchema>;

export const buyAddOnInputSchema = z.object({
  creditType: z.enum(addOnCreditTypes, { message: 'add-ons exist for PHONE, DIRECT_EMAIL and EXPORT credits' }),
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1'),
});
export type BuyAddOnInput = z.input<typeof buyAddOnInputSchema>;

export const priceRevisionAnswers = ['ACCEPT', 'KEEP_OLD_PLAN'] as const;
export const respondToPriceRevisionInputSchema = z.object({ response: z.enum(priceRevisionAnswers) });
export type RespondToPriceRevisionInput = z.input<typeof respondToPriceRevisionInputSchema>;

/** What `SubscriptionChanged` says of a subscription (the contract knows ACTIVE, SUSPENDED, CANCELLING). */
export function eventStatusOf(subscription: {
  status: SubscriptionStatus;
  scheduledChange: Pick<ScheduledChange, 'kind'> | null;
}): 'ACTIVE' | 'SUSPENDED' | 'CANCELLING' {
  if (subscription.status === 'SUSPENDED') return 'SUSPENDED';
  if (subscription.scheduledChange && subscription.scheduledChange.kind !== 'DOWNGRADE') return 'CANCELLING';
  return 'ACTIVE';
}
