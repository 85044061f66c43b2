import { addCalendarMonths, DAY_MS } from '@leadgraph/platform';
import type { BillingPeriod } from '../plans/plan.model';
import type {
  BreachSuspension,
  NonPaymentSuspension,
  PriceRevisionNotice,
  ScheduledChange,
  SubscriptionDocument,
  SubscriptionStatus,
  TerminationReason,
} from '../subscriptions/subscription.model';
import { periodAt, type PeriodBounds } from '../subscriptions/subscription.rules';

/**
 * Lifecycle rules: what happens at a period's end (renewal, downgrade, end of term: BIL-05, BIL-10,
 * BIL-11, BIL-13), suspensions and their deadlines (BIL-12 breach, BIL-14 non-payment) and price
 * revisions (BIL-15). Pure: plain inputs, time passed in.
 */

// ---------------------------------------------------------------------------------------------
// Period end
// ---------------------------------------------------------------------------------------------

export interface RenewalTerms {
  planId: string;
  seats: number;
  pricePerSeatCents: number;
}

export type RolloverDecision =
  | { kind: 'TERMINATE'; reason: TerminationReason }
  | {
      kind: 'RENEW';
      terms: RenewalTerms;
      next: PeriodBounds;
      /** Unused subscription credits carry over (BIL-05): only a plain renewal of a rollover plan. */
      carryOverUnused: boolean;
      /** The period's add-ons are bought again (BIL-06). */
      renewAddOns: boolean;
    };

export type RolloverFacts = Pick<
  SubscriptionDocument,
  'kind' | 'anchor' | 'billingPeriod' | 'currentPeriod' | 'planId' | 'seats' | 'pricePerSeatCents' | 'scheduledChange' | 'priceRevision'
>;

/**
 * What the end of the current period brings (BIL-10, BIL-11, BIL-13, BIL-15). A cancellation or
 * early termination due by now ends the subscription; a downgrade due by now renews on the
 * smaller terms without carrying credits over ("unused credits of the old period are lost");
 * otherwise the subscription renews automatically for the same duration, at the revised price
 * once a revision applies.
 */
export function decideRollover(
  subscription: RolloverFacts,
  options: { rolloverUnusedCredits: boolean; downgradePricePerSeatCents: number | null },
): RolloverDecision {
  const periodEnd = subscription.currentPeriod.end;
  const next = periodAt(subscription.anchor, subscription.billingPeriod, subscription.currentPeriod.index + 1);
  const change = dueChange(subscription.scheduledChange, periodEnd);
  if (change && change.kind !== 'DOWNGRADE') return { kind: 'TERMINATE', reason: change.terminationReason ?? 'NON_RENEWAL' };
  if (change && change.kind === 'DOWNGRADE' && change.planId && change.seats && options.downgradePricePerSeatCents !== null) {
    return {
      kind: 'RENEW',
      terms: { planId: change.planId, seats: change.seats, pricePerSeatCents: options.downgradePricePerSeatCents },
      next,
      carryOverUnused: false,
      renewAddOns: true,
    };
  }
  return {
    kind: 'RENEW',
    terms: {
      planId: subscription.planId,
      seats: subscription.seats,
      pricePerSeatCents: pricePerSeatFrom(subscription.priceRevision, next.start, subscription.pricePerSeatCents),
    },
    next,
    carryOverUnused: subscription.kind === 'PREMIUM' && options.rolloverUnusedCredits,
    renewAddOns: true,
  };
}

function dueChange(change: ScheduledChange | null, periodEnd: Date): ScheduledChange | null {
  return change && change.effectiveAt.getTime() <= periodEnd.getTime() ? change : null;
}

/** The terms of the next period, as Stripe must bill them at the renewal (null: no renewal). */
export function nextPeriodTerms(subscription: RolloverFacts, downgradePricePerSeatCents: number | null): RenewalTerms | null {
  const decision = decideRollover(subscription, { rolloverUnusedCredits: false, downgradePricePerSeatCents });
  return decision.kind === 'RENEW' ? decision.terms : null;
}

