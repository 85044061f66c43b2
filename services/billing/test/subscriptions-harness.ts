import Stripe from 'stripe';
import { createEvent, type EventData, type EventName, type LeadgraphEvent } from '@leadgraph/events';
import { type Caller, type ManualClock } from '@leadgraph/platform';
import { LocalStripeServer, type RunningLocalStripe } from '@leadgraph/platform/src/stripe-local';
import {
  expectEvents as platformExpectEvents,
  publishedEvents as platformPublishedEvents,
  callSubgraph,
  serviceTestEnv,
  startIsolatedNats,
  testClock,
  testLogger,
  uniqueName,
  userCaller,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { loadBillingConfig, type BillingConfig } from '../src/config';
import { startBillingService, type RunningBillingService } from '../src/main';
import { subscriptionModel, type SubscriptionDocument, type SubscriptionModel } from '../src/subscriptions/subscription.model';
import { invoiceModel, type InvoiceModel } from '../src/invoices/invoice.model';
import { webhookEventModel, type WebhookEventModel } from '../src/webhooks/webhook.model';

/**
 * Shared by the subscription, webhook and lifecycle integration tests: the real billing service
 * (its own database on the shared test Mongo, its own NATS server) and the local Stripe server
 * over HTTP through the real `stripe` SDK, both on one manual clock moved by `moveTo`. Stripe
 * signs webhooks with its (simulated) clock, billing verifies them against the same time.
 */
export interface BillingUnderTest {
  billing: RunningBillingService;
  stripe: RunningLocalStripe;
  /** The SDK as a browser-side Stripe.js would use it: tokenising cards for tests. */
  stripeClient: Stripe;
  config: BillingConfig;
  clock: ManualClock;
  subscriptions: SubscriptionModel;
  invoices: InvoiceModel;
  webhookEvents: WebhookEventModel;
  /** GraphQL as any caller, signed for the service clock. */
  call<T = Record<string, unknown>>(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<SubgraphAnswer<T>>;
  /** Moves billing's and Stripe's clocks to `at` (never backwards) and waits for Stripe's webhooks. */
  moveTo(at: Date | string): Promise<void>;
  /** Waits until Stripe delivered every webhook queued so far. */
  drainWebhooks(): Promise<void>;
  /** Both clocks to `at`, Stripe's renewals and webhooks delivered, then billing's lifecycle pass. */
  runUntil(at: Date | string): Promise<void>;
  /**
   * Cancels every Stripe subscription still running (as from Stripe's dashboard) and waits for
   * billing to end them: tests that move the clock far then renew only what they created.
   */
  retireStripeSubscriptions(): Promise<void>;
  publish<N extends EventName>(name: N, data: EventData<N>): Promise<LeadgraphEvent<N>>;
  stop(): Promise<void>;
}

export async function startBillingUnderTest(start = '2027-01-01T09:00:00.000Z'): Promise<BillingUnderTest> {
  const clock = testClock(start);
  const nats = await startIsolatedNats();
  const stripe = await LocalStripeServer.start({
    startTime: clock.now(),
    webhookSignatureClock: 'server-clock',
    renewalFinalizationDelaySeconds: 0,
    webhookRetryDelaysMs: [100, 300],
    // Billing ends unpaid subscriptions itself, 15 days after its formal notice (BIL-14).
    dunning: { afterFinalFailure: 'unpaid' },
  });
  const config = loadBillingConfig(
    serviceTestEnv('billing', {
      NATS_URL: nats.url,
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      // Tests run the lifecycle themselves after moving the clock.
      BILLING_JOB_INTERVAL_SECONDS: '86400',
    }),
  );
  const billing = await startBillingService(config, { clock, logger: testLogger('billing') });
  await stripe.control.addWebhookEndpoint(new URL('/webhooks/stripe', billing.url).toString());
  const stripeClient = new Stripe(stripe.secretKey, { ...stripe.clientConfig, maxNetworkRetries: 0, telemetry: false });
  const { connection } = billing.infra;
  const drainWebhooks = async () => {
    const drained = await stripe.control.drainWebhooks(60_000);
    if (!drained.idle) throw new Error('Stripe webhooks did not drain');
  };
  const moveTo = async (at: Date | string) => {
    const target = new Date(at);
    if (target.getTime() < clock.now().getTime()) throw new Error(`the clock cannot go back to ${target.toISOString()}`);
    clock.set(target);
    await stripe.control.setClock(target);
    await drainWebhooks();
  };
  return {
    billing,
    stripe,
    stripeClient,
    config,
    clock,
    subscriptions: subscriptionModel(connection),
    invoices: invoiceModel(connection),
    webhookEvents: webhookEventModel(connection),
    call: (caller, query, variables = {}) => callSubgraph(billing.url, query, { variables, caller, now: clock.now() }),
    moveTo,
    runUntil: async (at) => {
      await moveTo(at);
      await billing.lifecycle.runAll();
      await drainWebhooks();
    },
    drainWebhooks,
    retireStripeSubscriptions: async () => {
      for await (const running of stripeClient.subscriptions.list({ status: 'all', limit: 100 })) {
        if (running.status !== 'canceled' && running.status !== 'incomplete_expired') await stripeClient.subscriptions.cancel(running.id);
      }
      await drainWebhooks();
    },
    publish: async (name, data) => {
      const event = createEvent(name, data, { subject: uniqueName('subject'), time: clock.now() });
      await billing.infra.bus.publish(event);
      return event;
    },
    stop: async () => {
      await billing.infra.connection.dropDatabase().catch(() => undefined);
      await billing.stop();
      await stripe.stop();
      await nats.stop();
    },
  };
}

/** A workspace and its administrator, as accounts would forward them (the gateway's signed caller). */
export function workspaceAdmin(workspaceId = uniqueName('workspace')): Caller & { kind: 'user'; workspaceId: string } {
  return { ...userCaller({ workspaceId, workspaceRole: 'ADMIN' }), workspaceId };
}

/** A card tokenised the way Stripe.js does in a browser: billing only ever sees the `pm_` id. */
export async function cardPaymentMethod(h: BillingUnderTest, token = 'tok_visa'): Promise<string> {
  const method = await h.stripeClient.paymentMethods.create({ type: 'card', card: { token } });
  return method.id;
}

export async function sepaPaymentMethod(h: BillingUnderTest, iban = 'FR1420041010050500013M02606'): Promise<string> {
  const method = await h.stripeClient.paymentMethods.create({
    type: 'sepa_debit',
    sepa_debit: { iban },
    billing_details: { name: 'Acme Industries', email: 'billing@acme-industries.test' },
  });
  return method.id;
}

export const SUBSCRIPTION_FIELDS = `id planId kind status seats billingPeriod pricePerSeatCents periodPriceCents vatTreatment vatRateBasisPoints
  currentPeriodStart currentPeriodEnd suspendedFor terminationDueAt terminationReason terminatedAt
  scheduledChange { kind planId seats effectiveAt renewsFirst }
  pendingUpgrade { planId seats amountCents }
  priceRevision { oldPricePerSeatCents newPricePerSeatCents appliesAt answerBy answer oldPriceKeptUntil }
  addOnRenewals { creditType quantity }`;
export const INVOICE_FIELDS = `id number purpose status currency subtotalCents vatCents totalCents amountDueCents amountPaidCents amountRemainingCents
  vatTreatment vatRateBasisPoints periodStart periodEnd issuedAt dueAt paidAt retainedUntil
  lateCharges { daysLate interestDays annualRateBasisPoints interestCents recoveryFeeCents }`;
export const PAYLOAD_FIELDS = `outcome subscription { ${SUBSCRIPTION_FIELDS} } charge { declineCode monthsCharged invoice { ${INVOICE_FIELDS} } }`;

export const SUBSCRIBE = `mutation Subscribe($input: SubscribeInput!) { subscribe(input: $input) { ${PAYLOAD_FIELDS} } }`;
export const CHANGE_PLAN = `mutation ChangePlan($input: ChangePlanInput!) { changePlan(input: $input) { ${PAYLOAD_FIELDS} } }`;
export const CANCEL = `mutation Cancel($input: CancelSubscriptionInput) { cancelSubscription(input: $input) { ${PAYLOAD_FIELDS} } }`;
export const BUY_ADD_ON = `mutation BuyAddOn($input: BuyAddOnCreditsInput!) { buyAddOnCredits(input: $input) { ${PAYLOAD_FIELDS} } }`;
export const WORKSPACE_BILLING = `query WorkspaceBilling($representations: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $representations) {
    ... on Workspace {
      id
      subscription { ${SUBSCRIPTION_FIELDS} plan { id name } }
      invoices(first: $first, after: $after) { edges { cursor node { ${INVOICE_FIELDS} } } pageInfo { hasNextPage endCursor } }
      paymentMethods { id kind brand last4 isDefault }
      credits { creditType balance unlimited nearestExpiry }
    }
  }
}`;
export const USER_BILLING = `query UserBilling($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id subscription { ${SUBSCRIPTION_FIELDS} } credits { creditType balance unlimited nearestExpiry } }
  }
}`;

export interface InvoiceView {
  id: string;
  number: string | null;
  purpose: string;
  status: string;
  subtotalCents: number;
  vatCents: number;
  totalCents: number;
  amountDueCents: number;
  amountPaidCents: number;
  amountRemainingCents: number;
  vatTreatment: string;
  vatRateBasisPoints: number;
  periodStart: string;
  periodEnd: string;
  issuedAt: string;
  paidAt: string | null;
  retainedUntil: string;
  lateCharges: { daysLate: number; interestDays: number; annualRateBasisPoints: number; interestCents: number; recoveryFeeCents: number } | null;
}

export interface SubscriptionView {
  id: string;
  planId: string;
  kind: string;
  status: string;
  seats: number;
  billingPeriod: string;
  pricePerSeatCents: number;
  periodPriceCents: number;
  vatTreatment: string | null;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  suspendedFor: string[];
  terminationDueAt: string | null;
  terminationReason: string | null;
  scheduledChange: { kind: string; planId: string | null; seats: number | null; effectiveAt: string; renewsFirst: boolean } | null;
  pendingUpgrade: { planId: string; seats: number; amountCents: number } | null;
  priceRevision: { oldPricePerSeatCents: number; newPricePerSeatCents: number; appliesAt: string; answerBy: string; answer: string; oldPriceKeptUntil: string | null } | null;
  addOnRenewals: Array<{ creditType: string; quantity: number }>;
}

export interface PayloadView {
  outcome: string;
  subscription: SubscriptionView;
  charge: { declineCode: string | null; monthsCharged: number | null; invoice: InvoiceView } | null;
}

export interface BalanceView {
  creditType: string;
  balance: number;
  unlimited: boolean;
  nearestExpiry: string | null;
}

export interface WorkspaceBillingView {
  id: string;
  subscription: (SubscriptionView & { plan: { id: string; name: string } }) | null;
  invoices: { edges: Array<{ cursor: string; node: InvoiceView }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  paymentMethods: Array<{ id: string; kind: string; brand: string | null; last4: string | null; isDefault: boolean }>;
  credits: BalanceView[];
}

/** The workspace's billing as its administrator sees it. */
export async function workspaceBilling(h: BillingUnderTest, admin: Caller & { workspaceId: string }, first = 20): Promise<WorkspaceBillingView> {
  const answer = await h.call<{ _entities: WorkspaceBillingView[] }>(admin, WORKSPACE_BILLING, {
    representations: [{ __typename: 'Workspace', id: admin.workspaceId }],
    first,
  });
  const view = answer.data?._entities[0];
  if (!view) throw new Error(`workspace billing query failed: ${JSON.stringify(answer.errors)}`);
  return view;
}

export function balanceOf(credits: readonly BalanceView[], creditType: string): number {
  return credits.find((credit) => credit.creditType === creditType)?.balance ?? 0;
}

/** Subscribes over GraphQL and fails the test on any error. */
export async function subscribeWorkspace(
  h: BillingUnderTest,
  admin: Caller,
  input: { planId: string; seats: number; billingCountry?: string; vatNumber?: string | null; paymentMethodId?: string; billingEmail?: string },
): Promise<PayloadView> {
  const answer = await h.call<{ subscribe: PayloadView }>(admin, SUBSCRIBE, {
    input: {
      billingCountry: 'FR',
      billingEmail: `billing-${uniqueName('ws')}@acme-industries.test`,
      ...input,
      paymentMethodId: input.paymentMethodId ?? (await cardPaymentMethod(h)),
    },
  });
  if (!answer.data) throw new Error(`subscribe failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.subscribe;
}

/** The live subscription document of a workspace. */
export async function subscriptionOf(h: BillingUnderTest, workspaceId: string): Promise<SubscriptionDocument> {
  const found = await h.subscriptions.findOne({ workspaceId }).sort({ createdAt: -1 }).lean<SubscriptionDocument>();
  if (!found) throw new Error(`no subscription for ${workspaceId}`);
  return found;
}

/** Every event of one type on the stream so far, optionally filtered (see the platform harness). */
export function publishedEvents<N extends EventName>(
  h: BillingUnderTest,
  name: N,
  matching: (data: EventData<N>) => boolean = () => true,
): Promise<Array<LeadgraphEvent<N>>> {
  return platformPublishedEvents(h.billing.infra.bus, name, matching);
}

/** Waits until exactly `count` matching events were published (the outbox relay is asynchronous). */
export function expectEvents<N extends EventName>(
  h: BillingUnderTest,
  name: N,
  matching: (data: EventData<N>) => boolean,
  count = 1,
): Promise<Array<LeadgraphEvent<N>>> {
  return platformExpectEvents(h.billing.infra.bus, name, matching, count);
}
