import { ManualClock, type RunningService } from '@leadgraph/platform';
import { serviceTestEnv, startIsolatedNats, testLogger } from '@leadgraph/platform/src/testing';
import { loadAccountsConfig } from '@leadgraph/accounts/src/config';
import { startAccountsService } from '@leadgraph/accounts/src/main';
import { loadAnalyticsConfig } from '@leadgraph/analytics/src/config';
import { startAnalyticsService } from '@leadgraph/analytics/src/main';
import { loadBillingConfig } from '@leadgraph/billing/src/config';
import { startBillingService } from '@leadgraph/billing/src/main';
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
  /** The stack's own NATS server. */
  natsUrl: string;
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
  services.billing = await startBillingService(loadBillingConfig(serviceEnv('billing')), overrides);
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
    natsUrl: nats.url,
    stop: async () => {
      await gateway.stop();
      for (const service of Object.values(services)) await service.stop();
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