// ---------------------------------------------------------------------------------------------
// Suspensions (BIL-12, BIL-14)
// ---------------------------------------------------------------------------------------------

/** Without regularisation, a subscription suspended for breach is terminated after 3 weeks (BIL-12). */
export const BREACH_TERMINATION_DAYS = 21;
/** Without payment, a subscription is terminated 15 days after the formal notice (BIL-14). */
export const NON_PAYMENT_TERMINATION_DAYS_AFTER_NOTICE = 15;

/**
 * When a breach suspension ends the subscription: 3 weeks after the suspension (BIL-12), and never
 * before the regularisation deadline the account was given (ACC-07).
 */
export function breachTerminationAt(suspendedAt: Date, regulariseBy: Date): Date {
  return new Date(Math.max(suspendedAt.getTime() + BREACH_TERMINATION_DAYS * DAY_MS, regulariseBy.getTime()));
}

export function nonPaymentTerminationAt(formalNoticeAt: Date): Date {
  return new Date(formalNoticeAt.getTime() + NON_PAYMENT_TERMINATION_DAYS_AFTER_NOTICE * DAY_MS);
}

/** ACTIVE unless a breach or an unpaid invoice holds the subscription (both may at once). */
export function statusFromSuspensions(suspensions: { breach: BreachSuspension | null; nonPayment: NonPaymentSuspension | null }): SubscriptionStatus {
  return suspensions.breach || suspensions.nonPayment ? 'SUSPENDED' : 'ACTIVE';
}

