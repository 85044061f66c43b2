import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import { InvoiceType } from '../invoices/invoice.types';
import { revisionAnswer } from '../lifecycle/lifecycle.rules';
import { BillingPeriodGql, PlanKindGql, VatTreatmentGql } from '../plans/plan.types';
import type { PriceRevisionNotice, ScheduledChange, SubscriptionDocument } from './subscription.model';
import { periodPriceCents } from './subscription.rules';

export enum SubscriptionStatusGql {
  PENDING_PAYMENT = 'PENDING_PAYMENT',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  PAUSED = 'PAUSED',
  TERMINATED = 'TERMINATED',
  ABANDONED = 'ABANDONED',
}
registerEnumType(SubscriptionStatusGql, {
  name: 'SubscriptionStatus',
  valuesConfig: {
    PENDING_PAYMENT: { description: 'Waiting for the first invoice to be paid' },
    SUSPENDED: { description: 'Suspended for breach (BIL-12) or non-payment (BIL-14)' },
    PAUSED: { description: 'A FREEMIUM subscription while its user pays a PREMIUM one' },
    ABANDONED: { description: 'The first payment never succeeded' },
  },
});

export enum ScheduledChangeKindGql {
  DOWNGRADE = 'DOWNGRADE',
  CANCELLATION = 'CANCELLATION',
  EARLY_TERMINATION = 'EARLY_TERMINATION',
}
registerEnumType(ScheduledChangeKindGql, { name: 'ScheduledChangeKind' });

export enum SuspensionCauseGql {
  BREACH = 'BREACH',
  NON_PAYMENT = 'NON_PAYMENT',
}
registerEnumType(SuspensionCauseGql, { name: 'SuspensionCause' });

export enum TerminationReasonGql {
  NON_RENEWAL = 'NON_RENEWAL',
  SUBSCRIBER_CHOICE = 'SUBSCRIBER_CHOICE',
  BREACH = 'BREACH',
  NON_PAYMENT = 'NON_PAYMENT',
  ACCOUNT_DELETED = 'ACCOUNT_DELETED',
}
registerEnumType(TerminationReasonGql, { name: 'TerminationReason' });

export enum PriceRevisionAnswerGql {
  AWAITING_ANSWER = 'AWAITING_ANSWER',
  ACCEPTED = 'ACCEPTED',
  ACCEPTED_BY_SILENCE = 'ACCEPTED_BY_SILENCE',
  KEEP_OLD_PLAN = 'KEEP_OLD_PLAN',
}
registerEnumType(PriceRevisionAnswerGql, { name: 'PriceRevisionAnswer' });

export enum PriceRevisionResponseGql {
  ACCEPT = 'ACCEPT',
  KEEP_OLD_PLAN = 'KEEP_OLD_PLAN',
}
registerEnumType(PriceRevisionResponseGql, { name: 'PriceRevisionResponse' });

export enum CancellationModeGql {
  NON_RENEWAL = 'NON_RENEWAL',
  EARLY_TERMINATION = 'EARLY_TERMINATION',
}
registerEnumType(CancellationModeGql, {
  name: 'CancellationMode',
  valuesConfig: {
    NON_RENEWAL: { description: 'Ends at the end of the period if asked in time (48 h monthly, 1 month annual), else after one more (BIL-10)' },
    EARLY_TERMINATION: { description: 'Ends the contract now: nothing refunded, amounts due stay due, service until the period ends (BIL-11)' },
  },
});

export enum ChangeOutcomeGql {
  APPLIED = 'APPLIED',
  SCHEDULED = 'SCHEDULED',
  PAYMENT_PENDING = 'PAYMENT_PENDING',
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
}
registerEnumType(ChangeOutcomeGql, {
  name: 'ChangeOutcome',
  valuesConfig: {
    APPLIED: { description: 'In effect now' },
    SCHEDULED: { description: 'Takes effect at the end of a period' },
    PAYMENT_PENDING: { description: 'Takes effect once Stripe confirms the payment' },
    PAYMENT_DECLINED: { description: 'The payment was declined; nothing changed and the invoice was voided' },
  },
});

export enum AddOnCreditTypeGql {
  PHONE = 'PHONE',
  DIRECT_EMAIL = 'DIRECT_EMAIL',
  EXPORT = 'EXPORT',
}
registerEnumType(AddOnCreditTypeGql, { name: 'AddOnCreditType', description: 'Credit types sold as add-ons (BIL-01)' });

@ObjectType('ScheduledChange', { description: 'A change taken at the end of a period (BIL-10, BIL-11)' })
export class ScheduledChangeType {
  @Field(() => ScheduledChangeKindGql)
  kind!: ScheduledChangeKindGql;

  @Field(() => ID, { nullable: true, description: 'DOWNGRADE: the plan from the change on' })
  planId!: string | null;

