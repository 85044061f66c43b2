/**
 * Invoices, invoice items and payments: how an invoice is built from lines, finalized (number,
 * customer balance), charged to a payment method (test cards decline as Stripe's do) and what a
 * paid or failed payment does to its subscription (activation, past_due, dunning).
 */
import { z } from 'zod';
import { DAY_SECONDS, invoiceTotals, lineTaxes } from './billing-math';
import { mergeMetadata, pageParams, requireCustomer, requirePaymentMethod, requirePrice, requireTaxRates } from './common';
import { createPriceFromData } from './catalog';
import { paymentMethodDeclineCode } from './customers';
import { previousAttributes, type StripeEngine } from './engine';
import { CommittedStripeApiError, StripeApiError, badState, noSuch } from './errors';
import { baseParams, formBool, formClearable, formInt, formMetadata, formNumber, formPositiveInt, parseParams } from './form';
import { pathParam, type Route, type RouteContext } from './route';
import { isDeleted, newId, newestFirst, paginate, randomToken } from './state';
import type {
  CustomerWire,
  DeletedWire,
  InvoiceItemWire,
  InvoiceLineWire,
  InvoiceWire,
  PaymentIntentWire,
  PaymentMethodWire,
  SubscriptionWire,
  TaxRateWire,
} from './wire';

export function requireInvoice(engine: StripeEngine, id: string, param = 'invoice'): InvoiceWire {
  const invoice = engine.state.invoices.get(id);
  if (!invoice || isDeleted(invoice)) throw noSuch('invoice', id, param);
  return invoice;
}

export function subscriptionOfInvoice(engine: StripeEngine, invoice: InvoiceWire): SubscriptionWire | undefined {
  const id = invoice.parent?.subscription_details.subscription;
  return id === undefined ? undefined : engine.state.subscriptions.get(id);
}

export interface NewInvoiceOptions {
  billingReason: InvoiceWire['billing_reason'];
  subscription?: SubscriptionWire | undefined;
  collectionMethod?: InvoiceWire['collection_method'] | undefined;
  autoAdvance: boolean;
  currency: string;
  defaultPaymentMethod?: string | null | undefined;
  defaultTaxRates?: TaxRateWire[] | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  daysUntilDue?: number | undefined;
  periodStart?: number | undefined;
  periodEnd?: number | undefined;
}

/** A draft invoice without lines (the caller adds them, then `recomputeInvoice`). */
export function newInvoice(engine: StripeEngine, customer: CustomerWire, options: NewInvoiceOptions): InvoiceWire {
  const id = newId('in');
  const now = engine.now();
  const subscription = options.subscription;
  const invoice: InvoiceWire = {
    id,
    object: 'invoice',
    account_country: 'FR',
    account_name: 'leadgraph (local Stripe)',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: options.autoAdvance,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: options.billingReason,
    collection_method: options.collectionMethod ?? subscription?.collection_method ?? 'charge_automatically',
    created: now,
    currency: options.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt,
    customer_tax_ids: customer.tax_ids.data.map((taxId) => ({ type: taxId.type, value: taxId.value })),
    default_payment_method: options.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: options.defaultTaxRates ?? subscription?.default_tax_rates ?? [],
    description: options.description ?? null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: customer.invoice_settings.footer,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: options.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: structuredClone(subscription.metadata), subscription: subscription.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: options.periodEnd ?? now,
    period_start: options.periodStart ?? now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
    paid_out_of_band: false,
    tax: null,
    subscription: subscription?.id ?? null,
    payment_intent: null,
  };
  if (invoice.collection_method === 'send_invoice') {
    invoice.due_date = now + (options.daysUntilDue ?? subscription?.days_until_due ?? 30) * DAY_SECONDS;
  }
  engine.state.invoices.set(id, invoice);
  return invoice;
}

export interface LineInput {
  amount: number;
  description: string;
  period: { start: number; end: number };
  quantity: number | null;
  priceId: string | null;
  productId: string | null;
  unitAmount: number | null;
  taxRates: TaxRateWire[];
  metadata?: Record<string, string>;
  proration: boolean;
  /** The line bills a subscription item (else an invoice item). */
  subscriptionItem?: { subscription: string; item: string } | undefined;
  invoiceItem?: { id: string; subscription: string | null } | undefined;
}

