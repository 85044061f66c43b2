import { signIdentity } from '../auth/identity-header';
import type { ApiTokenCaller, Caller, UserCaller } from '../auth/caller';
import { scopesOfRole } from '../auth/scopes';
import { DEV_GATEWAY_SECRET } from '../config/config';
import { testInfra, uniqueName } from './harness';

/** Environment for one service on the shared test servers, with a database of its own. */
export function serviceTestEnv(service: string, extra: Record<string, string> = {}): Record<string, string> {
  const infra = testInfra();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    MONGO_URL: infra.mongoUrl,
    MONGO_DB: uniqueName(service),
    NATS_URL: infra.natsUrl,
    SMTP_URL: infra.smtpUrl,
    ...extra,
  };
}

/** A signed-in user as the gateway would forward it; scopes follow the workspace role. */
export function userCaller(overrides: Partial<Omit<UserCaller, 'kind'>> = {}): UserCaller {
  const workspaceRole = overrides.workspaceRole ?? null;
  return {
    kind: 'user',
    userId: uniqueName('user'),
    sessionId: uniqueName('session'),
    workspaceId: null,
    staffRoles: [],
    scopes: scopesOfRole(workspaceRole),
    ...overrides,
    workspaceRole,
  };
}

/** A partner API token as the gateway would forward it (ACC-08). */
export function apiTokenCaller(overrides: Partial<Omit<ApiTokenCaller, 'kind'>> = {}): ApiTokenCaller {
  return {
    kind: 'apiToken',
    tokenId: uniqueName('token'),
    userId: uniqueName('user'),
    workspaceId: uniqueName('workspace'),
    scopes: [],
    ...overrides,
  };
}

export interface SubgraphAnswer<T> {
  status: number;
  data: T | null;
  errors: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> | undefined;
}

/**
 * Calls a subgraph's /graphql directly, with the signed identity header the gateway would send
 * for `caller` (anonymous callers included: the gateway signs those too).
 */
export async function callSubgraph<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; caller?: Caller; now?: Date; gatewaySecret?: string } = {},
): Promise<SubgraphAnswer<T>> {
  const identity = await signIdentity(
    options.caller ?? { kind: 'anonymous' },
    options.gatewaySecret ?? DEV_GATEWAY_SECRET,
    // The signature's validity window is checked against the service clock.
    options.now ?? new Date(),
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-leadgraph-identity': identity },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: SubgraphAnswer<T>['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** Status and JSON body of `/healthz` or `/readyz` next to a subgraph's /graphql URL. */
export async function probe(graphqlUrl: string, path: '/healthz' | '/readyz'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, graphqlUrl));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