  @Field(() => Int, { nullable: true })
  seats!: number | null;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => Date)
  effectiveAt!: Date;

  @Field(() => Boolean, { description: 'Asked after the notice deadline: the subscription renews once first' })
  renewsFirst!: boolean;

  static from(change: ScheduledChange): ScheduledChangeType {
    return Object.assign(new ScheduledChangeType(), {
      kind: change.kind as ScheduledChangeKindGql,
      planId: change.planId,
      seats: change.seats,
      requestedAt: change.requestedAt,
      effectiveAt: change.effectiveAt,
      renewsFirst: change.renewsFirst,
    });
  }
}

@ObjectType('PendingUpgrade', { description: 'An upgrade waiting for its invoice to be paid (BIL-09)' })
export class PendingUpgradeType {
  @Field(() => ID)
  planId!: string;

  @Field(() => Int)
  seats!: number;

  @Field(() => Int, { description: 'Excluding VAT' })
  amountCents!: number;

  @Field(() => Date)
  requestedAt!: Date;
}

@ObjectType('PriceRevisionNotice', { description: 'A new price the subscriber was told of (BIL-15)' })
export class PriceRevisionNoticeType {
  @Field(() => Int)
  oldPricePerSeatCents!: number;

  @Field(() => Int)
  newPricePerSeatCents!: number;

  @Field(() => Date)
  noticeSentAt!: Date;

  @Field(() => Date, { description: 'The renewal from which the new price applies' })
  appliesAt!: Date;

  @Field(() => Date, { description: 'Silence until then is acceptance' })
  answerBy!: Date;

  @Field(() => PriceRevisionAnswerGql)
  answer!: PriceRevisionAnswerGql;

  @Field(() => Date, { nullable: true, description: 'Old plan kept: its price holds for renewals before this date (at most one year)' })
  oldPriceKeptUntil!: Date | null;

  static from(notice: PriceRevisionNotice, now: Date): PriceRevisionNoticeType {
    return Object.assign(new PriceRevisionNoticeType(), {
      oldPricePerSeatCents: notice.oldPricePerSeatCents,
      newPricePerSeatCents: notice.newPricePerSeatCents,
      noticeSentAt: notice.noticeSentAt,
      appliesAt: notice.appliesAt,
      answerBy: notice.answerBy,
      answer: revisionAnswer(notice, now) as PriceRevisionAnswerGql,
      oldPriceKeptUntil: notice.oldPriceKeptUntil,
    });
  }
}

@ObjectType('AddOnRenewal', { description: 'Add-on credits bought again at each renewal (BIL-06)' })
export class AddOnRenewalType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  quantity!: number;
}

