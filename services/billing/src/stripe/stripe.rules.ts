import type Stripe from 'stripe';
import type { BillingPeriod } from '../plans/plan.model';
import type { InvoicePurpose, InvoiceStatus } from '../invoices/invoice.rules';

/**
 * How Stripe objects translate to ours (BIL-16). Pure: Stripe's wire objects in, plain records
 * out. Reads the current API shape (periods on subscription items, the subscription under
 * `invoice.parent`) and falls back to the pre-2025 fields when only those are present.
 */

/** Metadata keys we put on Stripe objects to find our records again. */
export const METADATA = {
  subscriptionId: 'leadgraph_subscription_id',
  purpose: 'leadgraph_purpose',
  operationId: 'leadgraph_operation_id',
} as const;

export function fromUnixSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

export function toUnixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export const STRIPE_INTERVAL: Readonly<Record<BillingPeriod, 'month' | 'year'>> = { MONTHLY: 'month', ANNUAL: 'year' };

/** Stripe tax rates are percentages with up to 4 decimals; ours are basis points (2000 = 20 %). */
export function taxRatePercentage(rateBasisPoints: number): number {
  return rateBasisPoints / 100;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/** A pre-2025 field some servers still send: read without widening the SDK's types. */
function legacyField(object: object, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, field) ? (object as Record<string, unknown>)[field] : undefined;
}

export interface InvoiceFacts {
  stripeInvoiceId: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  /** Our subscription, from the invoice's or its subscription's metadata. */
  subscriptionId: string | null;
  purpose: InvoicePurpose;
  /** Our operation (upgrade, add-on purchase) the invoice pays for, if any. */
  operationId: string | null;
  billingReason: string | null;
  number: string | null;
  status: InvoiceStatus;
  currency: string;
  subtotalCents: number;
  vatCents: number;
  totalCents: number;
  amountDueCents: number;
  amountPaidCents: number;
  amountRemainingCents: number;
  /** The service period billed: the subscription line's period when there is one. */
  periodStart: Date;
  periodEnd: Date;
  issuedAt: Date;
  dueAt: Date;
  paidAt: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  attemptCount: number;
}

const stripeInvoiceStatuses: Readonly<Record<string, InvoiceStatus>> = {
  draft: 'DRAFT',
  open: 'OPEN',
  paid: 'PAID',
  uncollectible: 'UNCOLLECTIBLE',
  void: 'VOID',
};

const purposes: readonly InvoicePurpose[] = ['SUBSCRIPTION', 'UPGRADE', 'ADD_ON', 'LATE_CHARGES'];

function purposeOf(raw: string | undefined, fromSubscription: boolean): InvoicePurpose {
  const named = purposes.find((purpose) => purpose === raw);
  return named ?? (fromSubscription ? 'SUBSCRIPTION' : 'ADD_ON');
}

/** The parts of a Stripe invoice the mirror reads (a `Stripe.Invoice` is one). */
export type StripeInvoiceView = Pick<
  Stripe.Invoice,
  | 'id'
  | 'customer'
  | 'metadata'
  | 'billing_reason'
  | 'number'
  | 'status'
  | 'currency'
  | 'subtotal'
  | 'total'
  | 'total_taxes'
  | 'amount_due'
  | 'amount_paid'
  | 'amount_remaining'
  | 'period_start'
  | 'period_end'
  | 'created'
  | 'due_date'
  | 'hosted_invoice_url'
  | 'invoice_pdf'
  | 'attempt_count'
> & {
  parent: { subscription_details: { subscription: string | { id: string }; metadata: Record<string, string> | null } | null } | null;
  lines: { data: ReadonlyArray<{ parent: { type: string } | null; period: { start: number; end: number } }> };
  status_transitions: Pick<Stripe.Invoice.StatusTransitions, 'finalized_at' | 'paid_at'>;
};