/** Which suspension, if any, has run out by `now` (a breach first: it was the subscriber's fault). */
export function suspensionTerminationDue(
  suspensions: { breach: BreachSuspension | null; nonPayment: NonPaymentSuspension | null },
  now: Date,
): 'BREACH' | 'NON_PAYMENT' | null {
  if (suspensions.breach && suspensions.breach.terminateAt.getTime() <= now.getTime()) return 'BREACH';
  const { nonPayment } = suspensions;
  if (nonPayment?.terminateAt && nonPayment.terminateAt.getTime() <= now.getTime()) return 'NON_PAYMENT';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Price revision (BIL-15)
// ---------------------------------------------------------------------------------------------

/** The subscriber is told at least this long before the renewal where the new price applies. */
export const PRICE_REVISION_NOTICE_DAYS = 15;
/** Silence this long after the notice is acceptance. */
export const PRICE_REVISION_ANSWER_DAYS = 15;
/** A subscriber who refuses may keep the old plan (price) for at most this long. */
export const OLD_PRICE_KEPT_MAX_MONTHS = 12;

/**
 * The renewal from which a revision effective from `effectiveFrom` applies when the subscriber is
 * told at `now`: the first period end at or after `effectiveFrom` that is still at least 15 days away.
 */
export function revisionAppliesAt(input: {
  anchor: Date;
  billingPeriod: BillingPeriod;
  currentPeriodIndex: number;
  effectiveFrom: Date;
  now: Date;
}): Date {
  const earliest = input.now.getTime() + PRICE_REVISION_NOTICE_DAYS * DAY_MS;
  for (let index = input.currentPeriodIndex; ; index += 1) {
    const renewal = periodAt(input.anchor, input.billingPeriod, index).end;
    if (renewal.getTime() >= input.effectiveFrom.getTime() && renewal.getTime() >= earliest) return renewal;
  }
}

export function priceRevisionAnswerBy(noticeSentAt: Date): Date {
  return new Date(noticeSentAt.getTime() + PRICE_REVISION_ANSWER_DAYS * DAY_MS);
}

export function oldPriceKeptUntil(appliesAt: Date): Date {
  return addCalendarMonths(appliesAt, OLD_PRICE_KEPT_MAX_MONTHS);
}

/** The answer as it stands: explicit, silence past the deadline (acceptance), or still open. */
export function revisionAnswer(
  revision: Pick<PriceRevisionNotice, 'response' | 'answerBy'>,
  now: Date,
): 'ACCEPTED' | 'KEEP_OLD_PLAN' | 'ACCEPTED_BY_SILENCE' | 'AWAITING_ANSWER' {
  if (revision.response) return revision.response;
  return now.getTime() > revision.answerBy.getTime() ? 'ACCEPTED_BY_SILENCE' : 'AWAITING_ANSWER';
}

/** Why the subscriber cannot answer now, or null when they can. */
export function revisionAnswerProblem(revision: Pick<PriceRevisionNotice, 'response' | 'answerBy'> | null, now: Date): string | null {
  if (!revision) return 'there is no price revision to answer';
  if (revision.response) return `the price revision was already answered (${revision.response})`;
  if (now.getTime() > revision.answerBy.getTime()) return `the answer window closed on ${revision.answerBy.toISOString()}: silence was acceptance`;
  return null;
}

/**
 * Price per seat of the period starting at `periodStart` (BIL-15): the new price from the renewal
 * it applies at, unless the subscriber chose to keep the old plan, which holds until a year later.
 */
export function pricePerSeatFrom(revision: PriceRevisionNotice | null, periodStart: Date, currentPricePerSeatCents: number): number {
  if (!revision || periodStart.getTime() < revision.appliesAt.getTime()) return currentPricePerSeatCents;
  if (revision.response === 'KEEP_OLD_PLAN' && revision.oldPriceKeptUntil && periodStart.getTime() < revision.oldPriceKeptUntil.getTime()) {
    return revision.oldPricePerSeatCents;
  }
  return revision.newPricePerSeatCents;
}

// ---------------------------------------------------------------------------------------------
// Notices sent to the subscriber's billing address
// ---------------------------------------------------------------------------------------------

export interface NoticeMail {
  subject: string;
  text: string;
}

/** Euros with two decimals from cents, for mails (amounts are always computed in cents). */
export function formatEuros(cents: number): string {
  return `EUR ${(cents / 100).toFixed(2)}`;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** Formal notice of an unpaid invoice (BIL-14): the debt, what lateness costs, the termination date. */
export function formalNoticeMail(input: {
  invoiceNumber: string | null;
  amountDueCents: number;
  dueAt: Date;
  terminationAt: Date;
  lateInterestRateBasisPoints: number;
  recoveryFeeCents: number;
}): NoticeMail {
  const reference = input.invoiceNumber ?? 'your latest invoice';
  return {
    subject: `Formal notice: invoice ${reference} is unpaid`,
    text: [
      `The payment of invoice ${reference} (${formatEuros(input.amountDueCents)}, due ${day(input.dueAt)}) failed.`,
      'Your subscription is suspended until it is paid.',
      '',
      `Late payment costs a flat recovery fee of ${formatEuros(input.recoveryFeeCents)} and, from the 10th day of delay,`,
      `interest at ${(input.lateInterestRateBasisPoints / 100).toFixed(2)} % a year.`,
      '',
      `Without payment by ${day(input.terminationAt)}, the subscription will be terminated; the amounts due remain due.`,
    ].join('\n'),
  };
}

/** Notice of a price revision (BIL-15): new price, from when, the answer window and the options. */
export function priceRevisionNoticeMail(input: {
  planName: string;
  seats: number;
  oldPricePerSeatCents: number;
  newPricePerSeatCents: number;
  appliesAt: Date;
  answerBy: Date;
}): NoticeMail {
  return {
    subject: `The price of your ${input.planName} plan changes on ${day(input.appliesAt)}`,
    text: [
      `From your renewal on ${day(input.appliesAt)}, the ${input.planName} plan costs ${formatEuros(input.newPricePerSeatCents)} per seat`,
      `instead of ${formatEuros(input.oldPricePerSeatCents)} (${input.seats} seat(s), excluding VAT).`,
      '',
      `Without an answer by ${day(input.answerBy)}, the new price is accepted.`,
      'You may instead keep your current plan at its current price for at most one year.',
    ].join('\n'),
  };
}
