import { apiTokenCaller, eventually, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { stripeCustomerModel } from '../src/stripe/stripe.model';
import {
  BUY_ADD_ON,
  SUBSCRIBE,
  USER_BILLING,
  balanceOf,
  cardPaymentMethod,
  expectEvents,
  publishedEvents,
  sepaPaymentMethod,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BalanceView,
  type BillingUnderTest,
  type SubscriptionView,
  type WorkspaceBillingView,
} from './subscriptions-harness';

const ATTACH = `mutation Attach($input: AttachPaymentMethodInput!) { attachPaymentMethod(input: $input) { id kind brand last4 isDefault } }`;

describe('subscriptions: FREEMIUM for every account, PREMIUM bought through Stripe (BIL-02, BIL-08, BIL-16)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-01-01T09:00:00.000Z');
  });
  afterAll(async () => {
    await h.stop();
  });

  async function userBilling(userId: string): Promise<{ subscription: SubscriptionView | null; credits: BalanceView[] }> {
    const answer = await h.call<{ _entities: Array<{ subscription: SubscriptionView | null; credits: BalanceView[] }> }>(
      userCaller({ userId }),
      USER_BILLING,
      { representations: [{ __typename: 'User', id: userId }] },
    );
    const view = answer.data?._entities[0];
    if (!view) throw new Error(JSON.stringify(answer.errors));
    return view;
  }

  it('[BIL-02][BIL-08] every new account gets FREEMIUM: monthly periods, personal credits granted through the ledger', async () => {
    const userId = uniqueName('user');
    await h.publish('AccountCreated', { userId, language: 'en', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    // The subscription is written first, its grants right after: wait for both.
    const view = await eventually(async () => {
      const found = await userBilling(userId);
      expect(found.subscription?.status).toBe('ACTIVE');
      expect(await h.subscriptions.findById(`freemium:${userId}`, { pendingGrants: 1 }).lean()).toMatchObject({ pendingGrants: [] });
      return userBilling(userId);
    });
    expect(view.subscription).toMatchObject({
      planId: 'freemium-monthly',
      kind: 'FREEMIUM',
      seats: 1,
      periodPriceCents: 0,
      currentPeriodStart: '2027-01-01T09:00:00.000Z',
      currentPeriodEnd: '2027-02-01T09:00:00.000Z',
    });
    expect(balanceOf(view.credits, 'PHONE')).toBe(5);
    expect(balanceOf(view.credits, 'EXPORT')).toBe(10);
    expect(view.credits.find((credit) => credit.creditType === 'PHONE')?.nearestExpiry).toBe('2027-02-01T09:00:00.000Z');

    // The same event delivered again (another message id) grants nothing more.
    await h.publish('AccountCreated', { userId, language: 'en', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    const marker = uniqueName('user');
    await h.publish('AccountCreated', { userId: marker, language: 'fr', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    await eventually(async () => expect(await h.subscriptions.findById(`freemium:${marker}`, { pendingGrants: 1 }).lean()).toMatchObject({ pendingGrants: [] }));
    expect(balanceOf((await userBilling(userId)).credits, 'PHONE')).toBe(5);
    expect(await h.subscriptions.countDocuments({ subscriberUserId: userId })).toBe(1);
  });

  it('[BIL-02][BIL-05][BIL-08] an administrator buys 3 seats monthly: price x seats + 20 % VAT charged by Stripe, credits per seat to the workspace pool until the period ends', async () => {
    const admin = workspaceAdmin();
    await h.publish('AccountCreated', { userId: admin.userId, language: 'fr', termsVersion: '1.0', createdAt: h.clock.now().toISOString() });
    await eventually(async () => expect((await userBilling(admin.userId)).subscription?.status).toBe('ACTIVE'));

    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3, billingCountry: 'fr', vatNumber: 'FR 12 345678901' });
    expect(bought.outcome).toBe('APPLIED');
    expect(bought.subscription).toMatchObject({
      planId: 'business-monthly',
      kind: 'PREMIUM',
      status: 'ACTIVE',
      seats: 3,
      billingPeriod: 'MONTHLY',
      pricePerSeatCents: 9900,
      periodPriceCents: 29_700,
      vatTreatment: 'DOMESTIC',
      currentPeriodStart: '2027-01-01T09:00:00.000Z',
      currentPeriodEnd: '2027-02-01T09:00:00.000Z',
    });
    expect(bought.charge?.invoice).toMatchObject({
      purpose: 'SUBSCRIPTION',
      status: 'PAID',
      subtotalCents: 29_700,
      vatCents: 5_940,
      totalCents: 35_640,
      amountPaidCents: 35_640,
      vatRateBasisPoints: 2000,
      periodStart: '2027-01-01T09:00:00.000Z',
      periodEnd: '2027-02-01T09:00:00.000Z',
    });

    const view = await workspaceBilling(h, admin);
    expect(balanceOf(view.credits, 'PHONE')).toBe(600);
    expect(balanceOf(view.credits, 'DIRECT_EMAIL')).toBe(600);
    expect(balanceOf(view.credits, 'EXPORT')).toBe(6000);
    expect(view.credits.find((credit) => credit.creditType === 'PRO_EMAIL')).toMatchObject({ unlimited: true, nearestExpiry: '2027-02-01T09:00:00.000Z' });
    expect(view.invoices.edges.map((edge) => edge.node.totalCents)).toEqual([35_640]);
    expect(view.paymentMethods).toEqual([{ id: expect.stringMatching(/^pm_/), kind: 'CARD', brand: 'visa', last4: '4242', isDefault: true }]);

    const [started] = await expectEvents(h, 'SubscriptionStarted', (data) => data.workspaceId === admin.workspaceId);
    expect(started?.data).toMatchObject({
      subscriberUserId: admin.userId,
      planId: 'business-monthly',
      seats: 3,
      periodStart: '2027-01-01T09:00:00.000Z',
      periodEnd: '2027-02-01T09:00:00.000Z',
    });

    // Stripe holds the customer and the subscription; we hold their ids, never card data.
    const stored = await subscriptionOf(h, admin.workspaceId);
    const customer = await stripeCustomerModel(h.billing.infra.connection).findById(`WORKSPACE:${admin.workspaceId}`).lean();
    expect(stored.stripe?.customerId).toBe(customer?.stripeCustomerId);
    const stripeSubscription = await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '');
    expect(stripeSubscription.items.data[0]).toMatchObject({ quantity: 3, price: { unit_amount: 9900, recurring: { interval: 'month' } } });
    expect(stripeSubscription.status).toBe('active');
    const everything = JSON.stringify(await h.billing.infra.connection.db?.collection('payment_methods').find().toArray());
    expect(everything).not.toContain('4242424242424242');

    // The subscriber's personal FREEMIUM stops while the PREMIUM lasts (personal credits stay theirs).
    expect((await userBilling(admin.userId)).subscription?.status).toBe('PAUSED');
  });

  it('[BIL-02] an EU business with a VAT number is reverse-charged; an annual plan bills a year per seat; SEPA debit pays', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, {
      planId: 'starter-annual',
      seats: 2,
      billingCountry: 'DE',
      vatNumber: 'DE123456789',
      paymentMethodId: await sepaPaymentMethod(h, 'DE89370400440532013000'),
    });
    expect(bought.subscription).toMatchObject({ status: 'ACTIVE', vatTreatment: 'REVERSE_CHARGE', currentPeriodEnd: '2028-01-01T09:00:00.000Z' });
    expect(bought.charge?.invoice).toMatchObject({ subtotalCents: 108_000, vatCents: 0, totalCents: 108_000, vatTreatment: 'REVERSE_CHARGE' });
    const view = await workspaceBilling(h, admin);
    expect(view.paymentMethods).toEqual([expect.objectContaining({ kind: 'SEPA_DEBIT', last4: '3000', isDefault: true })]);
    expect(balanceOf(view.credits, 'PHONE')).toBe(2400);
  });

  it.each([
    [{ planId: 'no-such-plan' }, 'planId'],
    [{ planId: 'freemium-monthly' }, 'planId'],
    [{ seats: 0 }, 'seats'],
    [{ seats: 1_000_000 }, 'seats'],
    [{ billingCountry: 'France' }, 'billingCountry'],
    [{ billingCountry: 'DE', vatNumber: 'DE12' }, 'vatNumber'],
    [{ billingCountry: 'FR', vatNumber: 'FR12-ABC' }, 'vatNumber'],
    [{ billingCountry: 'DE', vatNumber: 'FR12345678901' }, 'vatNumber'],
    [{ paymentMethodId: 'card_4242' }, 'paymentMethodId'],
    [{ paymentMethodId: 'pm_doesnotexist' }, 'paymentMethodId'],
    [{ billingEmail: 'not an address' }, 'billingEmail'],
  ])('[BIL-02] a bad purchase %j is BAD_USER_INPUT naming %s, and nothing is written', async (change, field) => {
    const admin = workspaceAdmin();
    const answer = await h.call(admin, SUBSCRIBE, {
      input: { planId: 'business-monthly', seats: 2, billingCountry: 'FR', paymentMethodId: await cardPaymentMethod(h), billingEmail: 'billing@acme.test', ...change },
    });
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await h.subscriptions.countDocuments({ workspaceId: admin.workspaceId })).toBe(0);
    expect((await workspaceBilling(h, admin)).subscription).toBeNull();
  });

  it('[BIL-16] a declined card: BAD_USER_INPUT on paymentMethodId, no subscription, no credits, no SubscriptionStarted', async () => {
    const admin = workspaceAdmin();
    const answer = await h.call(admin, SUBSCRIBE, {
      input: {
        planId: 'business-monthly',
        seats: 2,
        billingCountry: 'FR',
        paymentMethodId: await cardPaymentMethod(h, 'tok_chargeDeclinedInsufficientFunds'),
        billingEmail: 'billing@acme.test',
      },
    });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'paymentMethodId' });
    expect(answer.errors?.[0]?.message).toMatch(/insufficient_funds/);
    const view = await workspaceBilling(h, admin);
    expect(view.subscription).toBeNull();
    expect(view.credits.every((credit) => credit.balance === 0)).toBe(true);
    expect(await publishedEvents(h, 'SubscriptionStarted', (data) => data.workspaceId === admin.workspaceId)).toEqual([]);

    // A working card afterwards buys the plan normally.
    const retried = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 2 });
    expect(retried.subscription.status).toBe('ACTIVE');
  });

  it('[BIL-02] one subscription per workspace: buying again is a CONFLICT', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const again = await h.call(admin, SUBSCRIBE, {
      input: { planId: 'business-monthly', seats: 2, billingCountry: 'FR', paymentMethodId: await cardPaymentMethod(h), billingEmail: 'billing@acme.test' },
    });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await h.subscriptions.countDocuments({ workspaceId: admin.workspaceId })).toBe(1);
  });

  it('[BIL-16][ACC-08] administrators only: a member is FORBIDDEN, a partner token never buys; billing:read tokens read the subscription and invoices', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 2 });
    const input = { planId: 'business-monthly', seats: 2, billingCountry: 'FR', paymentMethodId: await cardPaymentMethod(h), billingEmail: 'billing@acme.test' };
    const member = await h.call(userCaller({ workspaceId: admin.workspaceId, workspaceRole: 'MEMBER' }), SUBSCRIBE, { input });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const token = apiTokenCaller({ workspaceId: admin.workspaceId, userId: admin.userId, scopes: ['billing:read'] });
    expect((await h.call(token, SUBSCRIBE, { input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const attach = await h.call(token, ATTACH, { input: { paymentMethodId: await cardPaymentMethod(h) } });
    expect(attach.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const read = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Workspace { subscription { planId seats } invoices { edges { node { totalCents } } } } } }`;
    const representations = [{ __typename: 'Workspace', id: admin.workspaceId }];
    const byToken = await h.call<{ _entities: Array<Pick<WorkspaceBillingView, 'subscription' | 'invoices'>> }>(token, read, { representations });
    expect(byToken.errors).toBeUndefined();
    expect(byToken.data?._entities[0]?.subscription).toEqual({ planId: 'starter-monthly', seats: 2 });
    expect(byToken.data?._entities[0]?.invoices.edges).toHaveLength(1);
    const withoutScope = await h.call(apiTokenCaller({ workspaceId: admin.workspaceId, scopes: ['contacts:read'] }), read, { representations });
    expect(withoutScope.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'billing:read' });
    const memberRead = await h.call(userCaller({ workspaceId: admin.workspaceId, workspaceRole: 'MEMBER' }), read, { representations });
    expect(memberRead.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('[BIL-16] attaching a payment method keeps the Stripe id, kind, brand and last 4 only; the new one becomes the default', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const attached = await h.call<{ attachPaymentMethod: { id: string; kind: string; brand: string; last4: string; isDefault: boolean } }>(admin, ATTACH, {
      input: { paymentMethodId: await cardPaymentMethod(h, 'tok_mastercard') },
    });
    expect(attached.data?.attachPaymentMethod).toMatchObject({ kind: 'CARD', brand: 'mastercard', isDefault: true });
    const methods = (await workspaceBilling(h, admin)).paymentMethods;
    expect(methods.map((method) => [method.brand, method.isDefault])).toEqual([
      ['mastercard', true],
      ['visa', false],
    ]);
    const customer = await h.stripeClient.customers.retrieve((await subscriptionOf(h, admin.workspaceId)).stripe?.customerId ?? '');
    expect(!customer.deleted && customer.invoice_settings.default_payment_method).toBe(attached.data?.attachPaymentMethod.id);
    const bad = await h.call(admin, ATTACH, { input: { paymentMethodId: 'pm_unknown123' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'paymentMethodId' });
  });

  it('[BIL-16] invoices are listed newest first with cursor pagination', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    for (const quantity of [10, 20]) {
      await h.moveTo(new Date(h.clock.now().getTime() + 60_000));
      await h.call(admin, BUY_ADD_ON, { input: { creditType: 'EXPORT', quantity } });
    }
    const page = `query ($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on Workspace {
      invoices(first: $first, after: $after) { edges { cursor node { purpose subtotalCents retainedUntil } } pageInfo { hasNextPage endCursor } } } } }`;
    const r = [{ __typename: 'Workspace', id: admin.workspaceId }];
    type Page = { _entities: Array<{ invoices: WorkspaceBillingView['invoices'] & { edges: Array<{ node: { purpose: string; subtotalCents: number; retainedUntil: string } }> } }> };
    const first = (await h.call<Page>(admin, page, { r, first: 2 })).data?._entities[0]?.invoices;
    expect(first?.edges.map((edge) => [edge.node.purpose, edge.node.subtotalCents])).toEqual([
      ['ADD_ON', 40],
      ['ADD_ON', 20],
    ]);
    expect(first?.pageInfo.hasNextPage).toBe(true);
    const second = (await h.call<Page>(admin, page, { r, first: 2, after: first?.pageInfo.endCursor })).data?._entities[0]?.invoices;
    expect(second?.edges.map((edge) => [edge.node.purpose, edge.node.subtotalCents, edge.node.retainedUntil])).toEqual([['SUBSCRIPTION', 6500, '2038-01-01T00:00:00.000Z']]);
    expect(second?.pageInfo).toEqual({ hasNextPage: false, endCursor: second?.edges[0]?.cursor });
    const malformed = await h.call(admin, page, { r, after: '???' });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await h.call(admin, page, { r, first: 500 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
