import { addCalendarMonths, DAY_MS, HOUR_MS } from '@leadgraph/platform';
import { eventually, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import {
  BUY_ADD_ON,
  CANCEL,
  CHANGE_PLAN,
  USER_BILLING,
  balanceOf,
  expectEvents,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BalanceView,
  type BillingUnderTest,
  type PayloadView,
  type SubscriptionView,
} from './subscriptions-harness';

const REVERT_ADD_ONS = `mutation { revertAddOnsToBaseQuantity { addOnRenewals { creditType quantity } } }`;

describe('lifecycle: renewals, period ends and terminations on the clock (BIL-05, BIL-06, BIL-10, BIL-11, BIL-13, ACC-06)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-03-01T09:00:00.000Z');
  });
  afterEach(async () => {
    await h.retireStripeSubscriptions();
  });
  afterAll(async () => {
    await h.stop();
  });


  async function adminWithFreemium(): Promise<ReturnType<typeof workspaceAdmin>> {
    const admin = workspaceAdmin();
    await h.publish('AccountCreated', { userId: admin.userId, language: 'en', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await personal(admin.userId)).subscription?.status).toBe('ACTIVE'));
    return admin;
  }

  async function personal(userId: string): Promise<{ subscription: SubscriptionView | null; credits: BalanceView[] }> {
    const answer = await h.call<{ _entities: Array<{ subscription: SubscriptionView | null; credits: BalanceView[] }> }>(
      userCaller({ userId }),
      USER_BILLING,
      { representations: [{ __typename: 'User', id: userId }] },
    );
    const view = answer.data?._entities[0];
    if (!view) throw new Error(JSON.stringify(answer.errors));
    return view;
  }

  async function cancel(admin: ReturnType<typeof workspaceAdmin>, mode: 'NON_RENEWAL' | 'EARLY_TERMINATION' = 'NON_RENEWAL'): Promise<PayloadView> {
    const answer = await h.call<{ cancelSubscription: PayloadView }>(admin, CANCEL, { input: { mode } });
    if (!answer.data) throw new Error(JSON.stringify(answer.errors));
    return answer.data.cancelSubscription;
  }

  it('[BIL-05][BIL-06] a renewal expires the old period, grants the new one, carries unused subscription credits over on a rollover plan, never the add-ons, and buys the add-ons again', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 1 });
    await h.call(admin, BUY_ADD_ON, { input: { creditType: 'PHONE', quantity: 150 } });
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(350);

    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.runUntil(end);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', currentPeriodStart: end.toISOString(), currentPeriodEnd: addCalendarMonths(end, 1).toISOString() });
    // 200 new + 200 unused subscription credits carried over + 150 add-ons bought again; the old add-ons are not carried.
    expect(balanceOf(view.credits, 'PHONE')).toBe(200 + 200 + 150);
    expect(balanceOf(view.credits, 'EXPORT')).toBe(2000 + 2000);
    expect(view.credits.find((credit) => credit.creditType === 'PHONE')?.nearestExpiry).toBe(addCalendarMonths(end, 1).toISOString());
    // Stripe renewed the plan; the add-ons were bought again by their own invoice.
    const invoices = view.invoices.edges.map((edge) => edge.node);
    expect(invoices.filter((invoice) => invoice.purpose === 'SUBSCRIPTION').map((invoice) => [invoice.status, invoice.totalCents])).toEqual([
      ['PAID', 11_880],
      ['PAID', 11_880],
    ]);
    expect(invoices.filter((invoice) => invoice.purpose === 'ADD_ON').map((invoice) => [invoice.status, invoice.totalCents])).toEqual([
      ['PAID', 7_200],
      ['PAID', 7_200],
    ]);

    // Reverting to the base quantity: the next renewal buys no add-ons.
    const reverted = await h.call<{ revertAddOnsToBaseQuantity: { addOnRenewals: unknown[] } }>(admin, REVERT_ADD_ONS);
    expect(reverted.data?.revertAddOnsToBaseQuantity.addOnRenewals).toEqual([]);
    await h.runUntil(addCalendarMonths(end, 1));
    const after = await workspaceBilling(h, admin);
    expect(after.invoices.edges.filter((edge) => edge.node.purpose === 'ADD_ON')).toHaveLength(2);
    // Carried over again: whatever was left of the last period's subscription credits (400), capped by them.
    expect(balanceOf(after.credits, 'PHONE')).toBe(200 + 400);
  });

  it('[BIL-05] subscriptions renewing in the same pass all carry their unused credits over before anything expires', async () => {
    const admins = [workspaceAdmin(), workspaceAdmin(), workspaceAdmin()];
    const bought = await Promise.all(admins.map((admin) => subscribeWorkspace(h, admin, { planId: 'organization-monthly', seats: 1 })));
    const end = new Date(Math.max(...bought.map((payload) => new Date(payload.subscription.currentPeriodEnd).getTime())));
    await h.runUntil(end);
    for (const admin of admins) expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(400 + 400);
  });

  it('[BIL-05] a plan without rollover loses its unused credits at renewal', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 2 });
    await h.runUntil(new Date(bought.subscription.currentPeriodEnd));
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(200);
  });

  it('[BIL-10][BIL-13] a cancellation asked in time ends the subscription at the period end: SubscriptionTerminated NON_RENEWAL, workspace credits forfeited, the admin back on FREEMIUM, no renewal billed', async () => {
    const admin = await adminWithFreemium();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    expect((await personal(admin.userId)).subscription?.status).toBe('PAUSED');
    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(new Date(end.getTime() - 3 * DAY_MS));
    const cancelled = await cancel(admin);
    expect(cancelled.subscription.scheduledChange).toMatchObject({ kind: 'CANCELLATION', effectiveAt: end.toISOString(), renewsFirst: false });
    // Service continues until the end.
    expect(balanceOf((await workspaceBilling(h, admin)).credits, 'PHONE')).toBe(400);

    await h.runUntil(end);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'TERMINATED', terminationReason: 'NON_RENEWAL' });
    expect(view.credits.every((credit) => credit.balance === 0)).toBe(true);
    expect(view.invoices.edges).toHaveLength(1);
    const [terminated] = await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId);
    expect(terminated?.data).toMatchObject({ reason: 'NON_RENEWAL', subscriberUserId: admin.userId, terminatedAt: end.toISOString() });
    const stored = await subscriptionOf(h, admin.workspaceId);
    expect((await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '')).status).toBe('canceled');

    const fallback = await personal(admin.userId);
    expect(fallback.subscription).toMatchObject({ kind: 'FREEMIUM', status: 'ACTIVE', currentPeriodStart: end.toISOString() });
    expect(balanceOf(fallback.credits, 'PHONE')).toBe(5);
  });

  it('[BIL-10] a monthly cancellation asked 47 hours before the end renews the plan once, then ends', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    const nextEnd = addCalendarMonths(end, 1);
    await h.moveTo(new Date(end.getTime() - 47 * HOUR_MS));
    const cancelled = await cancel(admin);
    expect(cancelled.subscription.scheduledChange).toMatchObject({ kind: 'CANCELLATION', effectiveAt: nextEnd.toISOString(), renewsFirst: true });

    await h.runUntil(end);
    let view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', currentPeriodEnd: nextEnd.toISOString() });
    expect(view.invoices.edges.map((edge) => edge.node.status)).toEqual(['PAID', 'PAID']);
    expect(balanceOf(view.credits, 'PHONE')).toBe(100);

    await h.runUntil(nextEnd);
    view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'TERMINATED', terminationReason: 'NON_RENEWAL' });
    expect(view.invoices.edges).toHaveLength(2);
  });

  it('[BIL-10] an annual cancellation less than one month before the end renews for another year', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-annual', seats: 1 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(new Date(addCalendarMonths(end, -1).getTime() + HOUR_MS));
    const cancelled = await cancel(admin);
    expect(cancelled.subscription.scheduledChange).toMatchObject({ effectiveAt: addCalendarMonths(end, 12).toISOString(), renewsFirst: true });
    await h.runUntil(end);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', currentPeriodEnd: addCalendarMonths(end, 12).toISOString() });
    expect(view.invoices.edges.map((edge) => edge.node.totalCents)).toEqual([64_800, 64_800]);
  });

  it('[BIL-10] a downgrade asked in time applies at renewal: smaller plan and seats billed by Stripe, SubscriptionChanged, the old period credits lost (no carry-over)', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(new Date(end.getTime() - 5 * DAY_MS));
    await h.call(admin, CHANGE_PLAN, { input: { planId: 'starter-monthly', seats: 2 } });
    await h.runUntil(end);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ planId: 'starter-monthly', seats: 2, pricePerSeatCents: 6500, scheduledChange: null, status: 'ACTIVE' });
    expect(balanceOf(view.credits, 'PHONE')).toBe(200);
    const renewal = view.invoices.edges[0]?.node;
    expect(renewal).toMatchObject({ purpose: 'SUBSCRIPTION', status: 'PAID', subtotalCents: 13_000, vatCents: 2_600, totalCents: 15_600 });
    const [changed] = await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId);
    expect(changed?.data).toMatchObject({ planId: 'starter-monthly', seats: 2, status: 'ACTIVE' });
  });

  it('[BIL-11] early termination by the subscriber: nothing refunded, service until the period end, then SubscriptionTerminated SUBSCRIBER_CHOICE', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-annual', seats: 1 });
    const end = new Date(bought.subscription.currentPeriodEnd);
    // Two months in, well before any notice deadline: the contract still runs to its end, paid in full.
    await h.moveTo(addCalendarMonths(new Date(bought.subscription.currentPeriodStart), 2));
    const terminated = await cancel(admin, 'EARLY_TERMINATION');
    expect(terminated.subscription).toMatchObject({ status: 'ACTIVE', scheduledChange: { kind: 'EARLY_TERMINATION', effectiveAt: end.toISOString() } });
    const [changed] = await expectEvents(h, 'SubscriptionChanged', (data) => data.workspaceId === admin.workspaceId);
    expect(changed?.data.status).toBe('CANCELLING');

    await h.runUntil(addCalendarMonths(h.clock.now(), 3));
    let view = await workspaceBilling(h, admin);
    expect(view.subscription?.status).toBe('ACTIVE');
    expect(balanceOf(view.credits, 'PHONE')).toBe(2400);
    expect(view.invoices.edges.map((edge) => [edge.node.status, edge.node.amountPaidCents])).toEqual([['PAID', 113_760]]);

    await h.runUntil(end);
    view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ status: 'TERMINATED', terminationReason: 'SUBSCRIBER_CHOICE' });
    // Nothing refunded: the invoice is still paid in full, no credit note, no other invoice.
    expect(view.invoices.edges.map((edge) => [edge.node.status, edge.node.amountPaidCents])).toEqual([['PAID', 113_760]]);
    await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId && data.reason === 'SUBSCRIBER_CHOICE');
  });

  it('[ACC-06][BIL-11] deleting a premium subscriber\'s account is an early termination: workspace credits lost at once, the subscription ends with the period (ACCOUNT_DELETED), no FREEMIUM comes back', async () => {
    const admin = await adminWithFreemium();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    await h.moveTo(new Date(h.clock.now().getTime() + 10 * DAY_MS));
    await h.publish('AccountDeleted', {
      userId: admin.userId,
      deletedAt: h.clock.now().toISOString(),
      deletedWorkspaceId: admin.workspaceId,
      leftWorkspaceId: null,
    });
    await eventually(async () => {
      const stored = await subscriptionOf(h, admin.workspaceId);
      expect(stored.scheduledChange).toMatchObject({ kind: 'EARLY_TERMINATION', terminationReason: 'ACCOUNT_DELETED' });
    });
    await eventually(async () => expect((await workspaceBilling(h, admin)).credits.every((credit) => credit.balance === 0)).toBe(true));
    expect(await h.subscriptions.findById(`freemium:${admin.userId}`).lean()).toMatchObject({ status: 'TERMINATED' });

    await h.runUntil(new Date(bought.subscription.currentPeriodEnd));
    const stored = await subscriptionOf(h, admin.workspaceId);
    expect(stored).toMatchObject({ status: 'TERMINATED', termination: { reason: 'ACCOUNT_DELETED', followUpsDone: true } });
    await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId && data.reason === 'ACCOUNT_DELETED');
    expect(await h.subscriptions.findById(`freemium:${admin.userId}`).lean()).toMatchObject({ status: 'TERMINATED' });
  });

  it('[BIL-11] a workspace its administrator deleted ends its PREMIUM early (SUBSCRIBER_CHOICE) with its credits; our own termination echo changes nothing', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    await h.publish('WorkspaceDeleted', { workspaceId: admin.workspaceId, reason: 'DELETED_BY_ADMIN', formerMemberUserIds: [admin.userId], deletedAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await subscriptionOf(h, admin.workspaceId)).scheduledChange).toMatchObject({ kind: 'EARLY_TERMINATION', terminationReason: 'SUBSCRIBER_CHOICE' }));
    await eventually(async () => expect((await workspaceBilling(h, admin)).credits.every((credit) => credit.balance === 0)).toBe(true));
    await h.runUntil(new Date(bought.subscription.currentPeriodEnd));
    await expectEvents(h, 'SubscriptionTerminated', (data) => data.workspaceId === admin.workspaceId && data.reason === 'SUBSCRIBER_CHOICE');

    const other = workspaceAdmin();
    await subscribeWorkspace(h, other, { planId: 'starter-monthly', seats: 1 });
    await h.publish('WorkspaceDeleted', { workspaceId: other.workspaceId, reason: 'SUBSCRIPTION_TERMINATED', formerMemberUserIds: [], deletedAt: h.clock.now().toISOString() });
    const marker = workspaceAdmin();
    await subscribeWorkspace(h, marker, { planId: 'starter-monthly', seats: 1 });
    await h.publish('WorkspaceDeleted', { workspaceId: marker.workspaceId, reason: 'DELETED_BY_ADMIN', formerMemberUserIds: [], deletedAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await subscriptionOf(h, marker.workspaceId)).scheduledChange?.kind).toBe('EARLY_TERMINATION'));
    expect((await subscriptionOf(h, other.workspaceId)).scheduledChange).toBeNull();
  });

  it('[BIL-13][EVT-02] termination follow-ups interrupted by a crash are completed by the next lifecycle pass', async () => {
    const admin = await adminWithFreemium();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const stored = await subscriptionOf(h, admin.workspaceId);
    // The state a crash right after the terminating write leaves behind: nothing followed up yet.
    await h.subscriptions.updateOne(
      { _id: stored._id },
      { $set: { status: 'TERMINATED', termination: { reason: 'NON_RENEWAL', at: h.clock.now(), followUpsDone: false } }, $unset: { liveKey: 1 } },
    );
    expect((await personal(admin.userId)).subscription?.status).toBe('PAUSED');
    await h.billing.lifecycle.runAll();
    await h.drainWebhooks();
    expect(await subscriptionOf(h, admin.workspaceId)).toMatchObject({ termination: { followUpsDone: true } });
    expect((await personal(admin.userId)).subscription?.status).toBe('ACTIVE');
    expect((await workspaceBilling(h, admin)).credits.every((credit) => credit.balance === 0)).toBe(true);
    expect((await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '')).status).toBe('canceled');
  });

  it('[BIL-02] FREEMIUM renews every month with fresh personal credits', async () => {
    const userId = uniqueName('user');
    await h.publish('AccountCreated', { userId, language: 'en', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    const first = await eventually(async () => {
      const view = await personal(userId);
      expect(balanceOf(view.credits, 'PHONE')).toBe(5);
      return view;
    });
    const end = new Date(first.subscription?.currentPeriodEnd ?? '');
    await h.runUntil(new Date(end.getTime() + HOUR_MS));
    const renewed = await personal(userId);
    expect(renewed.subscription).toMatchObject({ status: 'ACTIVE', currentPeriodStart: end.toISOString() });
    expect(balanceOf(renewed.credits, 'PHONE')).toBe(5);
    expect(renewed.credits.find((credit) => credit.creditType === 'PHONE')?.nearestExpiry).toBe(addCalendarMonths(end, 1).toISOString());
  });
});
