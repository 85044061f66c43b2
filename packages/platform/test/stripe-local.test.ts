/**
 * The local Stripe server through the real `stripe` SDK over HTTP: subscriptions and invoices
 * with real payment outcomes, signed webhooks verified by `stripe.webhooks.constructEvent`, the
 * server clock driving renewals and period-end cancellations, idempotency and auth errors.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { LocalStripeServer, type RunningLocalStripe } from '../src/stripe-local';
import { eventually } from '../src/testing/harness';

const START = new Date('2026-11-23T09:00:00.000Z');
const START_SECONDS = START.getTime() / 1000;
const DAY = 86_400;
const DECEMBER_23 = Date.UTC(2026, 11, 23, 9) / 1000;
const JANUARY_23 = Date.UTC(2027, 0, 23, 9) / 1000;

/** A tiny webhook receiver that keeps only events whose signature `constructEvent` accepts. */
class WebhookReceiver {
  readonly verified: Stripe.Event[] = [];
  readonly rejected: string[] = [];
  private server: http.Server | null = null;
  url = '';

  async start(verify: (payload: string, signature: string) => Stripe.Event): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const payload = Buffer.concat(chunks).toString('utf8');
        try {
          this.verified.push(verify(payload, request.headers['stripe-signature']?.toString() ?? ''));
          response.statusCode = 200;
        } catch (error) {
          this.rejected.push(error instanceof Error ? error.message : String(error));
          response.statusCode = 400;
        }
        response.end();
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stripe/webhooks`;
  }

  types(): string[] {
    return this.verified.map((event) => event.type);
  }

  clear(): void {
    this.verified.length = 0;
    this.rejected.length = 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let local: RunningLocalStripe;
let stripe: Stripe;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  const webhookSecret = 'whsec_localtestsecret0123456789abcdef';
  await receiver.start((payload, signature) => stripe.webhooks.constructEvent(payload, signature, webhookSecret));
  local = await LocalStripeServer.start({ webhookUrl: receiver.url, webhookSecret, startTime: START, webhookRetryDelaysMs: [50, 100] });
  stripe = new Stripe(local.secretKey, { ...local.clientConfig, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await local.stop();
  await receiver.stop();
});

beforeEach(async () => {
  await local.control.reset();
  receiver.clear();
});

async function monthlyPlan(unitAmount = 4900): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: 'eur',
    unit_amount: unitAmount,
    recurring: { interval: 'month' },
    product_data: { name: 'Premium' },
    lookup_key: 'premium_monthly',
    transfer_lookup_key: true,
  });
}

async function customerWithCard(card: string): Promise<{ customer: Stripe.Customer; paymentMethod: Stripe.PaymentMethod }> {
  const customer = await stripe.customers.create({ email: 'billing@acme.test', name: 'Acme SAS', metadata: { workspaceId: 'ws_1' } });
  const paymentMethod = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: paymentMethod.id } });
  return { customer, paymentMethod };
}

async function drainedEventTypes(): Promise<string[]> {
  const drained = await local.control.drainWebhooks();
  expect(drained.idle).toBe(true);
  expect(receiver.rejected).toEqual([]);
  return receiver.types();
}

function latestInvoiceOf(subscription: Stripe.Subscription): Stripe.Invoice {
  const invoice = subscription.latest_invoice;
  if (invoice === null || typeof invoice === 'string') throw new Error('latest_invoice was not expanded');
  return invoice;
}

describe('subscriptions through the stripe SDK', () => {
  it('creates a customer, card and subscription: first invoice paid, signed webhooks delivered', async () => {
    const price = await monthlyPlan();
    const customer = await stripe.customers.create({
      email: 'billing@acme.test',
      metadata: { workspaceId: 'ws_1' },
      tax_id_data: [{ type: 'eu_vat', value: 'DE123456789' }],
    });
    const paymentMethod = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(paymentMethod.id).toMatch(/^pm_/);
    expect(paymentMethod.card?.last4).toBe('4242');
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: paymentMethod.id } });

    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 3 }],
      metadata: { workspaceId: 'ws_1' },
      expand: ['latest_invoice'],
    });

    expect(subscription.id).toMatch(/^sub_/);
    expect(subscription.status).toBe('active');
    expect(subscription.metadata).toEqual({ workspaceId: 'ws_1' });
    expect(subscription.items.data[0]).toMatchObject({
      quantity: 3,
      current_period_start: START_SECONDS,
      current_period_end: DECEMBER_23,
      price: { id: price.id, unit_amount: 4900 },
    });
    const invoice = latestInvoiceOf(subscription);
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'subscription_create', total: 14_700, amount_paid: 14_700, amount_due: 14_700 });
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.payments?.data[0]?.payment.payment_intent).toMatch(/^pi_/);

    expect(await drainedEventTypes()).toEqual(
      expect.arrayContaining(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid']),
    );
    const types = receiver.types();
    expect(types.indexOf('customer.subscription.created')).toBeLessThan(types.indexOf('invoice.paid'));
    const paidEvent = receiver.verified.find((event) => event.type === 'invoice.paid');
    expect(paidEvent?.data.object).toMatchObject({ id: invoice.id, status: 'paid' });
    const stored = await stripe.events.retrieve(paidEvent?.id ?? '');
    expect(stored.type).toBe('invoice.paid');

    const stored_customer = await stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] });
    if (stored_customer.deleted) throw new Error('customer deleted');
    expect(stored_customer.tax_ids?.data.map((taxId) => [taxId.type, taxId.value, taxId.country])).toEqual([['eu_vat', 'DE123456789', 'DE']]);
    expect(stored_customer.invoice_settings.default_payment_method).toBe(paymentMethod.id);
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data.map((entry) => entry.id)).toEqual([subscription.id]);
  });

  it('charges SEPA debit payment methods and refuses invalid IBANs', async () => {
    const price = await monthlyPlan();
    const customer = await stripe.customers.create({ email: 'sepa@acme.test' });
    const sepa = await stripe.paymentMethods.create({
      type: 'sepa_debit',
      sepa_debit: { iban: 'DE89370400440532013000' },
      billing_details: { name: 'Acme GmbH', email: 'sepa@acme.test' },
    });
    const setupIntent = await stripe.setupIntents.create({ customer: customer.id, payment_method: sepa.id, allowed_payment_method_types: ['sepa_debit'], confirm: true });
    expect(setupIntent.status).toBe('succeeded');
    expect(setupIntent.mandate).toMatch(/^mandate_/);

    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: sepa.id });
    expect(subscription.status).toBe('active');
    const methods = await stripe.customers.listPaymentMethods(customer.id, { type: 'sepa_debit' });
    expect(methods.data.map((method) => method.sepa_debit?.last4)).toEqual(['3000']);

    await expect(
      stripe.paymentMethods.create({ type: 'sepa_debit', sepa_debit: { iban: 'DE89370400440532013001' }, billing_details: { name: 'A', email: 'a@b.test' } }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'sepa_debit[iban]' });
  });

  it('leaves the invoice open and emits invoice.payment_failed when the card is declined', async () => {
    const price = await monthlyPlan();
    const { customer, paymentMethod } = await customerWithCard('pm_card_chargeDeclined');

    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });

    expect(subscription.status).toBe('incomplete');
    const invoice = latestInvoiceOf(subscription);
    expect(invoice).toMatchObject({ status: 'open', attempted: true, attempt_count: 1, amount_paid: 0, amount_remaining: 4900 });
    expect(await drainedEventTypes()).toContain('invoice.payment_failed');
    expect(receiver.types()).not.toContain('invoice.paid');

    // Paying again with the same card: Stripe's 402 card error, recorded on the invoice.
    await expect(stripe.invoices.pay(invoice.id)).rejects.toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect((await stripe.invoices.retrieve(invoice.id)).attempt_count).toBe(2);

    // A working card pays it and activates the subscription.
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const paid = await stripe.invoices.pay(invoice.id, { payment_method: visa.id });
    expect(paid.status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    expect(paymentMethod.card?.last4).toBe('0002');
    await drainedEventTypes();
    const activation = receiver.verified.filter((event) => event.type === 'customer.subscription.updated').at(-1);
    expect(activation?.data.object).toMatchObject({ id: subscription.id, status: 'active' });
    expect(activation?.data.previous_attributes).toMatchObject({ status: 'incomplete' });
  });

  it('refuses the subscription outright with error_if_incomplete and a declining customer', async () => {
    const price = await monthlyPlan();
    const { customer } = await customerWithCard('pm_card_visa');
    await local.control.failNextCharge(customer.id, { declineCode: 'insufficient_funds' });

    await expect(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' }),
    ).rejects.toMatchObject({ type: 'StripeCardError', statusCode: 402, decline_code: 'insufficient_funds' });

    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toEqual([]);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toEqual([]);
  });
});

describe('the server clock', () => {
  it('renews at period end with a new invoice, then dunning on a failed renewal', async () => {
    const price = await monthlyPlan();
    const { customer } = await customerWithCard('pm_card_visa');
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
    await drainedEventTypes();
    receiver.clear();

    const moved = await local.control.advanceClock(31 * DAY);
    expect(moved.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.paid']),
    );
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: DECEMBER_23, current_period_end: JANUARY_23 });
    const invoices = await stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((invoice) => [invoice.billing_reason, invoice.status, invoice.amount_paid])).toEqual([
      ['subscription_cycle', 'paid', 9800],
      ['subscription_create', 'paid', 9800],
    ]);
    expect(invoices.data[0]?.lines.data[0]?.period).toEqual({ start: DECEMBER_23, end: JANUARY_23 });
    expect(await drainedEventTypes()).toEqual(expect.arrayContaining(['customer.subscription.updated', 'invoice.paid']));

    // The January renewal is declined: past_due, a retry three days later succeeds.
    await local.control.failNextCharge(customer.id);
    await local.control.setClock(JANUARY_23 + 2 * 3600);
    const pastDue = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(pastDue.status).toBe('past_due');
    const failedInvoice = latestInvoiceOf(pastDue);
    expect(failedInvoice).toMatchObject({ status: 'open', attempt_count: 1 });
    expect(failedInvoice.next_payment_attempt).toBe(JANUARY_23 + 3600 + 3 * DAY);

    await local.control.advanceClock(3 * DAY);
    const recovered = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(recovered.status).toBe('active');
    expect(latestInvoiceOf(recovered)).toMatchObject({ id: failedInvoice.id, status: 'paid', attempt_count: 2 });
    const types = await drainedEventTypes();
    expect(types).toEqual(expect.arrayContaining(['invoice.payment_failed', 'invoice.paid']));
    expect(types.lastIndexOf('invoice.payment_failed')).toBeLessThan(types.lastIndexOf('invoice.paid'));
  });

  it('ends a cancel_at_period_end subscription at its period end instead of renewing it', async () => {
    const price = await monthlyPlan();
    const { customer } = await customerWithCard('pm_card_visa');
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });

    const canceling = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: DECEMBER_23 });

    await local.control.advanceClock(40 * DAY);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: DECEMBER_23, cancellation_details: { reason: 'cancellation_requested' } });
    expect((await stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
    expect(await drainedEventTypes()).toContain('customer.subscription.deleted');
    const deleted = receiver.verified.find((event) => event.type === 'customer.subscription.deleted');
    expect(deleted?.data.object).toMatchObject({ id: subscription.id, status: 'canceled' });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
  });

  it('bills a seat increase with always_invoice at once, prorated to the rest of the period', async () => {
    const price = await monthlyPlan(3000);
    const { customer } = await customerWithCard('pm_card_visa');
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 1 }] });
    // 15 of the 30 days of the Nov 23 - Dec 23 period are left.
    await local.control.advanceClock(15 * DAY);

    const item = subscription.items.data[0];
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item?.id ?? '', quantity: 3 }],
      proration_behavior: 'always_invoice',
      expand: ['latest_invoice'],
    });

    expect(updated.items.data[0]?.quantity).toBe(3);
    const invoice = latestInvoiceOf(updated);
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.lines.data.map((line) => line.amount)).toEqual([-1500, 4500]);
    expect(invoice).toMatchObject({ status: 'paid', total: 3000 });
  });
});

describe('subscription lifecycle edges', () => {
  it('runs a free trial, then bills the first period when the trial ends', async () => {
    const price = await monthlyPlan();
    const { customer } = await customerWithCard('pm_card_visa');

    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'trialing', trial_start: START_SECONDS, trial_end: START_SECONDS + 14 * DAY });
    expect(latestInvoiceOf(subscription)).toMatchObject({ status: 'paid', total: 0, amount_paid: 0 });

    await local.control.advanceClock(15 * DAY);
    const active = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(active.status).toBe('active');
    expect(active.items.data[0]).toMatchObject({ current_period_start: START_SECONDS + 14 * DAY, current_period_end: START_SECONDS + 14 * DAY + 31 * DAY });
    expect(latestInvoiceOf(active)).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 4900 });
  });

  it('bills create_prorations changes on the next renewal invoice', async () => {
    const price = await monthlyPlan(3000);
    const { customer } = await customerWithCard('pm_card_visa');
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
    await local.control.advanceClock(15 * DAY);

    await stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]?.id ?? '', quantity: 1 }] });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((item) => [item.amount, item.proration])).toEqual([
      [1500, true],
      [-3000, true],
    ]);

    await local.control.advanceClock(16 * DAY);
    const renewal = (await stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0];
    expect(renewal?.billing_reason).toBe('subscription_cycle');
    expect(renewal?.lines.data.map((line) => line.amount).sort((a, b) => a - b)).toEqual([-3000, 1500, 3000]);
    expect(renewal).toMatchObject({ status: 'paid', total: 1500 });
  });

  it('cancels the subscription when every retry of a renewal fails, and expires an unpaid first invoice', async () => {
    const price = await monthlyPlan();
    const { customer } = await customerWithCard('pm_card_visa');
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await local.control.failNextCharge(customer.id, { times: 4 });

    await local.control.advanceClock(31 * DAY + 16 * DAY);
    const ended = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(ended).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'payment_failed' } });
    expect(latestInvoiceOf(ended)).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
    expect((await drainedEventTypes()).filter((type) => type === 'invoice.payment_failed')).toHaveLength(4);
    const failures = await local.control.webhookDeliveries({ eventType: 'invoice.payment_failed' });
    expect(failures.every((delivery) => delivery.ok && delivery.attempt === 1)).toBe(true);

    const declined = await customerWithCard('pm_card_chargeDeclined');
    const incomplete = await stripe.subscriptions.create({ customer: declined.customer.id, items: [{ price: price.id }] });
    expect(incomplete.status).toBe('incomplete');
    await local.control.advanceClock(DAY);
    const expired = await stripe.subscriptions.retrieve(incomplete.id, { expand: ['latest_invoice'] });
    expect(expired.status).toBe('incomplete_expired');
    expect(latestInvoiceOf(expired).status).toBe('void');
  });

  it('signs with the simulated clock when asked, for receivers verifying against a manual clock', async () => {
    const secret = 'whsec_manualclocksecret';
    const startedAt = new Date('2021-03-01T00:00:00.000Z');
    const manualReceiver = new WebhookReceiver();
    let verifyAt = startedAt.getTime();
    await manualReceiver.start((payload, signature) => stripe.webhooks.constructEvent(payload, signature, secret, 300, undefined, verifyAt));
    const simulated = await LocalStripeServer.start({ webhookUrl: manualReceiver.url, webhookSecret: secret, startTime: startedAt, webhookSignatureClock: 'server-clock', webhookRetryDelaysMs: [] });
    try {
      const client = new Stripe(simulated.secretKey, { ...simulated.clientConfig, maxNetworkRetries: 0 });
      await client.customers.create({ email: 'early@acme.test' });
      await simulated.control.drainWebhooks();
      await simulated.control.advanceClock(30 * DAY);
      verifyAt += 30 * DAY * 1000;
      await client.customers.create({ email: 'later@acme.test' });
      await simulated.control.drainWebhooks();

      expect(manualReceiver.rejected).toEqual([]);
      expect(manualReceiver.verified.map((event) => [event.type, event.created])).toEqual([
        ['customer.created', startedAt.getTime() / 1000],
        ['customer.created', startedAt.getTime() / 1000 + 30 * DAY],
      ]);
    } finally {
      await simulated.stop();
      await manualReceiver.stop();
    }
  });
});

describe('one-off invoices', () => {
  it('invoices an add-on with invoice items, a VAT rate, finalize and pay', async () => {
    const addOn = await stripe.prices.create({ currency: 'eur', unit_amount: 1900, product_data: { name: 'Credit pack' } });
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false, country: 'FR', tax_type: 'vat' });
    const { customer } = await customerWithCard('pm_card_visa');

    const item = await stripe.invoiceItems.create({ customer: customer.id, pricing: { price: addOn.id }, quantity: 2, description: '2 credit packs' });
    expect(item).toMatchObject({ amount: 3800, invoice: null });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
      default_tax_rates: [vat.id],
      metadata: { purchase: 'credits' },
    });
    expect(draft).toMatchObject({ status: 'draft', subtotal: 3800, total: 4560, amount_due: 4560 });
    expect(draft.total_taxes?.map((tax) => tax.amount)).toEqual([760]);

    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized.status).toBe('open');
    expect(finalized.number).toBeTruthy();
    const paid = await stripe.invoices.pay(draft.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 4560, amount_remaining: 0 });

    const types = await drainedEventTypes();
    expect(types).toEqual(expect.arrayContaining(['invoice.created', 'invoice.finalized', 'invoice.paid']));
    expect(receiver.verified.find((event) => event.type === 'invoice.paid')?.data.object).toMatchObject({ id: draft.id, metadata: { purchase: 'credits' } });
  });

  it('records an invoice paid by other means through the test-control API', async () => {
    const { customer } = await customerWithCard('pm_card_chargeDeclined');
    await stripe.invoiceItems.create({ customer: customer.id, amount: 990, currency: 'eur', description: 'Setup' });
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(invoice.id);

    await local.control.payInvoiceOutOfBand(invoice.id);

    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 990 });
    expect(await drainedEventTypes()).toContain('invoice.paid');
  });
});

describe('Stripe wire conventions', () => {
  it('replays the first answer for a repeated idempotency key and refuses it with other parameters', async () => {
    const first = await stripe.customers.create({ email: 'once@acme.test' }, { idempotencyKey: 'signup-42' });
    const replay = await stripe.customers.create({ email: 'once@acme.test' }, { idempotencyKey: 'signup-42' });

    expect(replay.id).toBe(first.id);
    expect((await stripe.customers.list({ email: 'once@acme.test' })).data).toHaveLength(1);
    const requests = await local.control.requests({ method: 'POST', path: '/v1/customers' });
    expect(requests.map((request) => request.replayed)).toEqual([false, true]);
    await expect(stripe.customers.create({ email: 'other@acme.test' }, { idempotencyKey: 'signup-42' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    });
  });

  it('refuses a missing or wrong secret key with a 401 in Stripe error shape', async () => {
    const wrongKey = new Stripe('sk_test_not_the_right_key', { ...local.clientConfig, maxNetworkRetries: 0 });
    await expect(wrongKey.customers.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });

    const response = await fetch(`${local.url}/v1/customers`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/did not provide an API key/);
  });

  it('answers unknown ids and unknown parameters like Stripe', async () => {
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
    await expect(stripe.customers.create({ email: 'x@acme.test', coupon: 'HALF' } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'coupon',
    });
  });

  it('retries a webhook the receiver refused and logs every attempt', async () => {
    let refusals = 1;
    const flaky = http.createServer((_request, response) => {
      response.statusCode = refusals-- > 0 ? 500 : 200;
      response.end();
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/hook`;
      await local.control.addWebhookEndpoint(flakyUrl, { enabledEvents: ['customer.created'] });
      const customer = await stripe.customers.create({ email: 'hook@acme.test' });