export function invoiceFactsFrom(invoice: StripeInvoiceView): InvoiceFacts {
  const subscriptionDetails = invoice.parent?.subscription_details ?? null;
  const legacySubscription = legacyField(invoice, 'subscription');
  const stripeSubscriptionId =
    idOf(subscriptionDetails?.subscription ?? null) ?? (typeof legacySubscription === 'string' ? legacySubscription : null);
  const metadata = { ...(subscriptionDetails?.metadata ?? {}), ...(invoice.metadata ?? {}) };
  const taxes = invoice.total_taxes ?? [];
  const legacyTax = legacyField(invoice, 'tax');
  const vatCents =
    taxes.length > 0 ? taxes.reduce((sum, tax) => sum + tax.amount, 0) : typeof legacyTax === 'number' ? legacyTax : invoice.total - invoice.subtotal;
  const subscriptionLine = invoice.lines.data.find((line) => line.parent?.type === 'subscription_item_details') ?? null;
  const period = subscriptionLine?.period ?? { start: invoice.period_start, end: invoice.period_end };
  const finalizedAt = invoice.status_transitions.finalized_at;
  const paidAt = invoice.status_transitions.paid_at;
  return {
    stripeInvoiceId: invoice.id,
    stripeCustomerId: idOf(invoice.customer),
    stripeSubscriptionId,
    subscriptionId: metadata[METADATA.subscriptionId] ?? null,
    purpose: purposeOf(metadata[METADATA.purpose], stripeSubscriptionId !== null),
    operationId: invoice.metadata?.[METADATA.operationId] ?? null,
    billingReason: invoice.billing_reason,
    number: invoice.number,
    status: stripeInvoiceStatuses[invoice.status ?? 'draft'] ?? 'DRAFT',
    currency: invoice.currency.toUpperCase(),
    subtotalCents: invoice.subtotal,
    vatCents,
    totalCents: invoice.total,
    amountDueCents: invoice.amount_due,
    amountPaidCents: invoice.amount_paid,
    amountRemainingCents: invoice.amount_remaining,
    periodStart: fromUnixSeconds(period.start),
    periodEnd: fromUnixSeconds(period.end),
    issuedAt: fromUnixSeconds(finalizedAt ?? invoice.created),
    dueAt: fromUnixSeconds(invoice.due_date ?? finalizedAt ?? invoice.created),
    paidAt: paidAt ? fromUnixSeconds(paidAt) : null,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdfUrl: invoice.invoice_pdf ?? null,
    attemptCount: invoice.attempt_count,
  };
}

export interface SubscriptionFacts {
  stripeSubscriptionId: string;
  subscriptionId: string | null;
  status: Stripe.Subscription.Status;
  cancelAtPeriodEnd: boolean;
  periodStart: Date | null;
  periodEnd: Date | null;
  cancellationReason: string | null;
}

/** The parts of a Stripe subscription we read (a `Stripe.Subscription` is one). */
export type StripeSubscriptionView = Pick<Stripe.Subscription, 'id' | 'metadata' | 'status' | 'cancel_at_period_end'> & {
  items: { data: ReadonlyArray<{ current_period_start: number; current_period_end: number }> };
  cancellation_details: { reason: string | null } | null;
};

export function subscriptionFactsFrom(subscription: StripeSubscriptionView): SubscriptionFacts {
  const item = subscription.items.data[0];
  const legacyStart = legacyField(subscription, 'current_period_start');
  const legacyEnd = legacyField(subscription, 'current_period_end');
  const start = item?.current_period_start ?? (typeof legacyStart === 'number' ? legacyStart : null);
  const end = item?.current_period_end ?? (typeof legacyEnd === 'number' ? legacyEnd : null);
  return {
    stripeSubscriptionId: subscription.id,
    subscriptionId: subscription.metadata?.[METADATA.subscriptionId] ?? null,
    status: subscription.status,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    periodStart: start === null ? null : fromUnixSeconds(start),
    periodEnd: end === null ? null : fromUnixSeconds(end),
    cancellationReason: subscription.cancellation_details?.reason ?? null,
  };
}

export type PaymentMethodKind = 'CARD' | 'SEPA_DEBIT';

/** What we may keep of a payment method: its Stripe id, kind, brand and last 4 digits (BIL-16). */
export interface PaymentMethodSummary {
  stripePaymentMethodId: string;
  kind: PaymentMethodKind;
  brand: string | null;
  last4: string | null;
}

export type StripePaymentMethodView = Pick<Stripe.PaymentMethod, 'id' | 'type'> & {
  card?: { brand: string; last4: string } | undefined;
  sepa_debit?: { last4: string | null } | undefined;
};

export function paymentMethodSummaryFrom(paymentMethod: StripePaymentMethodView): PaymentMethodSummary | null {
  if (paymentMethod.type === 'card' && paymentMethod.card) {
    return { stripePaymentMethodId: paymentMethod.id, kind: 'CARD', brand: paymentMethod.card.brand, last4: paymentMethod.card.last4 };
  }
  if (paymentMethod.type === 'sepa_debit' && paymentMethod.sepa_debit) {
    return { stripePaymentMethodId: paymentMethod.id, kind: 'SEPA_DEBIT', brand: null, last4: paymentMethod.sepa_debit.last4 };
  }
  return null;
}