export function addLine(invoice: InvoiceWire, input: LineInput): InvoiceLineWire {
  const rates = input.taxRates.length > 0 ? input.taxRates : invoice.default_tax_rates;
  const line: InvoiceLineWire = {
    id: newId('il'),
    object: 'line_item',
    amount: input.amount,
    currency: invoice.currency,
    description: input.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: input.metadata ?? {},
    parent: input.invoiceItem
      ? {
          type: 'invoice_item_details',
          subscription_item_details: null,
          invoice_item_details: {
            invoice_item: input.invoiceItem.id,
            proration: input.proration,
            proration_details: input.proration ? { credited_items: null } : null,
            subscription: input.invoiceItem.subscription,
          },
        }
      : {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: input.proration,
            proration_details: input.proration ? { credited_items: null } : null,
            subscription: input.subscriptionItem?.subscription ?? '',
            subscription_item: input.subscriptionItem?.item ?? '',
          },
        },
    period: input.period,
    pretax_credit_amounts: [],
    pricing:
      input.priceId && input.productId
        ? {
            type: 'price_details',
            price_details: { price: input.priceId, product: input.productId },
            unit_amount_decimal: input.unitAmount === null ? null : String(input.unitAmount),
          }
        : null,
    quantity: input.quantity,
    subscription: input.subscriptionItem?.subscription ?? input.invoiceItem?.subscription ?? null,
    subtotal: input.amount,
    taxes: lineTaxes(input.amount, rates),
    tax_rates: rates,
  };
  invoice.lines.data.push(line);
  invoice.lines.total_count = invoice.lines.data.length;
  return line;
}

export function lineFromInvoiceItem(invoice: InvoiceWire, item: InvoiceItemWire): void {
  item.invoice = invoice.id;
  addLine(invoice, {
    amount: item.amount,
    description: item.description ?? '',
    period: item.period,
    quantity: item.quantity,
    priceId: item.pricing?.price_details.price ?? null,
    productId: item.pricing?.price_details.product ?? null,
    unitAmount: item.pricing?.unit_amount_decimal ? Number(item.pricing.unit_amount_decimal) : null,
    taxRates: item.tax_rates,
    metadata: item.metadata,
    proration: item.proration,
    invoiceItem: { id: item.id, subscription: item.parent?.subscription_details.subscription ?? null },
  });
}

/** Totals of a draft from its lines (a finalized invoice's amounts are fixed). */
export function recomputeInvoice(invoice: InvoiceWire): void {
  for (const line of invoice.lines.data) {
    const rates = line.tax_rates.length > 0 ? line.tax_rates : invoice.default_tax_rates;
    line.taxes = lineTaxes(line.amount, rates);
  }
  const totals = invoiceTotals(invoice.lines.data);
  invoice.subtotal = totals.subtotal;
  invoice.subtotal_excluding_tax = totals.subtotalExcludingTax;
  invoice.total = totals.total;
  invoice.total_excluding_tax = totals.totalExcludingTax;
  invoice.total_taxes = totals.totalTaxes;
  invoice.tax = totals.totalTaxes.length > 0 ? totals.tax : null;
  invoice.amount_due = Math.max(totals.total, 0);
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
}

/** Pending invoice items of a customer (optionally only those of one subscription) join the invoice. */
export function pullPendingItems(engine: StripeEngine, invoice: InvoiceWire, subscriptionId: string | null): void {
  for (const item of engine.state.invoiceItems.values()) {
    if (isDeleted(item) || item.invoice !== null || item.customer !== invoice.customer) continue;
    const itemSubscription = item.parent?.subscription_details.subscription ?? null;
    if (subscriptionId !== null && itemSubscription !== subscriptionId) continue;
    lineFromInvoiceItem(invoice, item);
  }
}

function customerOf(engine: StripeEngine, invoice: InvoiceWire): CustomerWire {
  return requireCustomer(engine, invoice.customer);
}

/**
 * draft -> open: number from the customer's sequence, customer balance applied, snapshot of the
 * customer's details; a zero amount due is paid at once. `invoice.finalized` is emitted.
 */
