/**
 * Subscriptions: creation (first invoice charged at once, trials, future billing anchors),
 * updates (items, quantities, prices, prorations, cancel at period end), cancellation, and
 * what the clock does to them (renewals, scheduled ends, expiry of unpaid first invoices, retries).
 */
import { z } from 'zod';
import { DAY_SECONDS, addIntervals, nextBoundaryAfter, prorate, remainingShare } from './billing-math';
import { createPriceFromData } from './catalog';
import { mergeMetadata, pageParams, requireAttachedPaymentMethod, requireCustomer, requirePrice, requireProduct, requireSubscription, requireTaxRates } from './common';
import { previousAttributes, type StripeEngine } from './engine';
import { StripeApiError, badState, noSuch } from './errors';
import { baseParams, formBool, formClearable, formInt, formMetadata, formPositiveInt, parseParams } from './form';
import {
  addLine,
  attemptInvoicePayment,
  createPendingItem,
  endSubscription,
  finalizeInvoice,
  lineFromInvoiceItem,
  newInvoice,
  paymentError,
  pullPendingItems,
  recomputeInvoice,
  type PaymentFailure,
} from './invoices';
import { pathParam, type Route, type RouteContext } from './route';
import { isDeleted, newId, newestFirst, paginate } from './state';
import type { InvoiceWire, PlanWire, PriceWire, SubscriptionItemWire, SubscriptionWire } from './wire';

const LIVE_STATUSES = new Set(['active', 'trialing', 'past_due', 'unpaid']);

function planOf(price: PriceWire): PlanWire {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    nickname: price.nickname,
    product: price.product,
    usage_type: 'licensed',
  };
}

function formatAmount(amount: number, currency: string): string {
  return `${currency.toUpperCase()} ${(amount / 100).toFixed(2)}`;
}

