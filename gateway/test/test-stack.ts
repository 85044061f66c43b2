import { ManualClock, type RunningService } from '@leadgraph/platform';
import { serviceTestEnv, startIsolatedNats, testLogger, testMailbox } from '@leadgraph/platform/src/testing';
import { loadAccountsConfig } from '@leadgraph/accounts/src/config';
import { startAccountsService } from '@leadgraph/accounts/src/main';
import { loadAnalyticsConfig } from '@leadgraph/analytics/src/config';
import { startAnalyticsService } from '@leadgraph/analytics/src/main';
import { loadBillingConfig } from '@leadgraph/billing/src/config';
import { startBillingService, type RunningBillingService } from '@leadgraph/billing/src/main';
import { LocalStripeServer, type RunningLocalStripe } from '@leadgraph/platform/src/stripe-local';
import { loadContactsConfig } from '@leadgraph/contacts/src/config';
import { startContactsService } from '@leadgraph/contacts/src/main';
import { loadPrivacyConfig } from '@leadgraph/privacy/src/config';
import { startPrivacyService } from '@leadgraph/privacy/src/main';
import { composeSupergraph } from '../src/compose';
import { loadGatewayConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';

export interface TestStack {
  gateway: RunningGateway;
  services: Record<string, RunningService>;
  clock: ManualClock;
  billing: RunningBillingService;
  /** The local Stripe-compatible server billing talks to, on the stack's clock. */
  stripe: RunningLocalStripe;
  /** The stack's own NATS server. */
  natsUrl: string;
  /** Moves the services' and Stripe's clocks to `at` and waits for Stripe's webhooks. */
  moveTo(at: Date): Promise<void>;
  stop(): Promise<void>;
}

/** The gateway over real subgraphs on the real test servers, all on free ports. */
export async function startTestStack(
  clock = new ManualClock(new Date()),
  options: { accountsEnv?: Record<string, string>; contactsEnv?: Record<string, string> } = {},
): Promise<TestStack> {
  const services: Record<string, RunningService> = {};
  const overrides = { clock, logger: testLogger('stack') };
  const nats = await startIsolatedNats();
  const serviceEnv = (service: string) => serviceTestEnv(service, { NATS_URL: nats.url });
  // Started one after the other: each creates the shared stream and its durable consumers.
  services.accounts = await startAccountsService(loadAccountsConfig({ ...serviceEnv('accounts'), ...options.accountsEnv }), overrides);
  const stripe = await LocalStripeServer.start({
    startTime: clock.now(),
    // Billing verifies signatures against the stack's manual clock.
    webhookSignatureClock: 'server-clock',
    renewalFinalizationDelaySeconds: 0,
    webhookRetryDelaysMs: [100, 300],
    dunning: { afterFinalFailure: 'unpaid' },
  });
  const billing = await startBillingService(
    loadBillingConfig({
      ...serviceEnv('billing'),
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      // Tests run the lifecycle themselves after moving the clock.
      BILLING_JOB_INTERVAL_SECONDS: '86400',
    }),
    overrides,
  );
  await stripe.control.addWebhookEndpoint(new URL('/webhooks/stripe', billing.url).toString());
  services.billing = billing;
  services.contacts = await startContactsService(loadContactsConfig({ ...serviceEnv('contacts'), ...options.contactsEnv }), overrides);
  services.privacy = await startPrivacyService(loadPrivacyConfig(serviceEnv('privacy')), overrides);
  services.analytics = await startAnalyticsService(loadAnalyticsConfig(serviceEnv('analytics')), overrides);
  const env: Record<string, string> = serviceEnv('gateway');
  for (const [name, service] of Object.entries(services)) env[`${name.toUpperCase()}_URL`] = service.url;
  const gateway = await startGateway(loadGatewayConfig(env), { ...overrides, supergraphSdl: await composeSupergraph() });
  return {
    gateway,
    services,
    clock,
    billing,
    stripe,
    natsUrl: nats.url,
    moveTo: async (at) => {
      if (at.getTime() < clock.now().getTime()) throw new Error(`the clock cannot go back to ${at.toISOString()}`);
      clock.set(at);
      await stripe.control.setClock(at);
      await stripe.control.drainWebhooks();
    },
    stop: async () => {
      await gateway.stop();
      for (const service of Object.values(services)) await service.stop();
      await stripe.stop();
      await nats.stop();
    },
  };
}

export interface GraphQLAnswer<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLAnswer['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** What the journeys through the gateway share: calls with a bearer token, sign-up with the mailed code. */
export function gatewayClient(stack: Pick<TestStack, 'gateway'>) {
  const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string) =>
    graphql<T>(stack.gateway.url, query, variables, token ? { authorization: `Bearer ${token}` } : {});

  /** The six-digit code of a mail (sign-up, account deletion). */
  const codeIn = (text: string): string => {
    const match = /\b(\d{6})\b/.exec(text);
    if (!match?.[1]) throw new Error(`no code in mail: ${text}`);
    return match[1];
  };

  /** ACC-01's path: sign-up with the versions in force, the code from the SMTP sink, then login. */
  const signUpAndLogin = async (
    email: string,
    displayName = email.split('@')[0] ?? 'user',
    password = 'correct horse battery staple',
  ): Promise<{ accessToken: string; userId: string }> => {
    const legal = await gql<{ currentLegalDocuments: Array<{ kind: string; version: string }> }>('{ currentLegalDocuments { kind version } }');
    const versionOf = (kind: string) => legal.data?.currentLegalDocuments.find((document) => document.kind === kind)?.version;
    const signUp = await gql('mutation($input: SignUpInput!) { signUp(input: $input) { message } }', {
      input: { email, password, displayName, termsVersion: versionOf('TERMS'), privacyPolicyVersion: versionOf('PRIVACY_POLICY'), language: 'EN' },
    });
    if (signUp.errors) throw new Error(`sign-up failed: ${JSON.stringify(signUp.errors)}`);
    const mail = await testMailbox().waitFor(email, /verification code/i);
    const verified = await gql<{ verifyEmail: { userId: string } }>(
      'mutation($input: VerifyEmailInput!) { verifyEmail(input: $input) { userId } }',
      { input: { email, code: codeIn(mail.text) } },
    );
    if (verified.errors) throw new Error(`verification failed: ${JSON.stringify(verified.errors)}`);
    const login = await gql<{ login: { accessToken: string; userId: string } }>(
      'mutation($input: LoginInput!) { login(input: $input) { accessToken userId } }',
      { input: { email, password } },
    );
    if (!login.data || login.data.login.userId !== verified.data?.verifyEmail.userId) {
      throw new Error(`login failed: ${JSON.stringify(login.errors)}`);
    }
    return login.data.login;
  };

  /** A fresh session, e.g. after the clock moved past the access token's lifetime. */
  const login = async (email: string, password = 'correct horse battery staple'): Promise<string> => {
    const answer = await gql<{ login: { accessToken: string } }>('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
      input: { email, password },
    });
    if (!answer.data) throw new Error(`login failed: ${JSON.stringify(answer.errors)}`);
    return answer.data.login.accessToken;
  };

  return { gql, codeIn, signUpAndLogin, login };
}