export function finalizeInvoice(engine: StripeEngine, invoice: InvoiceWire): void {
  if (invoice.status !== 'draft') throw badState(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`);
  const customer = customerOf(engine, invoice);
  recomputeInvoice(invoice);
  const now = engine.now();
  invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
  customer.next_invoice_sequence += 1;
  invoice.starting_balance = customer.balance;
  const net = invoice.total + customer.balance;
  invoice.amount_due = Math.max(net, 0);
  invoice.amount_remaining = invoice.amount_due;
  invoice.ending_balance = net < 0 ? net : 0;
  customer.balance = invoice.ending_balance;
  invoice.customer_address = customer.address;
  invoice.customer_email = customer.email;
  invoice.customer_name = customer.name;
  invoice.customer_phone = customer.phone;
  invoice.customer_tax_exempt = customer.tax_exempt;
  invoice.customer_tax_ids = customer.tax_ids.data.map((taxId) => ({ type: taxId.type, value: taxId.value }));
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  invoice.webhooks_delivered_at = now;
  engine.emit('invoice.finalized', invoice);
  if (invoice.amount_due === 0) markInvoicePaid(engine, invoice, { outOfBand: false });
}

/** open -> paid; activates a subscription waiting on this payment. */
export function markInvoicePaid(engine: StripeEngine, invoice: InvoiceWire, options: { outOfBand: boolean }): void {
  const now = engine.now();
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  invoice.next_payment_attempt = null;
  invoice.paid_out_of_band = options.outOfBand;
  for (const payment of invoice.payments.data) {
    if (payment.status === 'open') {
      payment.status = 'paid';
      payment.amount_paid = invoice.amount_paid;
      payment.status_transitions.paid_at = now;
    }
  }
  engine.emit('invoice.paid', invoice);
  if (!options.outOfBand && invoice.attempted) engine.emit('invoice.payment_succeeded', invoice);
  refreshDelinquency(engine, invoice.customer);
  const subscription = subscriptionOfInvoice(engine, invoice);
  if (subscription && ['incomplete', 'past_due', 'unpaid'].includes(subscription.status)) {
    const before = structuredClone(subscription);
    subscription.status = subscription.trial_end !== null && subscription.trial_end > now ? 'trialing' : 'active';
    engine.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));
  }
}

function refreshDelinquency(engine: StripeEngine, customerId: string): void {
  const customer = engine.state.customers.get(customerId);
  if (!customer || isDeleted(customer)) return;
  customer.delinquent = [...engine.state.invoices.values()].some(
    (invoice) => !isDeleted(invoice) && invoice.customer === customerId && invoice.status === 'open' && invoice.attempt_count > 0,
  );
}

export interface PaymentFailure {
  code: string;
  declineCode: string | null;
  message: string;
  paymentMethodId: string | null;
}

const DECLINE_MESSAGES: Record<string, { code: string; message: string }> = {
  generic_decline: { code: 'card_declined', message: 'Your card was declined.' },
  insufficient_funds: { code: 'card_declined', message: 'Your card has insufficient funds.' },
  expired_card: { code: 'expired_card', message: 'Your card has expired.' },
  fraudulent: { code: 'card_declined', message: 'Your card was declined.' },
};

function declineFailure(declineCode: string, paymentMethodId: string | null): PaymentFailure {
  const known = DECLINE_MESSAGES[declineCode] ?? { code: 'card_declined', message: 'Your card was declined.' };
  return { code: known.code, declineCode, message: known.message, paymentMethodId };
}

/** The payment method an automatic charge uses: invoice's, then subscription's, then customer's default. */
function chargeablePaymentMethod(engine: StripeEngine, invoice: InvoiceWire, override: string | undefined): PaymentMethodWire | null {
  if (override) return requirePaymentMethod(engine, override, 'payment_method');
  const subscription = subscriptionOfInvoice(engine, invoice);
  const customer = customerOf(engine, invoice);
  const id = invoice.default_payment_method ?? subscription?.default_payment_method ?? customer.invoice_settings.default_payment_method;
  return id ? (engine.state.paymentMethods.get(id) ?? null) : null;
}

/** Decides a charge: a test-control outcome queued for the customer wins, then the payment method's behaviour. */
function decideCharge(engine: StripeEngine, customerId: string, paymentMethod: PaymentMethodWire | null): PaymentFailure | null {
  const forced = engine.state.forcedChargeOutcomes.get(customerId)?.shift();
  if (forced?.outcome === 'fail') return declineFailure(forced.declineCode, paymentMethod?.id ?? null);
  if (!paymentMethod || paymentMethod.customer !== customerId) {
    if (forced?.outcome === 'succeed') return null;
    return {
      code: 'resource_missing',
      declineCode: null,
      message: 'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
      paymentMethodId: null,
    };
  }
  if (forced?.outcome === 'succeed') return null;
  const declineCode = paymentMethodDeclineCode(paymentMethod);
  return declineCode ? declineFailure(declineCode, paymentMethod.id) : null;
}

function recordPaymentIntent(engine: StripeEngine, invoice: InvoiceWire, paymentMethod: PaymentMethodWire | null, failure: PaymentFailure | null): PaymentIntentWire {
  const existing = invoice.payment_intent ? engine.state.paymentIntents.get(invoice.payment_intent) : undefined;
  const paymentIntent: PaymentIntentWire = existing ?? {
    id: newId('pi'),
    object: 'payment_intent',
    amount: invoice.amount_remaining,
    amount_received: 0,
    created: engine.now(),
    currency: invoice.currency,
    customer: invoice.customer,
    description: invoice.billing_reason.startsWith('subscription') ? 'Subscription update' : null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    payment_method: null,
    payment_method_types: ['card', 'sepa_debit'],
    status: 'requires_payment_method',
  };
  paymentIntent.amount = invoice.amount_remaining;
  paymentIntent.payment_method = paymentMethod?.id ?? null;
  if (failure) {
    paymentIntent.status = 'requires_payment_method';
    paymentIntent.last_payment_error = {
      type: failure.code === 'resource_missing' ? 'invalid_request_error' : 'card_error',
      code: failure.code,
      decline_code: failure.declineCode,
      message: failure.message,
      payment_method: failure.paymentMethodId,
    };
  } else {
    paymentIntent.status = 'succeeded';
    paymentIntent.amount_received = invoice.amount_remaining;
    paymentIntent.latest_charge = `ch_${randomToken(24)}`;
    paymentIntent.last_payment_error = null;
  }
  engine.state.paymentIntents.set(paymentIntent.id, paymentIntent);
  if (!existing) {
    invoice.payment_intent = paymentIntent.id;
    invoice.payments.data.push({
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_remaining,
      created: engine.now(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: paymentIntent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    });
    invoice.payments.total_count = invoice.payments.data.length;
  }
  return paymentIntent;
}

export interface AttemptOptions {
  /** An automatic collection (subscription cycle, retry) rather than an `invoices.pay` call. */
  automatic: boolean;
  paymentMethodId?: string | undefined;
}

/** Charges an open invoice's remaining amount; null when paid, else why it failed. */
export function attemptInvoicePayment(engine: StripeEngine, invoice: InvoiceWire, options: AttemptOptions): PaymentFailure | null {
  if (invoice.status !== 'open') throw badState(`Invoice ${invoice.id} is ${invoice.status}; only open invoices can be paid.`);
  if (invoice.amount_remaining === 0) {
    markInvoicePaid(engine, invoice, { outOfBand: false });
    return null;
  }
  const paymentMethod = chargeablePaymentMethod(engine, invoice, options.paymentMethodId);
  const failure = decideCharge(engine, invoice.customer, paymentMethod);
  recordPaymentIntent(engine, invoice, paymentMethod, failure);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (!failure) {
    markInvoicePaid(engine, invoice, { outOfBand: false });
    return null;
  }
  afterFailedPayment(engine, invoice, options.automatic);
  engine.emit('invoice.payment_failed', invoice);
  refreshDelinquency(engine, invoice.customer);
  return failure;
}

/**
 * A failed automatic charge: a renewal puts its subscription past_due and schedules retries
 * (`dunning.retryDelaysDays`); after the last one the subscription is canceled, unpaid or left
 * past_due (`dunning.afterFinalFailure`). A first invoice never retries (the subscription stays
 * incomplete until paid or expired).
 */
function afterFailedPayment(engine: StripeEngine, invoice: InvoiceWire, automatic: boolean): void {
  if (!automatic) return;
  const subscription = subscriptionOfInvoice(engine, invoice);
  invoice.next_payment_attempt = null;
  if (invoice.billing_reason === 'subscription_create') return;
  if (subscription && (subscription.status === 'active' || subscription.status === 'trialing')) {
    const before = structuredClone(subscription);
    subscription.status = 'past_due';
    engine.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));
  }
  if (!invoice.auto_advance) return;
  const { retryDelaysDays, afterFinalFailure } = engine.options.dunning;
  const delay = retryDelaysDays[invoice.attempt_count - 1];
  if (delay !== undefined) {
    invoice.next_payment_attempt = engine.now() + delay * DAY_SECONDS;
    return;
  }
  if (!subscription || subscription.status === 'canceled') return;
  if (afterFinalFailure === 'cancel') endSubscription(engine, subscription, 'payment_failed');
  else if (afterFinalFailure === 'unpaid') {
    const before = structuredClone(subscription);
    subscription.status = 'unpaid';
    engine.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));
  }
}

/** Ends a subscription now (`customer.subscription.deleted`); its open invoices stop retrying. */
export function endSubscription(engine: StripeEngine, subscription: SubscriptionWire, reason: 'cancellation_requested' | 'payment_failed' | null): void {
  const now = engine.now();
  subscription.status = 'canceled';
  subscription.ended_at = now;
  subscription.canceled_at = subscription.canceled_at ?? now;
  subscription.cancel_at = null;
  subscription.cancellation_details.reason = subscription.cancellation_details.reason ?? reason;
  for (const invoice of engine.state.invoices.values()) {
    if (!isDeleted(invoice) && invoice.parent?.subscription_details.subscription === subscription.id) invoice.next_payment_attempt = null;
  }
  engine.emit('customer.subscription.deleted', subscription);
}

/** An invoice the API refuses to pay: Stripe's 402 card error, recorded (attempt, events) before answering. */
export function paymentError(engine: StripeEngine, invoice: InvoiceWire, failure: PaymentFailure): StripeApiError {
  const paymentIntent = invoice.payment_intent ? engine.state.paymentIntents.get(invoice.payment_intent) : undefined;
  if (failure.code === 'resource_missing') {
    return new CommittedStripeApiError(400, { type: 'invalid_request_error', code: failure.code, message: failure.message });
  }
  return new CommittedStripeApiError(402, {
    type: 'card_error',
    code: failure.code,
    ...(failure.declineCode ? { decline_code: failure.declineCode } : {}),
    message: failure.message,
    ...(paymentIntent ? { payment_intent: structuredClone(paymentIntent) } : {}),
  });
}

// ---- invoice items ----

const priceDataParam = z
  .object({ currency: z.string().transform((value) => value.toLowerCase()), product: z.string(), unit_amount: formInt.optional(), unit_amount_decimal: formNumber.optional() })
  .strict();

const invoiceItemCreateSchema = z
  .object({
    ...baseParams,
    customer: z.string().optional(),
    amount: formInt.optional(),
    currency: z.string().transform((value) => value.toLowerCase()).optional(),
    description: z.string().optional(),
    discountable: formBool.optional(),
    invoice: z.string().optional(),
    metadata: formMetadata.optional(),
    period: z.object({ start: formInt, end: formInt }).strict().optional(),
    price_data: priceDataParam.optional(),
    pricing: z.object({ price: z.string() }).strict().optional(),
    quantity: formPositiveInt.optional(),
    subscription: z.string().optional(),
    tax_rates: z.array(z.string()).optional(),
    unit_amount_decimal: formNumber.optional(),
    tax_behavior: z.enum(['exclusive', 'inclusive', 'unspecified']).optional(),
  })
  .strict();

function createInvoiceItem(context: RouteContext): InvoiceItemWire {
  const { engine } = context;
  const params = parseParams(invoiceItemCreateSchema, context.params);
  const invoice = params.invoice ? requireInvoice(engine, params.invoice) : undefined;
  const customerId = params.customer ?? invoice?.customer;
  if (!customerId) throw badState('Missing required param: customer.', 'customer');
  const customer = requireCustomer(engine, customerId);
  if (invoice && invoice.customer !== customer.id) throw badState('The invoice belongs to another customer.', 'invoice');
  if (invoice && invoice.status !== 'draft') throw badState('You can only add invoice items to draft invoices.', 'invoice');
  const quantity = params.quantity ?? 1;
  let unitAmount: number | null = null;
  let pricing: InvoiceItemWire['pricing'] = null;
  let currency = params.currency ?? invoice?.currency ?? customer.currency ?? 'eur';
  if (params.pricing) {
    const price = requirePrice(engine, params.pricing.price, 'pricing[price]');
    unitAmount = price.unit_amount;
    currency = price.currency;
    pricing = { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.unit_amount) };
  } else if (params.price_data) {
    // Inline price data becomes an inactive price of the product, as Stripe stores it.
    const price = createPriceFromData(engine, params.price_data.product, {
      currency: params.price_data.currency,
      unit_amount: params.price_data.unit_amount,
      unit_amount_decimal: params.price_data.unit_amount_decimal,
    });
    price.active = false;
    unitAmount = price.unit_amount;
    currency = price.currency;
    pricing = { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.unit_amount) };
  } else if (params.unit_amount_decimal !== undefined) {
    unitAmount = Math.round(params.unit_amount_decimal);
  }
  const amount = params.amount ?? (unitAmount === null ? undefined : unitAmount * quantity);
  if (amount === undefined) throw badState('Missing required param: amount (or pricing[price], price_data, unit_amount_decimal).', 'amount');
  if (invoice && invoice.currency !== currency) throw badState(`The invoice is in ${invoice.currency}, the item in ${currency}.`, 'currency');
  const subscription = params.subscription ? engine.state.subscriptions.get(params.subscription) : undefined;
  if (params.subscription && !subscription) throw noSuch('subscription', params.subscription, 'subscription');
  const now = engine.now();
  const item: InvoiceItemWire = {
    id: newId('ii'),
    object: 'invoiceitem',
    amount,
    currency,
    customer: customer.id,
    customer_account: null,
    date: now,
    description: params.description ?? null,
    discountable: params.discountable ?? true,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: mergeMetadata({}, params.metadata),
    parent: subscription ? { type: 'subscription_details', subscription_details: { subscription: subscription.id, subscription_item: null } } : null,
    period: params.period ?? { start: now, end: now },
    pricing,
    proration: false,
    quantity,
    tax_rates: requireTaxRates(engine, params.tax_rates ?? [], 'tax_rates'),
    test_clock: null,
  };
  engine.state.invoiceItems.set(item.id, item);
  if (invoice) {
    lineFromInvoiceItem(invoice, item);
    recomputeInvoice(invoice);
  }
  engine.emit('invoiceitem.created', item);
  return item;
}

/** Pending items (not yet on an invoice) created by the engine, e.g. prorations. */
export function createPendingItem(
  engine: StripeEngine,
  input: { customer: string; subscription: string; subscriptionItem: string | null; amount: number; currency: string; description: string; period: { start: number; end: number }; priceId: string; productId: string; quantity: number; proration: boolean; taxRates: TaxRateWire[] },
): InvoiceItemWire {
  const item: InvoiceItemWire = {
    id: newId('ii'),
    object: 'invoiceitem',
    amount: input.amount,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    date: engine.now(),
    description: input.description,
    discountable: false,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    parent: { type: 'subscription_details', subscription_details: { subscription: input.subscription, subscription_item: input.subscriptionItem } },
    period: input.period,
    pricing: { type: 'price_details', price_details: { price: input.priceId, product: input.productId }, unit_amount_decimal: null },
    proration: input.proration,
    quantity: input.quantity,
    tax_rates: input.taxRates,
    test_clock: null,
  };
  engine.state.invoiceItems.set(item.id, item);
  engine.emit('invoiceitem.created', item);
  return item;
}

function requireInvoiceItem(context: RouteContext): InvoiceItemWire {
  const id = pathParam(context, 'id');
  const item = context.engine.state.invoiceItems.get(id);
  if (!item || isDeleted(item)) throw noSuch('invoiceitem', id, 'id');
  return item;
}

function draftInvoiceOf(context: RouteContext, item: InvoiceItemWire): InvoiceWire | undefined {
  if (item.invoice === null) return undefined;
  const invoice = requireInvoice(context.engine, item.invoice);
  if (invoice.status !== 'draft') throw badState('This invoice item is on a finalized invoice and can no longer be changed.');
  return invoice;
}

function updateInvoiceItem(context: RouteContext): InvoiceItemWire {
  const params = parseParams(
    z.object({ ...baseParams, amount: formInt.optional(), description: z.string().optional(), metadata: formMetadata.optional(), quantity: formPositiveInt.optional() }).strict(),
    context.params,
  );
  const item = requireInvoiceItem(context);
  const invoice = draftInvoiceOf(context, item);
  if (params.quantity !== undefined) {
    const unit = item.pricing?.unit_amount_decimal ? Number(item.pricing.unit_amount_decimal) : item.amount / item.quantity;
    item.quantity = params.quantity;
    item.amount = Math.round(unit * params.quantity);
  }
  if (params.amount !== undefined) item.amount = params.amount;
  if (params.description !== undefined) item.description = params.description;
  item.metadata = mergeMetadata(item.metadata, params.metadata);
  if (invoice) {
    const line = invoice.lines.data.find((candidate) => candidate.parent.invoice_item_details?.invoice_item === item.id);
    if (line) {
      line.amount = item.amount;
      line.subtotal = item.amount;
      line.quantity = item.quantity;
      line.description = item.description;
      line.metadata = item.metadata;
    }
    recomputeInvoice(invoice);
  }
  return item;
}

function deleteInvoiceItem(context: RouteContext): DeletedWire {
  const item = requireInvoiceItem(context);
  const invoice = draftInvoiceOf(context, item);
  if (invoice) {
    invoice.lines.data = invoice.lines.data.filter((line) => line.parent.invoice_item_details?.invoice_item !== item.id);
    invoice.lines.total_count = invoice.lines.data.length;
    recomputeInvoice(invoice);
  }
  const deleted: DeletedWire = { id: item.id, object: 'invoiceitem', deleted: true };
  context.engine.state.invoiceItems.set(item.id, deleted);
  return deleted;
}

function listInvoiceItems(context: RouteContext) {
  const params = parseParams(
    z.object({ ...baseParams, ...pageParams, customer: z.string().optional(), invoice: z.string().optional(), pending: formBool.optional() }).strict(),
    context.params,
  );
  const items = newestFirst(context.engine.state.invoiceItems).filter(
    (item): item is InvoiceItemWire =>
      !isDeleted(item) &&
      (params.customer === undefined || item.customer === params.customer) &&
      (params.invoice === undefined || item.invoice === params.invoice) &&
      (params.pending === undefined || (item.invoice === null) === params.pending),
  );
  return paginate(items, params, context.url);
}

// ---- invoices ----

const invoiceCreateSchema = z
  .object({
    ...baseParams,
    customer: z.string(),
    auto_advance: formBool.optional(),
    collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
    currency: z.string().transform((value) => value.toLowerCase()).optional(),
    days_until_due: formPositiveInt.optional(),
    default_payment_method: z.string().optional(),
    default_tax_rates: z.array(z.string()).optional(),
    description: z.string().optional(),
    footer: z.string().optional(),
    metadata: formMetadata.optional(),
    pending_invoice_items_behavior: z.enum(['include', 'exclude']).optional(),
    subscription: z.string().optional(),
    payment_settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

function createInvoice(context: RouteContext): InvoiceWire {
  const { engine } = context;
  const params = parseParams(invoiceCreateSchema, context.params);
  const customer = requireCustomer(engine, params.customer);
  const subscription = params.subscription ? engine.state.subscriptions.get(params.subscription) : undefined;
  if (params.subscription && !subscription) throw noSuch('subscription', params.subscription, 'subscription');
  if (params.default_payment_method) requirePaymentMethod(engine, params.default_payment_method, 'default_payment_method');
  const invoice = newInvoice(engine, customer, {
    billingReason: 'manual',
    subscription,
    collectionMethod: params.collection_method ?? 'charge_automatically',
    autoAdvance: params.auto_advance ?? false,
    currency: params.currency ?? customer.currency ?? subscription?.currency ?? 'eur',
    defaultPaymentMethod: params.default_payment_method,
    defaultTaxRates: params.default_tax_rates ? requireTaxRates(engine, params.default_tax_rates, 'default_tax_rates') : [],
    description: params.description,
    metadata: mergeMetadata({}, params.metadata),
    daysUntilDue: params.days_until_due,
  });
  if (params.footer !== undefined) invoice.footer = params.footer;
  // Since 2025 API versions Stripe leaves pending items out unless asked to include them.
  if (params.pending_invoice_items_behavior === 'include') pullPendingItems(engine, invoice, params.subscription ?? null);
  recomputeInvoice(invoice);
  if (invoice.auto_advance) invoice.automatically_finalizes_at = engine.now() + 3600;
  engine.emit('invoice.created', invoice);
  return invoice;
}

function updateInvoice(context: RouteContext): InvoiceWire {
  const { engine } = context;
  const params = parseParams(
    z
      .object({
        ...baseParams,
        auto_advance: formBool.optional(),
        collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
        days_until_due: formPositiveInt.optional(),
        default_payment_method: formClearable.optional(),
        default_tax_rates: z.union([z.literal(''), z.array(z.string())]).optional(),
        description: formClearable.optional(),
        footer: formClearable.optional(),
        metadata: formMetadata.optional(),
      })
      .strict(),
    context.params,
  );
  const invoice = requireInvoice(engine, pathParam(context, 'id'), 'id');
  const onlyMetadata = Object.keys(params).every((key) => key === 'metadata' || key === 'expand');
  if (invoice.status !== 'draft' && !onlyMetadata && params.auto_advance === undefined) {
    throw badState('Finalized invoices can only update metadata, auto_advance and a few other fields.');
  }
  if (params.auto_advance !== undefined) invoice.auto_advance = params.auto_advance;
  if (params.collection_method !== undefined) invoice.collection_method = params.collection_method;
  if (params.days_until_due !== undefined) invoice.due_date = engine.now() + params.days_until_due * DAY_SECONDS;
  if (params.default_payment_method !== undefined) {
    if (params.default_payment_method !== null) requirePaymentMethod(engine, params.default_payment_method, 'default_payment_method');
    invoice.default_payment_method = params.default_payment_method;
  }
  if (params.default_tax_rates !== undefined) {
    invoice.default_tax_rates = params.default_tax_rates === '' ? [] : requireTaxRates(engine, params.default_tax_rates, 'default_tax_rates');
  }
  if (params.description !== undefined) invoice.description = params.description;
  if (params.footer !== undefined) invoice.footer = params.footer;
  invoice.metadata = mergeMetadata(invoice.metadata, params.metadata);
  if (invoice.status === 'draft') {
    recomputeInvoice(invoice);
    invoice.automatically_finalizes_at = invoice.auto_advance ? (invoice.automatically_finalizes_at ?? engine.now() + 3600) : null;
  }
  return invoice;
}

function deleteInvoice(context: RouteContext): DeletedWire {
  const { engine } = context;
  const invoice = requireInvoice(engine, pathParam(context, 'id'), 'id');
  if (invoice.status !== 'draft') throw badState('You can only delete draft invoices; void a finalized invoice instead.');
  for (const item of engine.state.invoiceItems.values()) if (!isDeleted(item) && item.invoice === invoice.id) item.invoice = null;
  engine.emit('invoice.deleted', invoice);
  const deleted: DeletedWire = { id: invoice.id, object: 'invoice', deleted: true };
  engine.state.invoices.set(invoice.id, deleted);
  return deleted;
}

function finalizeRoute(context: RouteContext): InvoiceWire {
  const { engine } = context;
  const params = parseParams(z.object({ ...baseParams, auto_advance: formBool.optional() }).strict(), context.params);
  const invoice = requireInvoice(engine, pathParam(context, 'id'), 'invoice');
  if (params.auto_advance !== undefined) invoice.auto_advance = params.auto_advance;
  finalizeInvoice(engine, invoice);
  // Stripe collects auto-advancing invoices shortly after finalization, asynchronously: here when the clock next moves.
  if (invoice.status === 'open' && invoice.auto_advance && invoice.collection_method === 'charge_automatically') {
    invoice.next_payment_attempt = engine.now();
  }
  return invoice;
}

function payRoute(context: RouteContext): InvoiceWire {
  const { engine } = context;
  const params = parseParams(
    z
      .object({
        ...baseParams,
        paid_out_of_band: formBool.optional(),
        payment_method: z.string().optional(),
        off_session: formBool.optional(),
        forgive: formBool.optional(),
        mandate: z.string().optional(),
      })
      .strict(),
    context.params,
  );
  const invoice = requireInvoice(engine, pathParam(context, 'id'), 'invoice');
  if (invoice.status === 'draft') finalizeInvoice(engine, invoice);
  if (invoice.status === 'paid') {
    if (invoice.amount_paid === 0 && invoice.attempt_count === 0) return invoice;
    throw badState('Invoice is already paid.');
  }
  if (invoice.status !== 'open') throw badState(`This invoice is ${invoice.status} and can no longer be paid.`);
  if (params.paid_out_of_band) {
    markInvoicePaid(engine, invoice, { outOfBand: true });
    return invoice;
  }
  const failure = attemptInvoicePayment(engine, invoice, { automatic: false, paymentMethodId: params.payment_method });
  if (failure) throw paymentError(engine, invoice, failure);
  return invoice;
}

function voidRoute(context: RouteContext): InvoiceWire {
  parseParams(z.object(baseParams).strict(), context.params);
  const invoice = requireInvoice(context.engine, pathParam(context, 'id'), 'invoice');
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw badState(`You can only void open or uncollectible invoices (this one is ${invoice.status}).`);
  invoice.status = 'void';
  invoice.status_transitions.voided_at = context.engine.now();
  invoice.next_payment_attempt = null;
  invoice.amount_remaining = 0;
  context.engine.emit('invoice.voided', invoice);
  refreshDelinquency(context.engine, invoice.customer);
  return invoice;
}

function markUncollectibleRoute(context: RouteContext): InvoiceWire {
  parseParams(z.object(baseParams).strict(), context.params);
  const invoice = requireInvoice(context.engine, pathParam(context, 'id'), 'invoice');
  if (invoice.status !== 'open') throw badState(`You can only mark open invoices uncollectible (this one is ${invoice.status}).`);
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = context.engine.now();
  invoice.next_payment_attempt = null;
  context.engine.emit('invoice.marked_uncollectible', invoice);
  return invoice;
}

function listInvoices(context: RouteContext) {
  const params = parseParams(
    z
      .object({
        ...baseParams,
        ...pageParams,
        customer: z.string().optional(),
        subscription: z.string().optional(),
        status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
        collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
      })
      .strict(),
    context.params,
  );
  const invoices = newestFirst(context.engine.state.invoices).filter(
    (invoice): invoice is InvoiceWire =>
      !isDeleted(invoice) &&
      (params.customer === undefined || invoice.customer === params.customer) &&
      (params.subscription === undefined || invoice.parent?.subscription_details.subscription === params.subscription) &&
      (params.status === undefined || invoice.status === params.status) &&
      (params.collection_method === undefined || invoice.collection_method === params.collection_method),
  );
  return paginate(invoices, params, context.url);
}

const retrieveOnly = z.object(baseParams).strict();

export const invoiceRoutes: Route[] = [
  { method: 'POST', pattern: '/v1/invoiceitems', handle: createInvoiceItem },
  { method: 'GET', pattern: '/v1/invoiceitems', handle: listInvoiceItems },
  { method: 'GET', pattern: '/v1/invoiceitems/:id', handle: (context) => (parseParams(retrieveOnly, context.params), requireInvoiceItem(context)) },
  { method: 'POST', pattern: '/v1/invoiceitems/:id', handle: updateInvoiceItem },
  { method: 'DELETE', pattern: '/v1/invoiceitems/:id', handle: deleteInvoiceItem },
  { method: 'POST', pattern: '/v1/invoices', handle: createInvoice },
  { method: 'GET', pattern: '/v1/invoices', handle: listInvoices },
  {
    method: 'GET',
    pattern: '/v1/invoices/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const id = pathParam(context, 'id');
      const invoice = context.engine.state.invoices.get(id);
      if (!invoice) throw noSuch('invoice', id, 'id');
      return invoice;
    },
  },
  { method: 'POST', pattern: '/v1/invoices/:id', handle: updateInvoice },
  { method: 'DELETE', pattern: '/v1/invoices/:id', handle: deleteInvoice },
  {
    method: 'GET',
    pattern: '/v1/invoices/:id/lines',
    handle: (context) => {
      const params = parseParams(z.object({ ...baseParams, ...pageParams }).strict(), context.params);
      const invoice = requireInvoice(context.engine, pathParam(context, 'id'), 'invoice');
      return paginate(invoice.lines.data, params, context.url);
    },
  },
  { method: 'POST', pattern: '/v1/invoices/:id/finalize', handle: finalizeRoute },
  { method: 'POST', pattern: '/v1/invoices/:id/pay', handle: payRoute },
  { method: 'POST', pattern: '/v1/invoices/:id/void', handle: voidRoute },
  { method: 'POST', pattern: '/v1/invoices/:id/mark_uncollectible', handle: markUncollectibleRoute },
  {
    method: 'GET',
    pattern: '/v1/payment_intents/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const id = pathParam(context, 'id');
      const paymentIntent = context.engine.state.paymentIntents.get(id);
      if (!paymentIntent) throw noSuch('payment_intent', id, 'intent');
      return paymentIntent;
    },
  },
  {
    method: 'GET',
    pattern: '/v1/payment_intents',
    handle: (context) => {
      const params = parseParams(z.object({ ...baseParams, ...pageParams, customer: z.string().optional() }).strict(), context.params);
      const intents = newestFirst(context.engine.state.paymentIntents).filter((intent) => params.customer === undefined || intent.customer === params.customer);
      return paginate(intents, params, context.url);
    },
  },
];
