import { z } from 'zod';
import { DEV_ACCESS_TOKEN_SECRET, baseServiceConfigShape, loadConfig } from '@leadgraph/platform';
import { subgraphDefinitions } from './subgraphs';

export const gatewayConfigShape = {
  ...baseServiceConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  ACCESS_TOKEN_SECRET: z.string().min(32).default(DEV_ACCESS_TOKEN_SECRET),
  /**
   * How long a resolved session or API token is trusted before asking accounts again. 0 (default):
   * every request asks (one NATS round trip), so a new workspace, a role change, a logout or a
   * suspension applies to the very next request; a positive value trades that for less load.
   */
  CALLER_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  ACCOUNTS_URL: z.string().url().optional(),
  BILLING_URL: z.string().url().optional(),
  CONTACTS_URL: z.string().url().optional(),
  PRIVACY_URL: z.string().url().optional(),
  ANALYTICS_URL: z.string().url().optional(),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayConfigShape>>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig('gateway', gatewayConfigShape, env);
}

/** Subgraph name -> URL: the `<NAME>_URL` variable, else the local default. */
export function subgraphUrls(config: GatewayConfig): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const definition of subgraphDefinitions) {
    const configured = (config as Record<string, unknown>)[definition.urlEnv];
    urls[definition.name] = typeof configured === 'string' ? configured : definition.defaultUrl;
  }
  return urls;
}