      await local.control.drainWebhooks();
      const attempts = await eventually(async () => {
        const deliveries = (await local.control.webhookDeliveries({ eventType: 'customer.created' })).filter((delivery) => delivery.url === flakyUrl);
        expect(deliveries.map((delivery) => delivery.status)).toEqual([500, 200]);
        return deliveries;
      });
      const event = await stripe.events.retrieve(attempts[0]?.eventId ?? '');
      expect(event.data.object).toMatchObject({ id: customer.id });
    } finally {
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});

describe('local runs', () => {
  it('keeps the account in its data file across restarts, with a running clock', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-local-'));
    const dataFile = path.join(directory, 'account.bin');
    try {
      const first = await LocalStripeServer.start({ dataFile, clockMode: 'real-time', secretKey: 'sk_test_local_persisted' });
      const firstClient = new Stripe(first.secretKey, { ...first.clientConfig, maxNetworkRetries: 0 });
      const customer = await firstClient.customers.create({ email: 'kept@acme.test' });
      await first.control.advanceClock(10 * DAY);
      await first.stop();

      const second = await LocalStripeServer.start({ dataFile, clockMode: 'real-time', secretKey: 'sk_test_local_persisted' });
      try {
        const secondClient = new Stripe(second.secretKey, { ...second.clientConfig, maxNetworkRetries: 0 });
        const kept = await secondClient.customers.retrieve(customer.id);
        expect(kept).toMatchObject({ id: customer.id, email: 'kept@acme.test' });
        expect((await second.control.clock()).now).toBeGreaterThanOrEqual(customer.created + 10 * DAY);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
