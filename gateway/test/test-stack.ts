import { ManualClock, type RunningService } from '@leadgraph/platform';
import { testInfra, testLogger, uniqueName } from '@leadgraph/platform/src/testing';
import { loadAccountsConfig } from '@leadgraph/accounts/src/config';
import { startAccountsService } from '@leadgraph/accounts/src/main';
import { composeSupergraph } from '../src/compose';
import { loadGatewayConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';

export interface TestStack {
  gateway: RunningGateway;
  services: Record<string, RunningService>;
  clock: ManualClock;
  stop(): Promise<void>;
}

/** Environment for one service on the shared test servers, with a database of its own. */
export function serviceTestEnv(service: string): Record<string, string> {
  const infra = testInfra();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    MONGO_URL: infra.mongoUrl,
    MONGO_DB: uniqueName(service),
    NATS_URL: infra.natsUrl,
    SMTP_URL: infra.smtpUrl,
  };
}

/** The gateway over real subgraphs on the real test servers, all on free ports. */
export async function startTestStack(clock = new ManualClock(new Date())): Promise<TestStack> {
  const services: Record<string, RunningService> = {};
  const overrides = { clock, logger: testLogger('stack') };
  services.accounts = await startAccountsService(loadAccountsConfig(serviceTestEnv('accounts')), overrides);
  const env: Record<string, string> = { ...serviceTestEnv('gateway') };
  for (const [name, service] of Object.entries(services)) env[`${name.toUpperCase()}_URL`] = service.url;
  const gateway = await startGateway(loadGatewayConfig(env), { ...overrides, supergraphSdl: await composeSupergraph() });
  return {
    gateway,
    services,
    clock,
    stop: async () => {
      await gateway.stop();
      for (const service of Object.values(services)) await service.stop();
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
