import Stripe from 'stripe';
import { addCalendarMonths, DAY_MS, ManualClock, type EventBus } from '@leadgraph/platform';
import { connectTestBus, eventually, expectEvents, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { gatewayClient, startTestStack, type TestStack } from './test-stack';

interface Balance {
  creditType: string;
  balance: number;
}
interface SubscriptionView {
  planId: string;
  kind: string;
  status: string;
  seats: number;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  suspendedFor: string[];
}
interface PlanView {
  id: string;
  pricePerSeatCents: number;
  credits: Array<{ creditType: string; perSeat: number | null; unlimited: boolean }>;
}

const SUBSCRIPTION = 'planId kind status seats currentPeriodStart currentPeriodEnd suspendedFor';
const balanceOf = (credits: Balance[] | undefined, type: string) => credits?.find((credit) => credit.creditType === type)?.balance;

/**
 * Billing end to end through the gateway, with the local Stripe-compatible server driven by the
 * real SDK and its signed webhooks: FREEMIUM at sign-up -> PREMIUM annual -> shared pool ->
 * prorated upgrade -> failed payment, suspension, payment, reinstatement -> cancellation with
 * notice -> period end -> FREEMIUM again, workspace gone, SubscriptionTerminated published.
 */
describe('billing end to end through the gateway', () => {
  let stack: TestStack;
  let bus: EventBus;
  const { gql, signUpAndLogin, login } = gatewayClient({ get gateway() { return stack.gateway; } });

  beforeAll(async () => {
    stack = await startTestStack(new ManualClock('2027-03-01T09:00:00.000Z'));
    bus = await connectTestBus('billing-e2e', stack.natsUrl);
  });
  afterAll(async () => {
    await bus.close();
    await stack.stop();
  });

  /** Moves time, runs billing's jobs, and signs the user in again (access tokens last 15 minutes). */
  async function runBilling(at: Date, email: string): Promise<string> {
    await stack.moveTo(at);
    await stack.billing.lifecycle.runAll();
    await stack.stripe.control.drainWebhooks();
    return login(email);
  }

  it('[BIL-02][BIL-05][BIL-08][BIL-09][BIL-10][BIL-13][BIL-14][BIL-16] runs a subscription from FREEMIUM to PREMIUM and back', async () => {
    const domain = `${uniqueName('billing').replace('_', '-')}.com`;
    const plans = (await gql<{ plans: PlanView[] }>('{ plans { id pricePerSeatCents credits { creditType perSeat unlimited } } }')).data!.plans;
    const plan = (id: string) => plans.find((candidate) => candidate.id === id)!;
    const perSeat = (id: string, type: string) => plan(id).credits.find((credit) => credit.creditType === type)?.perSeat ?? 0;

    // Sign-up: a FREEMIUM subscription with personal credits (BIL-08).
    const adminEmail = `ada@${domain}`;
    const admin = await signUpAndLogin(adminEmail);
    let adminToken = admin.accessToken;
    const freemium = await eventually(async () => {
      const answer = await gql<{ me: { credits: Balance[]; subscription: SubscriptionView | null } }>(
        `{ me { credits { creditType balance } subscription { ${SUBSCRIPTION} } } }`,
        {},
        admin.accessToken,
      );
      expect(answer.data?.me.subscription?.kind).toBe('FREEMIUM');
      expect(balanceOf(answer.data?.me.credits, 'PHONE')).toBe(perSeat('freemium-monthly', 'PHONE'));
      return answer.data!.me;
    });
    expect(freemium.subscription?.planId).toBe('freemium-monthly');

    const workspace = await gql<{ createWorkspace: { id: string } }>('mutation { createWorkspace(input: { name: "Acme revenue" }) { id } }', {}, admin.accessToken);
    const workspaceId = workspace.data!.createWorkspace.id;

    // PREMIUM annual for 2 seats, paid by card through Stripe (the card tokenised as Stripe.js would).
    const stripeJs = new Stripe(stack.stripe.secretKey, { ...stack.stripe.clientConfig, maxNetworkRetries: 0, telemetry: false });
    const card = await stripeJs.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const subscribed = await gql<{ subscribe: { outcome: string; subscription: SubscriptionView; charge: { invoice: { subtotalCents: number; vatCents: number; status: string } } } }>(
      `mutation($input: SubscribeInput!) { subscribe(input: $input) { outcome subscription { ${SUBSCRIPTION} } charge { invoice { subtotalCents vatCents status } } } }`,
      { input: { planId: 'starter-annual', seats: 2, billingCountry: 'FR', paymentMethodId: card.id, billingEmail: `billing@${domain}` } },
      admin.accessToken,
    );
    expect(subscribed.errors).toBeUndefined();
    expect(subscribed.data?.subscribe.subscription).toMatchObject({ planId: 'starter-annual', kind: 'PREMIUM', status: 'ACTIVE', seats: 2 });
    const firstInvoice = subscribed.data!.subscribe.charge.invoice;
    expect(firstInvoice).toMatchObject({ subtotalCents: 2 * plan('starter-annual').pricePerSeatCents, status: 'PAID' });
    expect(firstInvoice.vatCents).toBe(Math.round(firstInvoice.subtotalCents * 0.2));
    const periodStart = new Date(subscribed.data!.subscribe.subscription.currentPeriodStart);
    const periodEnd = new Date(subscribed.data!.subscribe.subscription.currentPeriodEnd);
    const started = (await expectEvents(bus, 'SubscriptionStarted', (data) => data.workspaceId === workspaceId))[0]!;
    expect(started.data).toMatchObject({ planId: 'starter-annual', seats: 2, subscriberUserId: admin.userId });

    // An invited member sees the workspace pool: 2 seats' worth of subscription credits (BIL-08).
    const member = await signUpAndLogin(`bob@${domain}`);
    await gql('mutation($input: InviteMemberInput!) { inviteMember(input: $input) { id } }', { input: { email: `bob@${domain}`, role: 'MEMBER' } }, admin.accessToken);
    const invitation = await testMailbox().waitFor(`bob@${domain}`, /invited/i);
    const token = new URL(/https?:\/\/\S+/.exec(invitation.text)![0]).searchParams.get('token');
    const accepted = await gql('mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { id } }', { input: { token } }, member.accessToken);
    expect(accepted.errors).toBeUndefined();
    const pool = await eventually(async () => {
      const answer = await gql<{ myWorkspace: { credits: Balance[] } }>('{ myWorkspace { credits { creditType balance } } }', {}, member.accessToken);
      expect(balanceOf(answer.data?.myWorkspace.credits, 'PHONE')).toBe(2 * perSeat('starter-annual', 'PHONE'));
      return answer.data!.myWorkspace.credits;
    });
    expect(balanceOf(pool, 'EXPORT')).toBe(2 * perSeat('starter-annual', 'EXPORT'));

    // Mid-year upgrade to Business annual (BIL-09): the price difference for the whole months left,
    // the extra credits pro rata of the time left, the end date unchanged.
    const upgradeAt = new Date(addCalendarMonths(periodStart, 5).getTime() + 10 * DAY_MS);
    adminToken = await runBilling(upgradeAt, adminEmail);
    const upgraded = await gql<{ changePlan: { outcome: string; subscription: SubscriptionView; charge: { monthsCharged: number; invoice: { subtotalCents: number; status: string } } } }>(
      `mutation { changePlan(input: { planId: "business-annual" }) { outcome subscription { ${SUBSCRIPTION} } charge { monthsCharged invoice { subtotalCents status } } } }`,
      {},
      adminToken,
    );
    expect(upgraded.errors).toBeUndefined();
    expect(upgraded.data?.changePlan.outcome).toBe('APPLIED');
    expect(upgraded.data?.changePlan.charge.monthsCharged).toBe(6);
    const yearlyDifference = 2 * (plan('business-annual').pricePerSeatCents - plan('starter-annual').pricePerSeatCents);
    expect(upgraded.data?.changePlan.charge.invoice).toEqual({ subtotalCents: Math.round((yearlyDifference * 6) / 12), status: 'PAID' });
    expect(upgraded.data?.changePlan.subscription).toMatchObject({ planId: 'business-annual', currentPeriodEnd: periodEnd.toISOString() });
    const leftRatio = (periodEnd.getTime() - upgradeAt.getTime()) / (periodEnd.getTime() - periodStart.getTime());
    const extraPhone = Math.floor(2 * (perSeat('business-annual', 'PHONE') - perSeat('starter-annual', 'PHONE')) * leftRatio);
    const afterUpgrade = await gql<{ myWorkspace: { credits: Balance[] } }>('{ myWorkspace { credits { creditType balance } } }', {}, adminToken);
    expect(balanceOf(afterUpgrade.data?.myWorkspace.credits, 'PHONE')).toBe(2 * perSeat('starter-annual', 'PHONE') + extraPhone);

    // The renewal charge fails (BIL-14): Stripe's invoice.payment_failed webhook suspends at once.
    const customers = await stripeJs.customers.list({ email: `billing@${domain}` });
    const customerId = customers.data[0]?.id;
    expect(customerId).toBeDefined();
    await stack.stripe.control.failNextCharge(customerId!, { declineCode: 'insufficient_funds', times: 4 });
    adminToken = await runBilling(periodEnd, adminEmail);
    const suspended = await eventually(async () => {
      const answer = await gql<{ myWorkspace: { subscription: SubscriptionView } }>(`{ myWorkspace { subscription { ${SUBSCRIPTION} } } }`, {}, adminToken);
      expect(answer.data?.myWorkspace.subscription.status).toBe('SUSPENDED');
      return answer.data!.myWorkspace.subscription;
    });
    expect(suspended.suspendedFor).toEqual(['NON_PAYMENT']);
    const failed = await expectEvents(bus, 'PaymentFailed', (data) => data.workspaceId === workspaceId);

    // Payment: the open invoice is paid, the invoice.paid webhook reinstates the subscription.
    await stack.stripe.control.payInvoiceOutOfBand(failed[0]!.data.invoiceId);
    await stack.stripe.control.drainWebhooks();
    const reinstated = await eventually(async () => {
      const answer = await gql<{ myWorkspace: { subscription: SubscriptionView } }>(`{ myWorkspace { subscription { ${SUBSCRIPTION} } } }`, {}, adminToken);
      expect(answer.data?.myWorkspace.subscription.status).toBe('ACTIVE');
      return answer.data!.myWorkspace.subscription;
    });
    const secondEnd = new Date(reinstated.currentPeriodEnd);
    expect(secondEnd.getTime()).toBeGreaterThan(periodEnd.getTime());

    // Cancellation with notice: more than a month before the annual end, so it ends then (BIL-10).
    adminToken = await runBilling(addCalendarMonths(secondEnd, -2), adminEmail);
    const cancelled = await gql<{ cancelSubscription: { outcome: string } }>('mutation { cancelSubscription { outcome } }', {}, adminToken);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data?.cancelSubscription.outcome).toBe('SCHEDULED');

    // Period end: PREMIUM ends, the admin is back on FREEMIUM, the workspace and its credits are gone (BIL-13).
    adminToken = await runBilling(new Date(secondEnd.getTime() + 60_000), adminEmail);
    const memberToken = await login(`bob@${domain}`);
    const terminated = (await expectEvents(bus, 'SubscriptionTerminated', (data) => data.workspaceId === workspaceId))[0]!;
    expect(terminated.data.reason).toBe('NON_RENEWAL');
    await eventually(async () => {
      const answer = await gql<{ myWorkspace: { id: string } | null }>('{ myWorkspace { id } }', {}, memberToken);
      expect(answer.data?.myWorkspace).toBeNull();
    });
    const back = await eventually(async () => {
      const answer = await gql<{ me: { subscription: SubscriptionView | null; credits: Balance[] } }>(
        `{ me { subscription { ${SUBSCRIPTION} } credits { creditType balance } } }`,
        {},
        adminToken,
      );
      expect(answer.data?.me.subscription?.kind).toBe('FREEMIUM');
      return answer.data!.me;
    });
    expect(balanceOf(back.credits, 'PHONE')).toBeGreaterThan(0);
  });
});
