import { Schema, type Connection, type Model } from 'mongoose';
import { creditTypeSchema } from '@leadgraph/events';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';
import { billingPeriods, planKinds, type BillingPeriod, type CreditType, type PlanKind } from '../plans/plan.model';
import type { VatTreatment } from '../vat/vat.rules';

/**
 * PENDING_PAYMENT: a PREMIUM subscription waiting for its first invoice to be paid;
 * ACTIVE; SUSPENDED for breach (BIL-12) or non-payment (BIL-14); PAUSED: the FREEMIUM subscription of a
 * user who subscribed a PREMIUM one (resumed when it ends, BIL-13); TERMINATED; ABANDONED: the first
 * payment never succeeded, nothing was provided.
 */
export const subscriptionStatuses = ['PENDING_PAYMENT', 'ACTIVE', 'SUSPENDED', 'PAUSED', 'TERMINATED', 'ABANDONED'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** The reasons of the `SubscriptionTerminated` contract. */
export const terminationReasons = ['NON_RENEWAL', 'SUBSCRIBER_CHOICE', 'BREACH', 'NON_PAYMENT', 'ACCOUNT_DELETED'] as const;
export type TerminationReason = (typeof terminationReasons)[number];

export const creditOwnerKinds = ['USER', 'WORKSPACE'] as const;
export type CreditOwnerKind = (typeof creditOwnerKinds)[number];

/** Whose credits the subscription grants: the user (FREEMIUM, personal) or the workspace pool (PREMIUM, BIL-08). */
export interface SubscriptionOwner {
  ownerType: CreditOwnerKind;
  ownerId: string;
}

export interface PeriodRecord {
  index: number;
  start: Date;
  end: Date;
}

/** How the buyer is invoiced: VAT decided once at subscription from the country and VAT number (BIL-02). */
export interface BillingDetails {
  country: string;
  vatNumber: string | null;
  vatTreatment: VatTreatment;
  vatRateBasisPoints: number;
  /** Where invoices, formal notices and price-revision notices go. */
  email: string;
}

/** Stripe ids only: card data never reaches us (BIL-16). */
export interface StripeLink {
  customerId: string;
  subscriptionId: string | null;
  /** Price (plan and price per seat) the Stripe subscription bills at its next renewal. */
  renewalPriceId: string | null;
  /** Seats the Stripe subscription bills at its next renewal. */
  renewalSeats: number | null;
  /** Stripe was told not to renew (the current period is the last one). */
  cancelAtPeriodEnd: boolean;
}

export const scheduledChangeKinds = ['DOWNGRADE', 'CANCELLATION', 'EARLY_TERMINATION'] as const;
export type ScheduledChangeKind = (typeof scheduledChangeKinds)[number];

/** A change taken at the end of a period (BIL-10, BIL-11). */
export interface ScheduledChange {
  kind: ScheduledChangeKind;
  /** DOWNGRADE only. */
  planId: string | null;
  seats: number | null;
  requestedAt: Date;
  effectiveAt: Date;
  /** Asked after the notice deadline: the subscription renews once first (BIL-10). */
  renewsFirst: boolean;
  /** What the SubscriptionTerminated event will say (CANCELLATION, EARLY_TERMINATION). */
  terminationReason: TerminationReason | null;
}

export interface GrantOrder {
  /** Idempotency key of the ledger grant: replaying the order never grants twice. */
  key: string;
  creditType: CreditType;
  amount: number;
  unlimited: boolean;
  source: 'SUBSCRIPTION' | 'ADD_ON';
  expiresAt: Date;
}

/** An upgrade waiting for its one-off invoice to be paid (BIL-09). */
export interface PendingUpgrade {
  changeId: string;
  planId: string;
  seats: number;
  pricePerSeatCents: number;
  amountCents: number;
  invoiceId: string | null;
  extraCredits: Array<Pick<GrantOrder, 'creditType' | 'amount' | 'unlimited'>>;
  requestedAt: Date;
}

/** Add-on credits bought again at each renewal unless reverted to the base quantity (BIL-06). */
export interface AddOnRenewal {
  creditType: CreditType;
  quantity: number;
}

export interface BreachSuspension {
  suspendedAt: Date;
  regulariseBy: Date;
  terminateAt: Date;
}

export interface NonPaymentSuspension {
  invoiceId: string;
  failedAt: Date;
  formalNoticeAt: Date | null;
  terminateAt: Date | null;
}

export const priceRevisionResponses = ['ACCEPTED', 'KEEP_OLD_PLAN'] as const;
export type PriceRevisionResponse = (typeof priceRevisionResponses)[number];

/** A price revision the subscriber was told of (BIL-15). */
export interface PriceRevisionNotice {
  revisionId: string;
  oldPricePerSeatCents: number;
  newPricePerSeatCents: number;
  noticeSentAt: Date;
  /** The renewal from which the new price applies. */
  appliesAt: Date;
  /** Silence until then is acceptance. */
  answerBy: Date;
  response: PriceRevisionResponse | null;
  respondedAt: Date | null;
  /** KEEP_OLD_PLAN: the old price holds for renewals before this date (at most one year). */
  oldPriceKeptUntil: Date | null;
}

export interface Termination {
  reason: TerminationReason;
  at: Date;
  /** Stripe cancelled, workspace credits forfeited, FREEMIUM resumed: retried until done. */
  followUpsDone: boolean;
}

/** Add-on credits waiting for their one-off invoice to be paid (BIL-01, BIL-06). */
export interface PendingAddOnPurchase {
  operationId: string;
  creditType: CreditType;
  quantity: number;
  amountCents: number;
  invoiceId: string | null;
  /** End of the period the credits belong to (BIL-05). */
  expiresAt: Date;
  /** Bought again at a renewal (BIL-06) rather than by the subscriber. */
  renewal: boolean;
  requestedAt: Date;
}

/** Subscription credits (limited types) granted for the current period: the cap of a carry-over (BIL-05). */
export interface PeriodCredit {
  creditType: CreditType;
  amount: number;
}

export interface SubscriptionDocument extends WithOutbox {
  _id: string;
  kind: PlanKind;
  owner: SubscriptionOwner;
  subscriberUserId: string;
  workspaceId: string | null;
  /**
   * Set while the subscription lives, removed when it ends: a unique sparse index on it allows one
   * live subscription per owner without partial indexes (the embedded server has none).
   */
  liveKey?: string;
  planId: string;
  billingPeriod: BillingPeriod;
  /** Locked for the subscription; a price revision changes it at a renewal (BIL-15). */
  pricePerSeatCents: number;
  seats: number;
  status: SubscriptionStatus;
  /** Start of the first period: periods count from it. */
  anchor: Date;
  currentPeriod: PeriodRecord;
  billing: BillingDetails | null;
  stripe: StripeLink | null;
  scheduledChange: ScheduledChange | null;
  pendingUpgrade: PendingUpgrade | null;
  addOnRenewals: AddOnRenewal[];
  breach: BreachSuspension | null;
  nonPayment: NonPaymentSuspension | null;
  priceRevision: PriceRevisionNotice | null;
  pendingAddOns: PendingAddOnPurchase[];
  periodCredits: PeriodCredit[];
  /** Grants decided with a state change and not yet confirmed written to the ledger. */
  pendingGrants: GrantOrder[];
  termination: Termination | null;
  /** Processing restricted at the subscriber's request (PRV-02, PRV-05): contract and legal obligations only. */
  processingRestrictedAt?: Date | null;
  /**
   * Why it is restricted (PRV-05): the RESTRICTION request ids and/or `LEGAL_RETENTION` (an erasure).
   * Absent on records restricted before causes were recorded: those are never lifted.
   */
  processingRestrictedBy?: string[];
  createdAt: Date;
  updatedAt: Date;
}

const periodSchema = new Schema<PeriodRecord>({ index: Number, start: Date, end: Date }, { _id: false });
const grantOrderSchema = new Schema<GrantOrder>(
  {
    key: String,
    creditType: { type: String, enum: creditTypeSchema.options },
    amount: Number,
    unlimited: Boolean,
    source: { type: String, enum: ['SUBSCRIPTION', 'ADD_ON'] },
    expiresAt: Date,
  },
  { _id: false },
);

const subscriptionSchema = new Schema<SubscriptionDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: planKinds, required: true },
    owner: {
      type: new Schema<SubscriptionOwner>({ ownerType: { type: String, enum: creditOwnerKinds }, ownerId: String }, { _id: false }),
      required: true,
    },
    subscriberUserId: { type: String, required: true },
    workspaceId: { type: String, default: null },
    liveKey: { type: String },
    planId: { type: String, required: true },
    billingPeriod: { type: String, enum: billingPeriods, required: true },
    pricePerSeatCents: { type: Number, required: true },
    seats: { type: Number, required: true },
    status: { type: String, enum: subscriptionStatuses, required: true },
    anchor: { type: Date, required: true },
    currentPeriod: { type: periodSchema, required: true },
    billing: {
      type: new Schema<BillingDetails>(
        { country: String, vatNumber: String, vatTreatment: String, vatRateBasisPoints: Number, email: String },
        { _id: false },
      ),
      default: null,
    },
    stripe: {
      type: new Schema<StripeLink>(
        { customerId: String, subscriptionId: String, renewalPriceId: String, renewalSeats: Number, cancelAtPeriodEnd: Boolean },
        { _id: false },
      ),
      default: null,
    },
    scheduledChange: {
      type: new Schema<ScheduledChange>(
        {
          kind: { type: String, enum: scheduledChangeKinds },
          planId: String,
          seats: Number,
          requestedAt: Date,
          effectiveAt: Date,
          renewsFirst: Boolean,
          terminationReason: { type: String, enum: [...terminationReasons, null] },
        },
        { _id: false },
      ),
      default: null,
    },
    pendingUpgrade: {
      type: new Schema<PendingUpgrade>(
        {
          changeId: String,
          planId: String,
          seats: Number,
          pricePerSeatCents: Number,
          amountCents: Number,
          invoiceId: String,
          extraCredits: [new Schema({ creditType: String, amount: Number, unlimited: Boolean }, { _id: false })],
          requestedAt: Date,
        },
        { _id: false },
      ),
      default: null,
    },
    addOnRenewals: {
      type: [new Schema<AddOnRenewal>({ creditType: { type: String, enum: creditTypeSchema.options }, quantity: Number }, { _id: false })],
      default: [],
    },
    breach: {
      type: new Schema<BreachSuspension>({ suspendedAt: Date, regulariseBy: Date, terminateAt: Date }, { _id: false }),
      default: null,
    },
    nonPayment: {
      type: new Schema<NonPaymentSuspension>(
        { invoiceId: String, failedAt: Date, formalNoticeAt: Date, terminateAt: Date },
        { _id: false },
      ),
      default: null,
    },
    priceRevision: {
      type: new Schema<PriceRevisionNotice>(
        {
          revisionId: String,
          oldPricePerSeatCents: Number,
          newPricePerSeatCents: Number,
          noticeSentAt: Date,
          appliesAt: Date,
          answerBy: Date,
          response: { type: String, enum: [...priceRevisionResponses, null] },
          respondedAt: Date,
          oldPriceKeptUntil: Date,
        },
        { _id: false },
      ),
      default: null,
    },
    pendingAddOns: {
      type: [
        new Schema<PendingAddOnPurchase>(
          {
            operationId: String,
            creditType: { type: String, enum: creditTypeSchema.options },
            quantity: Number,
            amountCents: Number,
            invoiceId: String,
            expiresAt: Date,
            renewal: Boolean,
            requestedAt: Date,
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    periodCredits: {
      type: [new Schema<PeriodCredit>({ creditType: { type: String, enum: creditTypeSchema.options }, amount: Number }, { _id: false })],
      default: [],
    },
    pendingGrants: { type: [grantOrderSchema], default: [] },
    termination: {
      type: new Schema<Termination>(
        { reason: { type: String, enum: terminationReasons }, at: Date, followUpsDone: Boolean },
        { _id: false },
      ),
      default: null,
    },
    processingRestrictedAt: { type: Date, default: null },
    // No default: an absent list tells records restricted before causes were recorded.
    processingRestrictedBy: { type: [String], default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'subscriptions', versionKey: false },
);
subscriptionSchema.index({ liveKey: 1 }, { unique: true, sparse: true });
subscriptionSchema.index({ 'owner.ownerType': 1, 'owner.ownerId': 1, createdAt: -1 });
subscriptionSchema.index({ subscriberUserId: 1 });
subscriptionSchema.index({ status: 1, 'currentPeriod.end': 1 });
subscriptionSchema.index({ 'stripe.subscriptionId': 1 }, { sparse: true });
subscriptionSchema.index({ 'pendingGrants.key': 1 }, { sparse: true });
subscriptionSchema.index({ 'termination.followUpsDone': 1 }, { sparse: true });
// The records one restriction request restricted, when it is lifted (PRV-05).
subscriptionSchema.index({ processingRestrictedBy: 1 }, { sparse: true });
addOutboxIndex(subscriptionSchema);

export type SubscriptionModel = Model<SubscriptionDocument>;

export function subscriptionModel(connection: Connection): SubscriptionModel {
  return (
    (connection.models.Subscription as SubscriptionModel | undefined) ??
    connection.model<SubscriptionDocument>('Subscription', subscriptionSchema)
  );
}

/** The live-subscription key of an owner: one FREEMIUM per user, one PREMIUM per workspace. */
export function liveKeyOf(owner: SubscriptionOwner): string {
  return `${owner.ownerType}:${owner.ownerId}`;
}
