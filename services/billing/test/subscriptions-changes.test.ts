import { addCalendarMonths, DAY_MS, HOUR_MS } from '@leadgraph/platform';
import {
  BUY_ADD_ON,
  CANCEL,
  CHANGE_PLAN,
  balanceOf,
  expectEvents,
  publishedEvents,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
  type PayloadView,
} from './subscriptions-harness';

describe('subscriptions: upgrades, downgrades, add-ons (BIL-01, BIL-02, BIL-06, BIL-09, BIL-10)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-01-01T09:00:00.000Z');
  });
  afterAll(async () => {
    await h.stop();
  });

  async function changePlan(admin: ReturnType<typeof workspaceAdmin>, input: { planId?: string; seats?: number }): Promise<PayloadView> {
    const answer = await h.call<{ changePlan: PayloadView }>(admin, CHANGE_PLAN, { input });
    if (!answer.data) throw new Error(`changePlan failed: ${JSON.stringify(answer.errors)}`);
    return answer.data.changePlan;
  }

  async function stripeItemOf(workspaceId: string): Promise<{ quantity: number | undefined; unitAmount: number | null | undefined }> {
    const stored = await subscriptionOf(h, workspaceId);
    const subscription = await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '');
    const item = subscription.items.data[0];
    return { quantity: item?.quantity, unitAmount: item?.price.unit_amount };
  }

  it('[BIL-09] adding a seat to a monthly plan charges the full difference at once, then applies: seats, credits, SubscriptionChanged; the end date stays', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    await h.moveTo(new Date(h.clock.now().getTime() + 20 * DAY_MS));

    const upgraded = await changePlan(admin, { seats: 3 });
    expect(upgraded.outcome).toBe('APPLIED');
    expect(upgraded.charge?.invoice).toMatchObject({ purpose: 'UPGRADE', status: 'PAID', subtotalCents: 9900, vatCents: 1980, totalCents: 11_880 });
    expect(upgraded.charge?.monthsCharged).toBe(1);
    expect(upgraded.subscription).toMatchObject({ seats: 3, periodPriceCents: 29_700, currentPeriodEnd: bought.subscription.currentPeriodEnd, pendingUpgrade: null });

    const view = await workspaceBilling(h, admin);
    expect(balanceOf(view.credits, 'PHONE')).toBe(600);
    expect(balanceOf(view.credits, 'EXPORT')).toBe(6000);
    const [changed] = await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId);
    expect(changed?.data).toMatchObject({ seats: 3, planId: 'business-monthly', status: 'ACTIVE' });
    // Stripe bills the new seats from the renewal on, without a proration of its own.
    expect(await stripeItemOf(admin.workspaceId)).toEqual({ quantity: 3, unitAmount: 9900 });
  });

  it('[BIL-09] an annual upgrade pays the yearly difference pro rata of the whole months left and gets the extra credits pro rata of the time left', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-annual', seats: 1 });
    const start = new Date(bought.subscription.currentPeriodStart);
    // 5 months and 10 days in: 6 whole months and 204 of 365 days are left.
    await h.moveTo(new Date(addCalendarMonths(start, 5).getTime() + 10 * DAY_MS));
    const upgraded = await changePlan(admin, { planId: 'organization-annual' });
    expect(upgraded.outcome).toBe('APPLIED');
    expect(upgraded.charge?.monthsCharged).toBe(6);
    expect(upgraded.charge?.invoice).toMatchObject({ subtotalCents: 12_000, vatCents: 2_400, totalCents: 14_400, status: 'PAID' });
    expect(upgraded.subscription).toMatchObject({ planId: 'organization-annual', currentPeriodEnd: bought.subscription.currentPeriodEnd });
    const remainingDays = (new Date(bought.subscription.currentPeriodEnd).getTime() - h.clock.now().getTime()) / DAY_MS;
    const periodDays = (new Date(bought.subscription.currentPeriodEnd).getTime() - start.getTime()) / DAY_MS;
    const view = await workspaceBilling(h, admin);
    expect(balanceOf(view.credits, 'PHONE')).toBe(2400 + Math.floor((2400 * remainingDays) / periodDays));
    expect(await stripeItemOf(admin.workspaceId)).toEqual({ quantity: 1, unitAmount: 118_800 });
  });

  it('[BIL-09] an upgrade whose payment is declined changes nothing: PAYMENT_DECLINED, the invoice voided, no credits, no event', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const stored = await subscriptionOf(h, admin.workspaceId);
    await h.stripe.control.failNextCharge(stored.stripe?.customerId ?? '', { declineCode: 'insufficient_funds' });
    const declined = await changePlan(admin, { planId: 'business-monthly' });
    expect(declined.outcome).toBe('PAYMENT_DECLINED');
    expect(declined.charge).toMatchObject({ declineCode: 'insufficient_funds', invoice: { status: 'VOID', purpose: 'UPGRADE' } });
    expect(declined.subscription).toMatchObject({ planId: 'starter-monthly', status: 'ACTIVE', pendingUpgrade: null });
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(100);
    expect(await publishedEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId)).toEqual([]);
    // The failed one-off invoice never suspends the subscription (BIL-14 is about the plan's invoices).
    await h.drainWebhooks();
    expect((await subscriptionOf(h, admin.workspaceId)).status).toBe('ACTIVE');
  });

  it('[BIL-10] a downgrade asked in time is scheduled for the end of the period; Stripe will bill the smaller plan from the renewal', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(new Date(end.getTime() - 49 * HOUR_MS));
    const downgraded = await changePlan(admin, { planId: 'starter-monthly', seats: 2 });
    expect(downgraded.outcome).toBe('SCHEDULED');
    expect(downgraded.charge).toBeNull();
    expect(downgraded.subscription).toMatchObject({
      planId: 'business-monthly',
      seats: 3,
      scheduledChange: { kind: 'DOWNGRADE', planId: 'starter-monthly', seats: 2, effectiveAt: end.toISOString(), renewsFirst: false },
    });
    expect(await stripeItemOf(admin.workspaceId)).toEqual({ quantity: 2, unitAmount: 6500 });
  });

  it('[BIL-10] a monthly downgrade asked 47 hours before the end is scheduled after one more renewal on the same terms', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(new Date(end.getTime() - 47 * HOUR_MS));
    const downgraded = await changePlan(admin, { seats: 1 });
    expect(downgraded.subscription.scheduledChange).toMatchObject({ kind: 'DOWNGRADE', seats: 1, effectiveAt: addCalendarMonths(end, 1).toISOString(), renewsFirst: true });
    expect(await stripeItemOf(admin.workspaceId)).toEqual({ quantity: 3, unitAmount: 9900 });
  });

  it.each([
    [{ planId: 'business-annual' }, 'planId'],
    [{ planId: 'freemium-monthly' }, 'planId'],
    [{ planId: 'no-such-plan' }, 'planId'],
    [{ seats: 0 }, 'seats'],
    [{ seats: 5000 }, 'seats'],
    [{}, 'planId'],
  ])('[BIL-09] a bad change %j is BAD_USER_INPUT naming %s and changes nothing', async (input, field) => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    const before = await subscriptionOf(h, admin.workspaceId);
    const answer = await h.call(admin, CHANGE_PLAN, { input });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const after = await subscriptionOf(h, admin.workspaceId);
    expect({ planId: after.planId, seats: after.seats, scheduledChange: after.scheduledChange }).toEqual({
      planId: before.planId,
      seats: before.seats,
      scheduledChange: before.scheduledChange,
    });
  });

  it('[BIL-01][BIL-05][BIL-06] add-on phone credits are paid by a one-off invoice, granted until the period ends and marked to be bought again at renewal', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const answer = await h.call<{ buyAddOnCredits: PayloadView }>(admin, BUY_ADD_ON, { input: { creditType: 'PHONE', quantity: 150 } });
    const payload = answer.data?.buyAddOnCredits;
    expect(payload?.outcome).toBe('APPLIED');
    expect(payload?.charge?.invoice).toMatchObject({ purpose: 'ADD_ON', status: 'PAID', subtotalCents: 6000, vatCents: 1200, totalCents: 7200 });
    expect(payload?.subscription.addOnRenewals).toEqual([{ creditType: 'PHONE', quantity: 150 }]);
    const view = await workspaceBilling(h, admin);
    expect(balanceOf(view.credits, 'PHONE')).toBe(100 + 150);
    expect(view.credits.find((credit) => credit.creditType === 'PHONE')?.nearestExpiry).toBe(bought.subscription.currentPeriodEnd);

    const invalid = await h.call(admin, BUY_ADD_ON, { input: { creditType: 'EXPORT', quantity: 0 } });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    const tooMany = await h.call(admin, BUY_ADD_ON, { input: { creditType: 'PHONE', quantity: 10_001 } });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    const notSold = await h.call(admin, BUY_ADD_ON, { input: { creditType: 'PRO_EMAIL', quantity: 10 } });
    expect(notSold.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(250);
  });

  it('[BIL-10] cancelling twice is a CONFLICT; a downgrade after a cancellation is refused', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    const first = await h.call<{ cancelSubscription: PayloadView }>(admin, CANCEL, {});
    expect(first.data?.cancelSubscription.subscription.scheduledChange?.kind).toBe('CANCELLATION');
    expect((await h.call(admin, CANCEL, {})).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await h.call(admin, CHANGE_PLAN, { input: { seats: 1 } })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const [changed] = await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId);
    expect(changed?.data.status).toBe('CANCELLING');
  });
});
