import { addCalendarMonths, DAY_MS } from '@leadgraph/platform';
import { testMailbox, userCaller } from '@leadgraph/platform/src/testing';
import {
  SUBSCRIPTION_FIELDS,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
  type SubscriptionView,
} from './subscriptions-harness';

const ANNOUNCE = `mutation Announce($input: AnnouncePriceRevisionInput!) { announcePriceRevision(input: $input) { id planId newPricePerSeatCents effectiveFrom } }`;
const RESPOND = `mutation Respond($input: RespondToPriceRevisionInput!) { respondToPriceRevision(input: $input) { ${SUBSCRIPTION_FIELDS} } }`;
const QUOTE = `query { quotePlanPrice(planId: "business-monthly", seats: 1, country: "FR") { pricePerSeatCents } }`;
const plusDays = (date: Date | string, days: number) => new Date(new Date(date).getTime() + days * DAY_MS);

describe('lifecycle: price revisions (BIL-15)', () => {
  let h: BillingUnderTest;
  const staff = userCaller({ staffRoles: ['BILLING_ADMIN'] });

  beforeAll(async () => {
    h = await startBillingUnderTest('2028-02-01T09:00:00.000Z');
  });
  afterEach(async () => {
    await h.retireStripeSubscriptions();
  });
  afterAll(async () => {
    await h.stop();
  });


  async function stripeRenewalPrice(workspaceId: string): Promise<number | null | undefined> {
    const stored = await subscriptionOf(h, workspaceId);
    const subscription = await h.stripeClient.subscriptions.retrieve(stored.stripe?.subscriptionId ?? '');
    return subscription.items.data[0]?.price.unit_amount;
  }

  it.each([
    ['a user without a staff role', userCaller(), { planId: 'business-monthly', newPricePerSeatCents: 10_900, effectiveFrom: '2028-03-01T00:00:00.000Z' }, 'FORBIDDEN', null],
    ['billing staff, a date in the past', staff, { planId: 'business-monthly', newPricePerSeatCents: 10_900, effectiveFrom: '2028-01-01T00:00:00.000Z' }, 'BAD_USER_INPUT', 'effectiveFrom'],
    ['billing staff, an unknown plan', staff, { planId: 'no-such-plan', newPricePerSeatCents: 10_900, effectiveFrom: '2028-03-01T00:00:00.000Z' }, 'BAD_USER_INPUT', 'planId'],
    ['billing staff, the free plan', staff, { planId: 'freemium-monthly', newPricePerSeatCents: 100, effectiveFrom: '2028-03-01T00:00:00.000Z' }, 'BAD_USER_INPUT', 'planId'],
    ['billing staff, a negative price', staff, { planId: 'business-monthly', newPricePerSeatCents: -5, effectiveFrom: '2028-03-01T00:00:00.000Z' }, 'BAD_USER_INPUT', 'newPricePerSeatCents'],
  ])('[BIL-15] a revision announced by %s is refused (FORBIDDEN or BAD_USER_INPUT naming the field)', async (_label, caller, input, code, field) => {
    const answer = await h.call(caller, ANNOUNCE, { input });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code, ...(field ? { field } : {}) });
  });

  it('[BIL-15] subscribers are told at least 15 days before the renewal; silence for 15 days is acceptance; the new price applies from the renewal', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    const renewal = new Date(bought.subscription.currentPeriodEnd);
    await h.moveTo(plusDays(bought.subscription.currentPeriodStart, 10));
    const announced = await h.call(staff, ANNOUNCE, {
      input: { planId: 'business-monthly', newPricePerSeatCents: 10_900, effectiveFrom: plusDays(h.clock.now(), 9).toISOString() },
    });
    expect(announced.errors).toBeUndefined();

    await h.billing.lifecycle.runAll();
    const toldAt = h.clock.now();
    const stored = await subscriptionOf(h, admin.workspaceId);
    const mail = await testMailbox().waitFor(stored.billing?.email ?? '', /price of your Business plan changes/);
    expect(mail.subject).toContain(renewal.toISOString().slice(0, 10));
    expect(mail.text).toContain('EUR 109.00 per seat');
    let view = await workspaceBilling(h, admin);
    expect(view.subscription?.priceRevision).toEqual({
      oldPricePerSeatCents: 9900,
      newPricePerSeatCents: 10_900,
      appliesAt: renewal.toISOString(),
      answerBy: plusDays(toldAt, 15).toISOString(),
      answer: 'AWAITING_ANSWER',
      oldPriceKeptUntil: null,
    });
    expect(renewal.getTime() - toldAt.getTime()).toBeGreaterThanOrEqual(15 * DAY_MS);
    // The period in progress keeps its price; Stripe will bill the new one at the renewal.
    expect(view.subscription?.pricePerSeatCents).toBe(9900);
    expect(await stripeRenewalPrice(admin.workspaceId)).toBe(10_900);
    // Told once per revision.
    await h.billing.lifecycle.runAll();
    expect((await testMailbox().list(stored.billing?.email ?? '')).filter((sent) => /price of your/.test(sent.subject))).toHaveLength(1);

    await h.runUntil(plusDays(toldAt, 16));
    view = await workspaceBilling(h, admin);
    expect(view.subscription?.priceRevision?.answer).toBe('ACCEPTED_BY_SILENCE');
    const late = await h.call(admin, RESPOND, { input: { response: 'KEEP_OLD_PLAN' } });
    expect(late.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(late.errors?.[0]?.message).toMatch(/^response: .*silence was acceptance/);

    await h.runUntil(renewal);
    view = await workspaceBilling(h, admin);
    expect(view.subscription).toMatchObject({ pricePerSeatCents: 10_900, periodPriceCents: 32_700, currentPeriodStart: renewal.toISOString() });
    expect(view.invoices.edges[0]?.node).toMatchObject({ purpose: 'SUBSCRIPTION', subtotalCents: 32_700, vatCents: 6_540, status: 'PAID' });

    // New subscriptions pay the revised price once it is in effect.
    const quote = await h.call<{ quotePlanPrice: { pricePerSeatCents: number } }>(userCaller(), QUOTE);
    expect(quote.data?.quotePlanPrice.pricePerSeatCents).toBe(10_900);
  });

  it('[BIL-15] the subscriber may keep the old plan, for at most one year: the old price renews once, then the new one applies', async () => {
    const admin = workspaceAdmin();
    const bought = await subscribeWorkspace(h, admin, { planId: 'organization-annual', seats: 1 });
    const renewal = new Date(bought.subscription.currentPeriodEnd);
    await h.call(staff, ANNOUNCE, {
      input: { planId: 'organization-annual', newPricePerSeatCents: 130_000, effectiveFrom: plusDays(h.clock.now(), 1).toISOString() },
    });
    await h.billing.lifecycle.runAll();
    const answer = await h.call<{ respondToPriceRevision: SubscriptionView }>(admin, RESPOND, { input: { response: 'KEEP_OLD_PLAN' } });
    expect(answer.data?.respondToPriceRevision.priceRevision).toMatchObject({
      answer: 'KEEP_OLD_PLAN',
      appliesAt: renewal.toISOString(),
      oldPriceKeptUntil: addCalendarMonths(renewal, 12).toISOString(),
    });
    expect(await stripeRenewalPrice(admin.workspaceId)).toBe(118_800);
    const twice = await h.call(admin, RESPOND, { input: { response: 'ACCEPT' } });
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    await h.runUntil(renewal);
    let view = await workspaceBilling(h, admin);
    expect(view.subscription?.pricePerSeatCents).toBe(118_800);
    expect(view.invoices.edges[0]?.node).toMatchObject({ subtotalCents: 118_800, status: 'PAID' });
    // The year is up: Stripe bills the new price at the next renewal.
    expect(await stripeRenewalPrice(admin.workspaceId)).toBe(130_000);

    await h.runUntil(addCalendarMonths(renewal, 12));
    view = await workspaceBilling(h, admin);
    expect(view.subscription?.pricePerSeatCents).toBe(130_000);
    expect(view.invoices.edges[0]?.node).toMatchObject({ subtotalCents: 130_000, vatCents: 26_000, status: 'PAID' });
  });

  it('[BIL-15] a subscriber with no revision to answer gets a CONFLICT naming the response', async () => {
    const admin = workspaceAdmin();
    await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1 });
    const answer = await h.call(admin, RESPOND, { input: { response: 'ACCEPT' } });
    expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(answer.errors?.[0]?.message).toMatch(/^response: there is no price revision/);
  });
});