@ObjectType('BillingSubscription', { description: 'A FREEMIUM or PREMIUM subscription: plan, seats, status, period, scheduled changes' })
export class SubscriptionType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  planId!: string;

  @Field(() => PlanKindGql)
  kind!: PlanKindGql;

  @Field(() => SubscriptionStatusGql)
  status!: SubscriptionStatusGql;

  @Field(() => Int)
  seats!: number;

  @Field(() => BillingPeriodGql)
  billingPeriod!: BillingPeriodGql;

  @Field(() => Int, { description: 'EUR cents per seat per period, excluding VAT, as locked for this subscription' })
  pricePerSeatCents!: number;

  @Field(() => Int, { description: 'seats x price per seat, excluding VAT' })
  periodPriceCents!: number;

  @Field(() => VatTreatmentGql, { nullable: true })
  vatTreatment!: VatTreatmentGql | null;

  @Field(() => Int, { nullable: true })
  vatRateBasisPoints!: number | null;

  @Field(() => Date)
  currentPeriodStart!: Date;

  @Field(() => Date)
  currentPeriodEnd!: Date;

  @Field(() => ScheduledChangeType, { nullable: true })
  scheduledChange!: ScheduledChangeType | null;

  @Field(() => PendingUpgradeType, { nullable: true })
  pendingUpgrade!: PendingUpgradeType | null;

  @Field(() => [SuspensionCauseGql])
  suspendedFor!: SuspensionCauseGql[];

  @Field(() => Date, { nullable: true, description: 'When a suspension will end the subscription if not settled' })
  terminationDueAt!: Date | null;

  @Field(() => PriceRevisionNoticeType, { nullable: true })
  priceRevision!: PriceRevisionNoticeType | null;

  @Field(() => [AddOnRenewalType])
  addOnRenewals!: AddOnRenewalType[];

  @Field(() => TerminationReasonGql, { nullable: true })
  terminationReason!: TerminationReasonGql | null;

  @Field(() => Date, { nullable: true })
  terminatedAt!: Date | null;

  static from(subscription: SubscriptionDocument, now: Date): SubscriptionType {
    const suspendedFor: SuspensionCauseGql[] = [];
    if (subscription.breach) suspendedFor.push(SuspensionCauseGql.BREACH);
    if (subscription.nonPayment) suspendedFor.push(SuspensionCauseGql.NON_PAYMENT);
    const deadlines = [subscription.breach?.terminateAt, subscription.nonPayment?.terminateAt].filter((date): date is Date => date instanceof Date);
    const pending = subscription.pendingUpgrade;
    return Object.assign(new SubscriptionType(), {
      id: subscription._id,
      planId: subscription.planId,
      kind: subscription.kind as PlanKindGql,
      status: subscription.status as SubscriptionStatusGql,
      seats: subscription.seats,
      billingPeriod: subscription.billingPeriod as BillingPeriodGql,
      pricePerSeatCents: subscription.pricePerSeatCents,
      periodPriceCents: periodPriceCents(subscription),
      vatTreatment: (subscription.billing?.vatTreatment as VatTreatmentGql | undefined) ?? null,
      vatRateBasisPoints: subscription.billing?.vatRateBasisPoints ?? null,
      currentPeriodStart: subscription.currentPeriod.start,
      currentPeriodEnd: subscription.currentPeriod.end,
      scheduledChange: subscription.scheduledChange ? ScheduledChangeType.from(subscription.scheduledChange) : null,
      pendingUpgrade: pending
        ? Object.assign(new PendingUpgradeType(), { planId: pending.planId, seats: pending.seats, amountCents: pending.amountCents, requestedAt: pending.requestedAt })
        : null,
      suspendedFor,
      terminationDueAt: deadlines.length > 0 ? new Date(Math.min(...deadlines.map((date) => date.getTime()))) : null,
      priceRevision: subscription.priceRevision ? PriceRevisionNoticeType.from(subscription.priceRevision, now) : null,
      addOnRenewals: subscription.addOnRenewals.map((renewal) =>
        Object.assign(new AddOnRenewalType(), { creditType: renewal.creditType as CreditTypeGql, quantity: renewal.quantity }),
      ),
      terminationReason: (subscription.termination?.reason as TerminationReasonGql | undefined) ?? null,
      terminatedAt: subscription.termination?.at ?? null,
    });
  }
}

@ObjectType('Charge', { description: 'What a mutation charged: the invoice Stripe issued' })
export class ChargeType {
  @Field(() => InvoiceType)
  invoice!: InvoiceType;

  @Field(() => String, { nullable: true, description: "The bank's reason when the payment was declined" })
  declineCode!: string | null;

  @Field(() => Int, { nullable: true, description: 'Upgrade of an annual plan: whole months charged (BIL-09)' })
  monthsCharged!: number | null;
}

@ObjectType('SubscriptionChangePayload')
export class SubscriptionChangePayloadType {
  @Field(() => SubscriptionType)
  subscription!: SubscriptionType;

  @Field(() => ChangeOutcomeGql)
  outcome!: ChangeOutcomeGql;

  @Field(() => ChargeType, { nullable: true, description: 'Null when nothing was charged' })
  charge!: ChargeType | null;
}

@InputType('SubscribeInput')
export class SubscribeInputType {
  @Field(() => ID)
  planId!: string;

  @Field(() => Int)
  seats!: number;

  @Field(() => String, { description: 'ISO 3166-1 alpha-2 country of the subscriber (VAT)' })
  billingCountry!: string;

  @Field(() => String, { nullable: true, description: 'EU VAT number of a business subscriber (reverse charge)' })
  vatNumber?: string | null;

  @Field(() => ID, { description: 'Stripe payment method (card or SEPA debit) tokenised by Stripe.js' })
  paymentMethodId!: string;

  @Field(() => String, { description: 'Where invoices and notices are sent' })
  billingEmail!: string;
}

@InputType('ChangePlanInput')
export class ChangePlanInputType {
  @Field(() => ID, { nullable: true, description: 'Defaults to the current plan' })
  planId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Defaults to the current seats' })
  seats?: number | null;
}

@InputType('CancelSubscriptionInput')
export class CancelSubscriptionInputType {
  @Field(() => CancellationModeGql, { defaultValue: CancellationModeGql.NON_RENEWAL })
  mode!: CancellationModeGql;
}

@InputType('BuyAddOnCreditsInput')
export class BuyAddOnCreditsInputType {
  @Field(() => AddOnCreditTypeGql)
  creditType!: AddOnCreditTypeGql;

  @Field(() => Int)
  quantity!: number;
}

@InputType('RespondToPriceRevisionInput')
export class RespondToPriceRevisionInputType {
  @Field(() => PriceRevisionResponseGql)
  response!: PriceRevisionResponseGql;
}
