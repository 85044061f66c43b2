import type Stripe from 'stripe';
import { DAY_MS } from '@leadgraph/platform';
import { eventually } from '@leadgraph/platform/src/testing';
import type { InvoiceDocument } from '../src/invoices/invoice.model';
import { METADATA } from '../src/stripe/stripe.rules';
import {
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
} from './subscriptions-harness';

const plusDays = (date: Date | string, days: number) => new Date(new Date(date).getTime() + days * DAY_MS);
/** 2 seats of business-monthly, VAT included; late interest at 3 x 2.76 % + 5 points = 13.28 % a year. */
const OVERDUE_CENTS = 23_760;
const interestFor = (days: number) => Math.round((OVERDUE_CENTS * 1328 * days) / (10_000 * 365));

describe('lifecycle: late interest and the EUR 40 recovery fee are invoiced (BIL-14)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-10-01T08:00:00.000Z');
  });
  afterEach(async () => {
    await h.retireStripeSubscriptions();
  });
  afterAll(async () => {
    await h.stop();
  });


  /** A renewal whose first `failures` charges (the renewal and Stripe's retries on days 3, 8, 15) fail. */
  async function unpaidRenewal(admin: ReturnType<typeof workspaceAdmin>, failures: number) {
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    const customerId = (await subscriptionOf(h, admin.workspaceId)).stripe?.customerId ?? '';
    await h.stripe.control.failNextCharge(customerId, { declineCode: 'insufficient_funds', times: failures });
    const renewalAt = new Date(bought.subscription.currentPeriodEnd);
    await h.runUntil(renewalAt);
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    const stored = await subscriptionOf(h, admin.workspaceId);
    return { stored, customerId, renewalAt, overdueInvoiceId: stored.nonPayment?.invoiceId ?? '' };
  }

  /** The LATE_CHARGES invoices Stripe holds for the customer. */
  async function stripeLateChargeInvoices(customerId: string): Promise<Stripe.Invoice[]> {
    const found: Stripe.Invoice[] = [];
    for await (const invoice of h.stripeClient.invoices.list({ customer: customerId, limit: 100 })) {
      if (invoice.metadata?.[METADATA.purpose] === 'LATE_CHARGES') found.push(invoice);
    }
    return found;
  }

  async function localLateChargeInvoices(subscriptionId: string): Promise<InvoiceDocument[]> {
    return h.invoices.find({ subscriptionId, purpose: 'LATE_CHARGES' }).lean<InvoiceDocument[]>();
  }

  it('[BIL-14] paid on day 12: one LATE_CHARGES invoice, 3 days of interest + EUR 40, no VAT, charged; a redelivered webhook or a rerun job bills nothing more', async () => {
    const admin = workspaceAdmin();
    const { stored, customerId, renewalAt, overdueInvoiceId } = await unpaidRenewal(admin, 3);
    await h.runUntil(plusDays(renewalAt, 12));

    await h.stripe.control.payInvoiceOutOfBand(overdueInvoiceId);
    await h.drainWebhooks();

    const expectedInterest = interestFor(3);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', suspendedFor: [] });
    const billed = view.invoices.edges.filter((edge) => edge.node.purpose === 'LATE_CHARGES').map((edge) => edge.node);
    expect(billed).toHaveLength(1);
    expect(billed[0]).toMatchObject({
      status: 'PAID',
      subtotalCents: expectedInterest + 4000,
      vatCents: 0,
      totalCents: expectedInterest + 4000,
      amountPaidCents: expectedInterest + 4000,
      amountRemainingCents: 0,
      vatTreatment: 'OUT_OF_SCOPE',
      vatRateBasisPoints: 0,
      lateCharges: null,
    });
    const overdue = await h.invoices.findById(overdueInvoiceId).lean<InvoiceDocument>();
    expect(overdue).toMatchObject({
      status: 'PAID',
      lateChargesBilling: { daysLate: 12, interestDays: 3, annualRateBasisPoints: 1328, interestCents: expectedInterest, recoveryFeeCents: 4000, invoiceId: billed[0]?.id },
    });

    const [inStripe, ...more] = await stripeLateChargeInvoices(customerId);
    expect(more).toHaveLength(0);
    expect(inStripe).toMatchObject({ id: billed[0]?.id, status: 'paid', subtotal: expectedInterest + 4000, total: expectedInterest + 4000, amount_paid: expectedInterest + 4000 });
    const lines = await h.stripeClient.invoices.listLineItems(inStripe?.id ?? '');
    expect(lines.data.map((line) => line.amount)).toEqual([expectedInterest, 4000]);
    expect(lines.data.every((line) => (line.taxes ?? []).length === 0)).toBe(true);

    // The same invoice.paid delivered again as a new Stripe event, then the job run again later.
    const paidEvent = await h.webhookEvents.findOne({ type: 'invoice.paid', objectId: overdueInvoiceId }).lean();
    const payload = JSON.stringify({ ...(paidEvent?.payload as Record<string, unknown>), id: `evt_redelivered_${overdueInvoiceId}` });
    const signature = h.stripeClient.webhooks.generateTestHeaderString({
      payload,
      secret: h.config.STRIPE_WEBHOOK_SECRET,
      timestamp: Math.floor(h.clock.now().getTime() / 1000),
    });
    const redelivered = await fetch(new URL('/webhooks/stripe', h.billing.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    expect(redelivered.status).toBe(200);
    expect(await h.webhookEvents.findById(`evt_redelivered_${overdueInvoiceId}`).lean()).toMatchObject({ status: 'PROCESSED' });
    await h.runUntil(plusDays(renewalAt, 20));
    expect(await stripeLateChargeInvoices(customerId)).toHaveLength(1);
    expect(await localLateChargeInvoices(stored._id)).toHaveLength(1);

    // A crash after Stripe issued the invoice but before it was recorded: the job resumes, Stripe's idempotency holds.
    await h.invoices.updateOne({ _id: overdueInvoiceId }, { $set: { 'lateChargesBilling.invoiceId': null, 'lateChargesBilling.billedAt': null } });
    await h.runUntil(plusDays(renewalAt, 21));
    expect(await stripeLateChargeInvoices(customerId)).toHaveLength(1);
    expect(await localLateChargeInvoices(stored._id)).toHaveLength(1);
    expect((await h.invoices.findById(overdueInvoiceId).lean<InvoiceDocument>())?.lateChargesBilling?.invoiceId).toBe(billed[0]?.id);
  });

  it('[BIL-14] the late charges payment is declined: the LATE_CHARGES invoice stays open and due (not voided), and is not issued again', async () => {
    const admin = workspaceAdmin();
    // The renewal, Stripe's retries on days 3 and 8, then the late charges themselves fail.
    const { stored, customerId, renewalAt, overdueInvoiceId } = await unpaidRenewal(admin, 4);
    await h.runUntil(plusDays(renewalAt, 12));
    await h.stripe.control.payInvoiceOutOfBand(overdueInvoiceId);
    await h.drainWebhooks();

    const billed = await localLateChargeInvoices(stored._id);
    expect(billed).toHaveLength(1);
    expect(billed[0]).toMatchObject({ status: 'OPEN', totalCents: interestFor(3) + 4000, amountRemainingCents: interestFor(3) + 4000 });
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE');
    await h.runUntil(plusDays(renewalAt, 13));
    const inStripe = await stripeLateChargeInvoices(customerId);
    expect(inStripe.map((invoice) => invoice.status)).toEqual(['open']);
  });

  it('[BIL-14] terminated unpaid for NON_PAYMENT: the late charges up to the termination are invoiced once (6 days of interest + EUR 40)', async () => {
    const admin = workspaceAdmin();
    const { stored, customerId, renewalAt, overdueInvoiceId } = await unpaidRenewal(admin, 4);
    await h.runUntil(plusDays(renewalAt, 15));
    expect(await subscriptionOf(h, admin.workspaceId)).toMatchObject({ status: 'TERMINATED', termination: { reason: 'NON_PAYMENT', followUpsDone: true } });

    const expectedInterest = interestFor(6);
    const billed = await localLateChargeInvoices(stored._id);
    expect(billed).toHaveLength(1);
    expect(billed[0]).toMatchObject({ status: 'PAID', subtotalCents: expectedInterest + 4000, vatCents: 0, totalCents: expectedInterest + 4000 });
    const overdue = await h.invoices.findById(overdueInvoiceId).lean<InvoiceDocument>();
    expect(overdue).toMatchObject({
      status: 'OPEN',
      amountRemainingCents: OVERDUE_CENTS,
      lateChargesBilling: { daysLate: 15, interestDays: 6, interestCents: expectedInterest, recoveryFeeCents: 4000, invoiceId: billed[0]?._id },
    });

    // The job runs again, and the overdue invoice is paid after all: still one.
    await h.runUntil(plusDays(renewalAt, 16));
    await h.stripe.control.payInvoiceOutOfBand(overdueInvoiceId);
    await h.drainWebhooks();
    expect((await h.invoices.findById(overdueInvoiceId).lean<InvoiceDocument>())?.status).toBe('PAID');
    await h.runUntil(plusDays(renewalAt, 17));
    expect(await stripeLateChargeInvoices(customerId)).toHaveLength(1);
    expect(await localLateChargeInvoices(stored._id)).toHaveLength(1);
  });
});
