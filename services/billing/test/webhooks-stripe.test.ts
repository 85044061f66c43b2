import { eventually, testMailbox } from '@leadgraph/platform/src/testing';
import {
  balanceOf,
  expectEvents,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
} from './subscriptions-harness';

describe('webhooks: POST /webhooks/stripe, verified, stored and processed once (BIL-16)', () => {
  let h: BillingUnderTest;
  let endpoint: string;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-05-03T10:00:00.000Z');
    endpoint = new URL('/webhooks/stripe', h.billing.url).toString();
  });
  afterAll(async () => {
    await h.stop();
  });

  function signed(payload: string, secret = h.config.STRIPE_WEBHOOK_SECRET): string {
    return h.stripeClient.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(h.clock.now().getTime() / 1000) });
  }

  async function post(payload: string, signature: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
      body: payload,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** A real event Stripe sent us, as stored: its exact JSON can be delivered again. */
  async function storedEvent(type: string, objectId: string): Promise<{ id: string; payload: string }> {
    const stored = await eventually(async () => {
      const found = await h.webhookEvents.findOne({ type, objectId }).lean();
      if (!found) throw new Error(`no ${type} for ${objectId} yet`);
      return found;
    });
    return { id: stored._id, payload: JSON.stringify(stored.payload) };
  }

  it('[BIL-16] Stripe deliveries are verified with the SDK, stored under the Stripe event id and processed', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    await h.drainWebhooks();
    const invoiceId = bought.charge?.invoice.id ?? '';
    const paid = await h.webhookEvents.findOne({ type: 'invoice.paid', objectId: invoiceId }).lean();
    expect(paid).toMatchObject({ status: 'PROCESSED', attempts: 1 });
    const deliveries = await h.stripe.control.webhookDeliveries({ eventType: 'invoice.paid' });
    expect(deliveries.filter((delivery) => delivery.eventId === paid?._id).map((delivery) => delivery.status)).toContain(200);
    // Events billing does not act on are kept too, marked IGNORED.
    expect(await h.webhookEvents.countDocuments({ type: 'customer.created', status: 'IGNORED' })).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['no signature', null],
    ['a signature made with another secret', 'whsec_not_the_endpoint_secret'],
    ['a valid signature of another body', 'OTHER_BODY'],
    ['a signature older than the 5-minute tolerance', 'STALE'],
  ])('[BIL-16] a delivery with %s is refused with 400 and nothing is stored', async (_label, how) => {
    const payload = JSON.stringify({ id: 'evt_forged_1', object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_forged', object: 'invoice' } } });
    const before = await h.webhookEvents.countDocuments();
    const signature =
      how === null
        ? null
        : how === 'OTHER_BODY'
          ? signed(payload.replace('in_forged', 'in_other'))
          : how === 'STALE'
            ? h.stripeClient.webhooks.generateTestHeaderString({ payload, secret: h.config.STRIPE_WEBHOOK_SECRET, timestamp: Math.floor(h.clock.now().getTime() / 1000) - 301 })
            : signed(payload, how);
    const answer = await post(payload, signature);
    expect(answer.status).toBe(400);
    expect(await h.webhookEvents.countDocuments()).toBe(before);
    expect(await h.webhookEvents.findById('evt_forged_1').lean()).toBeNull();
  });

  it('[BIL-16][BIL-14] the same payment failure delivered twice has one effect: one PaymentFailed, one suspension, one formal notice', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 1 });
    const stored = await subscriptionOf(h, admin.workspaceId);
    await h.stripe.control.failNextCharge(stored.stripe?.customerId ?? '', { times: 4 });
    await h.moveTo(bought.subscription.currentPeriodEnd);
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    const renewal = (await subscriptionOf(h, admin.workspaceId)).nonPayment?.invoiceId ?? '';
    const failed = await storedEvent('invoice.payment_failed', renewal);

    const again = await post(failed.payload, signed(failed.payload));
    expect(again).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(await h.webhookEvents.countDocuments({ _id: failed.id })).toBe(1);
    await expectEvents(h, 'PaymentFailed', (data) => data.workspaceId === admin.workspaceId, 1);
    await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId && data.status === 'SUSPENDED', 1);
    expect((await subscriptionOf(h, admin.workspaceId)).nonPayment?.invoiceId).toBe(renewal);
    const notices = (await testMailbox().list(stored.billing?.email ?? '')).filter((mail) => /Formal notice/.test(mail.subject));
    expect(notices).toHaveLength(1);
  });

  it('[BIL-16] an invoice.paid delivered again grants nothing twice and starts nothing twice', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    await h.drainWebhooks();
    const paid = await storedEvent('invoice.paid', bought.charge?.invoice.id ?? '');
    // Replayed as a new delivery (a retry after a lost answer).
    expect((await post(paid.payload, signed(paid.payload))).status).toBe(200);
    const view = await workspaceBilling(h, admin);
    expect(balanceOf(view.credits, 'PHONE')).toBe(400);
    await expectEvents(h, 'SubscriptionStarted', (data) => data.workspaceId === admin.workspaceId, 1);
    expect(view.invoices.edges.map((edge) => edge.node.status)).toEqual(['PAID']);
  });

  it('[BIL-16] an event stored but never processed (a crash between the two) is processed by the lifecycle job', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const stored = await subscriptionOf(h, admin.workspaceId);
    await h.stripe.control.failNextCharge(stored.stripe?.customerId ?? '', { times: 4 });
    await h.moveTo(bought.subscription.currentPeriodEnd);
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    const unpaid = (await subscriptionOf(h, admin.workspaceId)).nonPayment?.invoiceId ?? '';

    await h.stripe.control.payInvoiceOutOfBand(unpaid);
    await h.drainWebhooks();
    const paid = await storedEvent('invoice.paid', unpaid);
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE');
    // Rewind to "stored, not processed" and undo its effect, as if the process had died in between.
    await h.webhookEvents.updateOne({ _id: paid.id }, { $set: { status: 'RECEIVED', attempts: 0, processedAt: null } });
    await h.subscriptions.updateOne(
      { _id: stored._id },
      { $set: { status: 'SUSPENDED', nonPayment: { invoiceId: unpaid, failedAt: h.clock.now(), formalNoticeAt: h.clock.now(), terminateAt: new Date(h.clock.now().getTime() + 15 * 86_400_000) } } },
    );
    await h.billing.lifecycle.runAll();
    expect(await h.webhookEvents.findById(paid.id).lean()).toMatchObject({ status: 'PROCESSED', attempts: 1 });
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE');
  });
});
