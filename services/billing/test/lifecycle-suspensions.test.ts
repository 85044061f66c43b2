import { DAY_MS } from '@leadgraph/platform';
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

const plusDays = (date: Date | string, days: number) => new Date(new Date(date).getTime() + days * DAY_MS);

describe('lifecycle: suspensions for non-payment and breach (BIL-12, BIL-14)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-09-01T08:00:00.000Z');
  });
  afterEach(async () => {
    await h.retireStripeSubscriptions();
  });
  afterAll(async () => {
    await h.stop();
  });


  /** A subscription whose renewal charge (and Stripe's automatic retries) will fail. */
  async function unpaidRenewal(admin: ReturnType<typeof workspaceAdmin>) {
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    const stored = await subscriptionOf(h, admin.workspaceId);
    await h.stripe.control.failNextCharge(stored.stripe?.customerId ?? '', { declineCode: 'insufficient_funds', times: 4 });
    const renewalAt = new Date(bought.subscription.currentPeriodEnd);
    await h.runUntil(renewalAt);
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    return { bought, stored: await subscriptionOf(h, admin.workspaceId), renewalAt };
  }

  it('[BIL-14] a failed renewal suspends at once: PaymentFailed, SubscriptionChanged SUSPENDED, a formal notice; late interest from the 10th day and the EUR 40 fee; payment reinstates', async () => {
    const admin = workspaceAdmin();
    const { stored, renewalAt } = await unpaidRenewal(admin);
    const invoiceId = stored.nonPayment?.invoiceId ?? '';
    const [failed] = await expectEvents(h, 'PaymentFailed', (data) => data.workspaceId === admin.workspaceId);
    expect(failed?.data).toMatchObject({ invoiceId, amountDueCents: 23_760, currency: 'EUR', subscriptionId: stored._id });
    await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId && data.status === 'SUSPENDED');

    const notice = await testMailbox().waitFor(stored.billing?.email ?? '', /^Formal notice/);
    expect(notice.text).toContain('EUR 237.60');
    expect(notice.text).toContain('EUR 40.00');
    expect(notice.text).toContain(plusDays(renewalAt, 15).toISOString().slice(0, 10));
    let view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'SUSPENDED', suspendedFor: ['NON_PAYMENT'], terminationDueAt: plusDays(renewalAt, 15).toISOString() });

    // 12 days late: 3 days of interest at 3 x 2.76 % + 5 points = 13.28 % a year, plus the flat fee.
    await h.runUntil(plusDays(renewalAt, 12));
    view = await workspaceBilling(h, admin);
    const late = view.invoices.edges.find((edge) => edge.node.id === invoiceId)?.node;
    expect(late).toMatchObject({ status: 'OPEN', amountRemainingCents: 23_760 });
    expect(late?.lateCharges).toEqual({ daysLate: 12, interestDays: 3, annualRateBasisPoints: 1328, interestCents: Math.round((23_760 * 1328 * 3) / (10_000 * 365)), recoveryFeeCents: 4000 });

    await h.stripe.control.payInvoiceOutOfBand(invoiceId);
    await h.drainWebhooks();
    view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', suspendedFor: [], terminationDueAt: null });
    expect(view.invoices.edges.find((edge) => edge.node.id === invoiceId)?.node.status).toBe('PAID');
    await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId && data.status === 'ACTIVE');
    // Still a paying, active subscription: nothing ends it later.
    await h.runUntil(plusDays(renewalAt, 16));
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE');
  });

  it('[BIL-14] still unpaid 15 days after the formal notice: terminated for NON_PAYMENT, credits forfeited, the amount stays due', async () => {
    const admin = workspaceAdmin();
    const { stored, renewalAt } = await unpaidRenewal(admin);
    await h.runUntil(plusDays(renewalAt, 14));
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED');

    await h.runUntil(plusDays(renewalAt, 15));
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'TERMINATED', terminationReason: 'NON_PAYMENT' });
    expect(view.credits.every((credit) => credit.balance === 0)).toBe(true);
    const unpaid = view.invoices.edges.find((edge) => edge.node.id === stored.nonPayment?.invoiceId)?.node;
    expect(unpaid).toMatchObject({ status: 'OPEN', amountRemainingCents: 23_760 });
    const [terminated] = await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId);
    expect(terminated?.data).toMatchObject({ reason: 'NON_PAYMENT', terminatedAt: plusDays(renewalAt, 15).toISOString() });
    expect((await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '')).status).toBe('canceled');
  });

  it('[BIL-12] a suspended account suspends its PREMIUM at once; reinstated in time, the subscription is active again', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const suspendedAt = h.clock.now();
    await h.publish('AccountSuspended', {
      userId: admin.userId,
      reason: 'Scraping the contact database',
      suspendedAt: suspendedAt.toISOString(),
      regulariseBy: plusDays(suspendedAt, 7).toISOString(),
    });
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ suspendedFor: ['BREACH'], terminationDueAt: plusDays(suspendedAt, 21).toISOString() });
    await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId && data.status === 'SUSPENDED');

    await h.moveTo(plusDays(suspendedAt, 5));
    await h.publish('AccountReinstated', { userId: admin.userId, reinstatedAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE'));
    await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId && data.status === 'ACTIVE');
    await h.runUntil(plusDays(suspendedAt, 22));
    expect((await subscriptionOf(h, admin.workspaceId)).status).not.toBe('TERMINATED');
  });

  it('[BIL-12] not regularised within 3 weeks: terminated for BREACH (accounts then deletes the workspace), credits forfeited, Stripe stopped', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'business-annual', seats: 1 });
    const suspendedAt = h.clock.now();
    await h.publish('AccountSuspended', {
      userId: admin.userId,
      reason: 'Reselling revealed contacts',
      suspendedAt: suspendedAt.toISOString(),
      regulariseBy: plusDays(suspendedAt, 7).toISOString(),
    });
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED'));
    await h.runUntil(plusDays(suspendedAt, 20));
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED');
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(2400);

    await h.runUntil(plusDays(suspendedAt, 21));
    const stored = await subscriptionOf(h, admin.workspaceId);
    expect(stored).toMatchObject({ status: 'TERMINATED', termination: { reason: 'BREACH', followUpsDone: true } });
    const [terminated] = await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId);
    expect(terminated?.data).toMatchObject({ reason: 'BREACH', subscriberUserId: admin.userId, terminatedAt: plusDays(suspendedAt, 21).toISOString() });
    expect((await workspaceBilling(h, admin)).credits.every((credit) => credit.balance === 0)).toBe(true);
    expect((await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '')).status).toBe('canceled');
  });

  it('[BIL-12][BIL-14] reinstating the account does not lift a suspension for an unpaid invoice', async () => {
    const admin = workspaceAdmin();
    await unpaidRenewal(admin);
    await h.publish('AccountSuspended', {
      userId: admin.userId,
      reason: 'Shared credentials with another company',
      suspendedAt: h.clock.now().toISOString(),
      regulariseBy: plusDays(h.clock.now(), 7).toISOString(),
    });
    await eventually(async () => expect((await workspaceBilling(h, admin)).subscription?.suspendedFor).toEqual(['BREACH', 'NON_PAYMENT']));
    await h.publish('AccountReinstated', { userId: admin.userId, reinstatedAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await workspaceBilling(h, admin)).subscription?.suspendedFor).toEqual(['NON_PAYMENT']));
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('SUSPENDED');
  });
});