function formatDay(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function productName(engine: StripeEngine, price: PriceWire): string {
  const product = engine.state.products.get(price.product);
  return product && !isDeleted(product) ? product.name : price.product;
}

function describeItem(engine: StripeEngine, item: SubscriptionItemWire): string {
  const interval = item.price.recurring?.interval ?? 'month';
  return `${item.quantity} × ${productName(engine, item.price)} (at ${formatAmount(item.price.unit_amount, item.price.currency)} / ${interval})`;
}

function recurringPrice(engine: StripeEngine, id: string, param: string): PriceWire {
  const price = requirePrice(engine, id, param);
  if (!price.recurring) throw badState(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, param);
  if (!price.active) throw badState(`The price specified is inactive. This field only accepts active prices.`, param);
  return price;
}

/** The billing interval all items share (Stripe's classic billing needs one interval per subscription). */
function sharedInterval(items: readonly SubscriptionItemWire[]): { interval: NonNullable<PriceWire['recurring']>['interval']; count: number } {
  const first = items[0]?.price.recurring;
  if (!first) throw badState('A subscription needs at least one item.', 'items');
  for (const item of items) {
    if (item.price.recurring?.interval !== first.interval || item.price.recurring.interval_count !== first.interval_count) {
      throw badState('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', 'items');
    }
  }
  return { interval: first.interval, count: first.interval_count };
}

function itemAmount(item: SubscriptionItemWire): number {
  return item.price.unit_amount * item.quantity;
}

const itemPriceData = z
  .object({
    currency: z.string().transform((value) => value.toLowerCase()),
    product: z.string(),
    unit_amount: formInt,
    recurring: z.object({ interval: z.enum(['day', 'week', 'month', 'year']), interval_count: formPositiveInt.optional() }).strict(),
  })
  .strict();

const itemParam = z
  .object({
    id: z.string().optional(),
    price: z.string().optional(),
    price_data: itemPriceData.optional(),
    quantity: z.string().regex(/^\d+$/).transform(Number).optional(),
    deleted: formBool.optional(),
    clear_usage: formBool.optional(),
    metadata: formMetadata.optional(),
    tax_rates: z.union([z.literal(''), z.array(z.string())]).optional(),
  })
  .strict();

type ItemInput = z.output<typeof itemParam>;

function priceOfItemInput(engine: StripeEngine, input: ItemInput, index: number): PriceWire | undefined {
  if (input.price) return recurringPrice(engine, input.price, `items[${index}][price]`);
  if (input.price_data) {
    requireProduct(engine, input.price_data.product, `items[${index}][price_data][product]`);
    const price = createPriceFromData(engine, input.price_data.product, input.price_data);
    price.active = false;
    return price;
  }
  return undefined;
}

function newItem(engine: StripeEngine, subscriptionId: string, price: PriceWire, input: ItemInput, index: number, period: { start: number; end: number }): SubscriptionItemWire {
  return {
    id: newId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: engine.now(),
    current_period_end: period.end,
    current_period_start: period.start,
    discounts: [],
    metadata: mergeMetadata({}, input.metadata),
    plan: planOf(price),
    price: structuredClone(price),
    quantity: input.quantity ?? 1,
    subscription: subscriptionId,
    tax_rates: Array.isArray(input.tax_rates) ? requireTaxRates(engine, input.tax_rates, `items[${index}][tax_rates]`) : [],
  };
}

function setPeriod(subscription: SubscriptionWire, start: number, end: number): void {
  subscription.current_period_start = start;
  subscription.current_period_end = end;
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

function addItemLine(invoice: InvoiceWire, subscription: SubscriptionWire, item: SubscriptionItemWire, amount: number, period: { start: number; end: number }, description: string): void {
  addLine(invoice, {
    amount,
    description,
    period,
    quantity: item.quantity,
    priceId: item.price.id,
    productId: item.price.product,
    unitAmount: item.price.unit_amount,
    taxRates: item.tax_rates,
    proration: false,
    subscriptionItem: { subscription: subscription.id, item: item.id },
  });
}

function subscriptionInvoice(engine: StripeEngine, subscription: SubscriptionWire, billingReason: InvoiceWire['billing_reason'], period: { start: number; end: number }): InvoiceWire {
  const customer = requireCustomer(engine, subscription.customer);
  const invoice = newInvoice(engine, customer, {
    billingReason,
    subscription,
    autoAdvance: true,
    currency: subscription.currency,
    periodStart: period.start,
    periodEnd: period.end,
  });
  subscription.latest_invoice = invoice.id;
  return invoice;
}

/** Finalizes and, for automatic collection, charges an invoice; the failure when the charge failed. */
function collect(engine: StripeEngine, invoice: InvoiceWire, charge: boolean): PaymentFailure | null {
  finalizeInvoice(engine, invoice);
  if (invoice.status !== 'open' || invoice.collection_method !== 'charge_automatically' || !charge) return null;
  return attemptInvoicePayment(engine, invoice, { automatic: true });
}

// ---- create ----

const subscriptionCreateSchema = z
  .object({
    ...baseParams,
    customer: z.string(),
    items: z.array(itemParam).min(1),
    add_invoice_items: z
      .array(z.object({ price: z.string().optional(), price_data: z.object({ currency: z.string(), product: z.string(), unit_amount: formInt }).strict().optional(), quantity: formPositiveInt.optional() }).strict())
      .optional(),
    billing_cycle_anchor: formInt.optional(),
    cancel_at_period_end: formBool.optional(),
    collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
    currency: z.string().optional(),
    days_until_due: formPositiveInt.optional(),
    default_payment_method: z.string().optional(),
    default_tax_rates: z.array(z.string()).optional(),
    description: z.string().optional(),
    metadata: formMetadata.optional(),
    off_session: formBool.optional(),
    payment_behavior: z.enum(['allow_incomplete', 'default_incomplete', 'error_if_incomplete']).optional(),
    payment_settings: z.record(z.string(), z.unknown()).optional(),
    proration_behavior: z.enum(['create_prorations', 'none', 'always_invoice']).optional(),
    trial_end: z.union([z.literal('now'), formInt]).optional(),
    trial_period_days: formPositiveInt.optional(),
    trial_from_plan: formBool.optional(),
  })
  .strict();

function createSubscription(context: RouteContext): SubscriptionWire {
  const { engine } = context;
  const params = parseParams(subscriptionCreateSchema, context.params);
  const customer = requireCustomer(engine, params.customer);
  if (params.default_payment_method) requireAttachedPaymentMethod(engine, customer.id, params.default_payment_method, 'default_payment_method');
  const now = engine.now();
  const id = newId('sub');
  const prices = params.items.map((input, index) => {
    const price = priceOfItemInput(engine, input, index);
    if (!price) throw badState(`Missing required param: items[${index}][price].`, `items[${index}][price]`);
    return price;
  });
  const firstPrice = prices[0];
  if (!firstPrice) throw badState('Missing required param: items.', 'items');
  const planTrialDays = params.trial_from_plan ? (firstPrice.recurring?.trial_period_days ?? null) : null;
  const trialDays = params.trial_period_days ?? planTrialDays;
  const trialEnd = params.trial_end === 'now' ? null : (params.trial_end ?? (trialDays ? now + trialDays * DAY_SECONDS : null));
  if (trialEnd !== null && trialEnd <= now) throw badState('Invalid timestamp: must be in the future.', 'trial_end');
  const anchorParam = params.billing_cycle_anchor;
  if (anchorParam !== undefined && anchorParam < now) throw badState('billing_cycle_anchor cannot be in the past.', 'billing_cycle_anchor');
  const anchor = anchorParam ?? trialEnd ?? now;
  const interval = firstPrice.recurring ?? { interval: 'month' as const, interval_count: 1 };
  const periodEnd = trialEnd ?? (anchor > now ? anchor : addIntervals(anchor, interval.interval, interval.interval_count, 1));
  if (anchorParam !== undefined && trialEnd === null && anchorParam > addIntervals(now, interval.interval, interval.interval_count, 1)) {
    throw badState('billing_cycle_anchor cannot be later than the end of the first full billing period.', 'billing_cycle_anchor');
  }
  const period = { start: now, end: periodEnd };
  const subscription: SubscriptionWire = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    billing_cycle_anchor: anchor,
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: params.collection_method ?? 'charge_automatically',
    created: now,
    currency: firstPrice.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: params.collection_method === 'send_invoice' ? (params.days_until_due ?? 30) : null,
    default_payment_method: params.default_payment_method ?? null,
    default_source: null,
    default_tax_rates: requireTaxRates(engine, params.default_tax_rates ?? [], 'default_tax_rates'),
    description: params.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    metadata: mergeMetadata({}, params.metadata),
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: 'incomplete',
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_start: trialEnd !== null ? now : null,
    current_period_start: period.start,
    current_period_end: period.end,
  };
  subscription.items.data = params.items.map((input, index) => newItem(engine, id, prices[index] ?? firstPrice, input, index, period));
  subscription.items.total_count = subscription.items.data.length;
  sharedInterval(subscription.items.data);
  if (subscription.items.data.some((item) => item.price.currency !== subscription.currency)) {
    throw badState('All prices on a subscription must be in the same currency.', 'items');
  }
  if (customer.currency === null) customer.currency = subscription.currency;
  engine.state.subscriptions.set(id, subscription);
  const createdEventPosition = engine.eventPosition();

  // The first invoice: the trial (free), the stub period up to a future anchor (prorated unless
  // proration_behavior=none), or the first full period.
  const invoice = subscriptionInvoice(engine, subscription, 'subscription_create', { start: now, end: now });
  const share = anchor > now && trialEnd === null ? (params.proration_behavior === 'none' ? 0 : remainingShare({ start: addIntervals(anchor, interval.interval, interval.interval_count, -1), end: anchor }, now)) : 1;
  for (const item of subscription.items.data) {
    const amount = trialEnd !== null ? 0 : prorate(itemAmount(item), share);
    const description =
      trialEnd !== null
        ? `Trial period for ${productName(engine, item.price)}`
        : share < 1
          ? `Remaining time on ${item.quantity} × ${productName(engine, item.price)} after ${formatDay(now)}`
          : describeItem(engine, item);
    addItemLine(invoice, subscription, item, amount, period, description);
  }
  (params.add_invoice_items ?? []).forEach((input, index) => {
    const price = input.price
      ? requirePrice(engine, input.price, `add_invoice_items[${index}][price]`)
      : input.price_data
        ? createPriceFromData(engine, input.price_data.product, { currency: input.price_data.currency.toLowerCase(), unit_amount: input.price_data.unit_amount })
        : undefined;
    if (!price) throw badState(`Missing required param: add_invoice_items[${index}][price].`, `add_invoice_items[${index}][price]`);
    const item = createPendingItem(engine, {
      customer: customer.id,
      subscription: id,
      subscriptionItem: null,
      amount: price.unit_amount * (input.quantity ?? 1),
      currency: price.currency,
      description: productName(engine, price),
      period: { start: now, end: now },
      priceId: price.id,
      productId: price.product,
      quantity: input.quantity ?? 1,
      proration: false,
      taxRates: [],
    });
    lineFromInvoiceItem(invoice, item);
  });
  pullPendingItems(engine, invoice, id);
  recomputeInvoice(invoice);
  engine.emit('invoice.created', invoice);

  const behavior = params.payment_behavior ?? 'allow_incomplete';
  const failure = collect(engine, invoice, behavior !== 'default_incomplete');
  if (failure && behavior === 'error_if_incomplete') {
    // Nothing is kept: the 402 rolls the whole call back.
    const error = paymentError(engine, invoice, failure);
    throw new StripeApiError(error.status, error.body);
  }
  if (invoice.status === 'paid' || subscription.collection_method === 'send_invoice') {
    subscription.status = trialEnd !== null ? 'trialing' : 'active';
  }
  if (params.cancel_at_period_end) {
    subscription.cancel_at_period_end = true;
    subscription.cancel_at = subscription.current_period_end;
    subscription.canceled_at = now;
    subscription.cancellation_details.reason = 'cancellation_requested';
  }
  // `customer.subscription.created` comes first and shows the state the call returns.
  engine.emit('customer.subscription.created', subscription, undefined, createdEventPosition);
  return subscription;
}

// ---- update ----

const subscriptionUpdateSchema = z
  .object({
    ...baseParams,
    items: z.array(itemParam).optional(),
    billing_cycle_anchor: z.enum(['now', 'unchanged']).optional(),
    cancel_at_period_end: formBool.optional(),
    cancellation_details: z.object({ comment: formClearable.optional(), feedback: formClearable.optional() }).strict().optional(),
    collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
    days_until_due: formPositiveInt.optional(),
    default_payment_method: formClearable.optional(),
    default_tax_rates: z.union([z.literal(''), z.array(z.string())]).optional(),
    description: formClearable.optional(),
    metadata: formMetadata.optional(),
    off_session: formBool.optional(),
    payment_behavior: z.enum(['allow_incomplete', 'default_incomplete', 'error_if_incomplete']).optional(),
    payment_settings: z.record(z.string(), z.unknown()).optional(),
    proration_behavior: z.enum(['create_prorations', 'none', 'always_invoice']).optional(),
    proration_date: formInt.optional(),
    trial_end: z.literal('now').optional(),
  })
  .strict();

interface Proration {
  item: SubscriptionItemWire;
  amount: number;
  quantity: number;
  description: string;
}

function updateSubscription(context: RouteContext): SubscriptionWire {
  const { engine } = context;
  const params = parseParams(subscriptionUpdateSchema, context.params);
  const subscription = requireSubscription(engine, pathParam(context, 'id'), 'subscription_exposed_id');
  const before = structuredClone(subscription);
  const now = engine.now();
  const onlyMetadata = Object.keys(params).every((key) => ['metadata', 'expand', 'cancellation_details'].includes(key));
  if (!LIVE_STATUSES.has(subscription.status) && subscription.status !== 'incomplete' && !onlyMetadata) {
    throw badState(`A ${subscription.status} subscription can only update its cancellation_details and metadata.`);
  }
  subscription.metadata = mergeMetadata(subscription.metadata, params.metadata);
  if (params.description !== undefined) subscription.description = params.description;
  if (params.cancellation_details?.comment !== undefined) subscription.cancellation_details.comment = params.cancellation_details.comment;
  if (params.cancellation_details?.feedback !== undefined) subscription.cancellation_details.feedback = params.cancellation_details.feedback;
  if (params.collection_method !== undefined) subscription.collection_method = params.collection_method;
  if (params.days_until_due !== undefined) subscription.days_until_due = params.days_until_due;
  if (params.default_tax_rates !== undefined) {
    subscription.default_tax_rates = params.default_tax_rates === '' ? [] : requireTaxRates(engine, params.default_tax_rates, 'default_tax_rates');
  }
  if (params.default_payment_method !== undefined) {
    if (params.default_payment_method !== null) requireAttachedPaymentMethod(engine, subscription.customer, params.default_payment_method, 'default_payment_method');
    subscription.default_payment_method = params.default_payment_method;
  }

  const prorationAt = params.proration_date ?? now;
  const share = remainingShare({ start: subscription.current_period_start, end: subscription.current_period_end }, prorationAt);
  const credits: Proration[] = [];
  const charges: Proration[] = [];
  const oldInterval = sharedInterval(subscription.items.data);
  (params.items ?? []).forEach((input, index) => {
    const existing = input.id ? subscription.items.data.find((item) => item.id === input.id) : undefined;
    if (input.id && !existing) throw noSuch('subscription item', input.id, `items[${index}][id]`);
    const price = priceOfItemInput(engine, input, index);
    if (existing) {
      const oldAmount = itemAmount(existing);
      const oldQuantity = existing.quantity;
      const oldName = productName(engine, existing.price);
      if (input.deleted) {
        subscription.items.data = subscription.items.data.filter((item) => item.id !== existing.id);
        credits.push({ item: existing, amount: -prorate(oldAmount, share), quantity: oldQuantity, description: `Unused time on ${oldQuantity} × ${oldName} after ${formatDay(prorationAt)}` });
        return;
      }
      const changed = (price !== undefined && price.id !== existing.price.id) || (input.quantity !== undefined && input.quantity !== existing.quantity);
      // The credit names what was billed until now (the old price and quantity).
      const previousItem = structuredClone(existing);
      if (price) {
        existing.price = structuredClone(price);
        existing.plan = planOf(price);
      }
      if (input.quantity !== undefined) existing.quantity = input.quantity;
      existing.metadata = mergeMetadata(existing.metadata, input.metadata);
      if (input.tax_rates !== undefined) existing.tax_rates = input.tax_rates === '' ? [] : requireTaxRates(engine, input.tax_rates, `items[${index}][tax_rates]`);
      if (changed) {
        credits.push({ item: previousItem, amount: -prorate(oldAmount, share), quantity: oldQuantity, description: `Unused time on ${oldQuantity} × ${oldName} after ${formatDay(prorationAt)}` });
        charges.push({ item: existing, amount: prorate(itemAmount(existing), share), quantity: existing.quantity, description: `Remaining time on ${existing.quantity} × ${productName(engine, existing.price)} after ${formatDay(prorationAt)}` });
      }
      return;
    }
    if (!price) throw badState(`Missing required param: items[${index}][price].`, `items[${index}][price]`);
    const item = newItem(engine, subscription.id, price, input, index, { start: subscription.current_period_start, end: subscription.current_period_end });
    subscription.items.data.push(item);
    charges.push({ item, amount: prorate(itemAmount(item), share), quantity: item.quantity, description: `Remaining time on ${item.quantity} × ${productName(engine, price)} after ${formatDay(prorationAt)}` });
  });
  subscription.items.total_count = subscription.items.data.length;
  const newInterval = sharedInterval(subscription.items.data);

  const prorationBehavior = params.proration_behavior ?? 'create_prorations';
  const resetCycle = params.billing_cycle_anchor === 'now' || newInterval.interval !== oldInterval.interval || newInterval.count !== oldInterval.count;
  const endTrial = params.trial_end === 'now' && subscription.status === 'trialing';
  let invoice: InvoiceWire | undefined;
  if (resetCycle || endTrial) {
    // A new billing cycle starts now: credit the unused time, bill the new period at once.
    const unusedCredits = endTrial ? [] : before.items.data.map((item) => ({ item, amount: -prorate(itemAmount(item), share), quantity: item.quantity, description: `Unused time on ${item.quantity} × ${productName(engine, item.price)} after ${formatDay(prorationAt)}` }));
    const period = { start: now, end: addIntervals(now, newInterval.interval, newInterval.count, 1) };
    subscription.billing_cycle_anchor = now;
    setPeriod(subscription, period.start, period.end);
    if (endTrial) {
      subscription.trial_end = now;
      subscription.status = 'active';
    }
    invoice = subscriptionInvoice(engine, subscription, 'subscription_update', { start: now, end: now });
    if (prorationBehavior !== 'none') for (const credit of unusedCredits) addProrationLine(engine, invoice, subscription, credit, { start: prorationAt, end: before.current_period_end });
    for (const item of subscription.items.data) addItemLine(invoice, subscription, item, itemAmount(item), period, describeItem(engine, item));
  } else if (prorationBehavior !== 'none' && credits.length + charges.length > 0 && subscription.status !== 'trialing') {
    const period = { start: prorationAt, end: subscription.current_period_end };
    if (prorationBehavior === 'always_invoice') {
      invoice = subscriptionInvoice(engine, subscription, 'subscription_update', { start: now, end: now });
      for (const proration of [...credits, ...charges]) addProrationLine(engine, invoice, subscription, proration, period);
    } else {
      for (const proration of [...credits, ...charges]) createProrationItem(engine, subscription, proration, period);
    }
  }

  if (params.cancel_at_period_end !== undefined) {
    subscription.cancel_at_period_end = params.cancel_at_period_end;
    subscription.cancel_at = params.cancel_at_period_end ? subscription.current_period_end : null;
    subscription.canceled_at = params.cancel_at_period_end ? now : null;
    subscription.cancellation_details.reason = params.cancel_at_period_end ? 'cancellation_requested' : null;
  } else if (subscription.cancel_at_period_end) {
    subscription.cancel_at = subscription.current_period_end;
  }

  const updatedEventPosition = engine.eventPosition();
  if (invoice) {
    pullPendingItems(engine, invoice, subscription.id);
    recomputeInvoice(invoice);
    engine.emit('invoice.created', invoice);
    const behavior = params.payment_behavior ?? 'allow_incomplete';
    const failure = collect(engine, invoice, behavior !== 'default_incomplete');
    if (failure && behavior === 'error_if_incomplete') {
      const error = paymentError(engine, invoice, failure);
      throw new StripeApiError(error.status, error.body);
    }
    if (failure && subscription.status === 'active') subscription.status = 'past_due';
  }
  const previous = previousAttributes(before, subscription);
  if (Object.keys(previous).length > 0) engine.emit('customer.subscription.updated', subscription, previous, updatedEventPosition);
  return subscription;
}

function addProrationLine(engine: StripeEngine, invoice: InvoiceWire, subscription: SubscriptionWire, proration: Proration, period: { start: number; end: number }): void {
  lineFromInvoiceItem(invoice, createProrationItem(engine, subscription, proration, period));
}

/** The pending invoice item of one proration, invoiced now or with the next invoice. */
function createProrationItem(engine: StripeEngine, subscription: SubscriptionWire, proration: Proration, period: { start: number; end: number }) {
  return createPendingItem(engine, {
    customer: subscription.customer,
    subscription: subscription.id,
    subscriptionItem: proration.item.id,
    amount: proration.amount,
    currency: subscription.currency,
    description: proration.description,
    period,
    priceId: proration.item.price.id,
    productId: proration.item.price.product,
    quantity: proration.quantity,
    proration: true,
    taxRates: proration.item.tax_rates,
  });
}

// ---- cancel ----

function cancelSubscription(context: RouteContext): SubscriptionWire {
  const { engine } = context;
  const params = parseParams(
    z
      .object({
        ...baseParams,
        invoice_now: formBool.optional(),
        prorate: formBool.optional(),
        cancellation_details: z.object({ comment: z.string().optional(), feedback: z.string().optional() }).strict().optional(),
      })
      .strict(),
    context.params,
  );
  const subscription = requireSubscription(engine, pathParam(context, 'id'), 'subscription_exposed_id');
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such subscription: '${subscription.id}'`, param: 'id' });
  }
  const now = engine.now();
  if (params.prorate && LIVE_STATUSES.has(subscription.status)) {
    const share = remainingShare({ start: subscription.current_period_start, end: subscription.current_period_end }, now);
    for (const item of subscription.items.data) {
      const amount = -prorate(itemAmount(item), share);
      if (amount === 0) continue;
      createPendingItem(engine, {
        customer: subscription.customer,
        subscription: subscription.id,
        subscriptionItem: item.id,
        amount,
        currency: subscription.currency,
        description: `Unused time on ${item.quantity} × ${productName(engine, item.price)} after ${formatDay(now)}`,
        period: { start: now, end: subscription.current_period_end },
        priceId: item.price.id,
        productId: item.price.product,
        quantity: item.quantity,
        proration: true,
        taxRates: item.tax_rates,
      });
    }
  }
  subscription.cancellation_details = {
    comment: params.cancellation_details?.comment ?? subscription.cancellation_details.comment,
    feedback: params.cancellation_details?.feedback ?? subscription.cancellation_details.feedback,
    reason: 'cancellation_requested',
  };
  subscription.canceled_at = now;
  endSubscription(engine, subscription, 'cancellation_requested');
  if (params.invoice_now) {
    const customer = requireCustomer(engine, subscription.customer);
    const invoice = newInvoice(engine, customer, { billingReason: 'subscription_update', subscription, autoAdvance: true, currency: subscription.currency });
    pullPendingItems(engine, invoice, subscription.id);
    recomputeInvoice(invoice);
    if (invoice.lines.data.length > 0) {
      subscription.latest_invoice = invoice.id;
      engine.emit('invoice.created', invoice);
      collect(engine, invoice, true);
    } else {
      engine.state.invoices.delete(invoice.id);
    }
  }
  return subscription;
}

function listSubscriptions(context: RouteContext) {
  const params = parseParams(
    z
      .object({
        ...baseParams,
        ...pageParams,
        customer: z.string().optional(),
        price: z.string().optional(),
        status: z.enum(['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'trialing', 'unpaid']).optional(),
        collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
      })
      .strict(),
    context.params,
  );
  const status = params.status;
  const subscriptions = newestFirst(context.engine.state.subscriptions).filter((subscription) => {
    const statusMatches =
      status === 'all' ||
      (status === undefined && subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') ||
      (status === 'ended' && (subscription.status === 'canceled' || subscription.status === 'incomplete_expired')) ||
      subscription.status === status;
    return (
      statusMatches &&
      (params.customer === undefined || subscription.customer === params.customer) &&
      (params.price === undefined || subscription.items.data.some((item) => item.price.id === params.price)) &&
      (params.collection_method === undefined || subscription.collection_method === params.collection_method)
    );
  });
  return paginate(subscriptions, params, context.url);
}

// ---- the clock ----

/** Starts the next period of a live subscription at its period end, with a renewal invoice. */
function renewSubscription(engine: StripeEngine, subscription: SubscriptionWire): void {
  const before = structuredClone(subscription);
  const start = subscription.current_period_end;
  const { interval, count } = sharedInterval(subscription.items.data);
  const end = nextBoundaryAfter(subscription.billing_cycle_anchor, interval, count, start);
  setPeriod(subscription, start, end);
  if (subscription.status === 'trialing' && subscription.trial_end !== null && subscription.trial_end <= start) subscription.status = 'active';
  const invoice = subscriptionInvoice(engine, subscription, 'subscription_cycle', { start: before.current_period_start, end: start });
  for (const item of subscription.items.data) addItemLine(invoice, subscription, item, itemAmount(item), { start, end }, describeItem(engine, item));
  pullPendingItems(engine, invoice, subscription.id);
  recomputeInvoice(invoice);
  engine.emit('customer.subscription.updated', subscription, previousAttributes(before, subscription));
  engine.emit('invoice.created', invoice);
  const delay = engine.options.renewalFinalizationDelaySeconds;
  if (delay > 0) invoice.automatically_finalizes_at = engine.now() + delay;
  else collect(engine, invoice, true);
}

function expireIncomplete(engine: StripeEngine, subscription: SubscriptionWire): void {
  subscription.status = 'incomplete_expired';
  subscription.ended_at = engine.now();
  const latest = subscription.latest_invoice ? engine.state.invoices.get(subscription.latest_invoice) : undefined;
  if (latest && !isDeleted(latest) && latest.status === 'open') {
    latest.status = 'void';
    latest.status_transitions.voided_at = engine.now();
    latest.amount_remaining = 0;
    engine.emit('invoice.voided', latest);
  }
  engine.emit('customer.subscription.deleted', subscription);
}

interface DueWork {
  at: number;
  run(): void;
}

/** The earliest thing the clock makes happen: subscription ends/renewals/expiries, invoice finalizations and retries. */
function nextDueWork(engine: StripeEngine): DueWork | null {
  let next: DueWork | null = null;
  const consider = (at: number, run: () => void) => {
    if (next === null || at < next.at) next = { at, run };
  };
  for (const subscription of engine.state.subscriptions.values()) {
    if (subscription.status === 'incomplete') {
      consider(subscription.created + engine.options.incompleteExpirySeconds, () => expireIncomplete(engine, subscription));
    } else if (LIVE_STATUSES.has(subscription.status)) {
      if (subscription.cancel_at !== null && subscription.cancel_at <= subscription.current_period_end) {
        consider(subscription.cancel_at, () => endSubscription(engine, subscription, 'cancellation_requested'));
      } else {
        consider(subscription.current_period_end, () => renewSubscription(engine, subscription));
      }
    }
  }
  for (const invoice of engine.state.invoices.values()) {
    if (isDeleted(invoice)) continue;
    if (invoice.status === 'draft' && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
      consider(invoice.automatically_finalizes_at, () => collect(engine, invoice, true));
    } else if (invoice.status === 'open' && invoice.next_payment_attempt !== null && invoice.collection_method === 'charge_automatically') {
      consider(invoice.next_payment_attempt, () => attemptInvoicePayment(engine, invoice, { automatic: true }));
    }
  }
  return next;
}

/** Moves the clock to `target`, running everything that falls due on the way, in time order. */
export function advanceClockTo(engine: StripeEngine, target: number): void {
  if (target < engine.now()) throw badState('The clock can only move forward.', 'time');
  for (let step = 0; step < 100_000; step += 1) {
    const work = nextDueWork(engine);
    if (!work || work.at > target) break;
    if (work.at > engine.now()) engine.setNow(work.at);
    work.run();
  }
  engine.setNow(target);
}

const retrieveOnly = z.object(baseParams).strict();

export const subscriptionRoutes: Route[] = [
  { method: 'POST', pattern: '/v1/subscriptions', handle: createSubscription },
  { method: 'GET', pattern: '/v1/subscriptions', handle: listSubscriptions },
  {
    method: 'GET',
    pattern: '/v1/subscriptions/:id',
    handle: (context) => (parseParams(retrieveOnly, context.params), requireSubscription(context.engine, pathParam(context, 'id'), 'id')),
  },
  { method: 'POST', pattern: '/v1/subscriptions/:id', handle: updateSubscription },
  { method: 'DELETE', pattern: '/v1/subscriptions/:id', handle: cancelSubscription },
  {
    method: 'GET',
    pattern: '/v1/subscription_items',
    handle: (context) => {
      const params = parseParams(z.object({ ...baseParams, ...pageParams, subscription: z.string() }).strict(), context.params);
      const subscription = requireSubscription(context.engine, params.subscription);
      return paginate(subscription.items.data, params, context.url);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/subscription_items/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const id = pathParam(context, 'id');
      for (const subscription of context.engine.state.subscriptions.values()) {
        const item = subscription.items.data.find((candidate) => candidate.id === id);
        if (item) return item;
      }
      throw noSuch('subscription_item', id, 'id');
    },
  },
];

