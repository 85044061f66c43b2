import { z } from 'zod';
import { HOUR_MS, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';
import { isTimeZone } from './usage/usage.rules';

export const analyticsConfigShape = {
  ...subgraphServiceConfigShape('analytics', 4105),
  /** IANA time zone whose calendar days usage is counted in (ANA-02). */
  ANALYTICS_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris').default('Europe/Paris'),
  /** Events per `POST /collect` batch or `trackEvents` call; the rest is rejected event by event. */
  ANALYTICS_MAX_EVENTS_PER_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  /** Largest `POST /collect` body, in bytes (413 beyond). */
  ANALYTICS_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** `POST /collect` batches per client IP and minute (429 beyond); the IP is only held in memory for this. */
  ANALYTICS_COLLECT_BATCHES_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /**
   * Express `trust proxy` for `POST /collect` behind a reverse proxy: `false` (the socket address
   * is the client), `loopback`, a hop count or a comma-separated list of proxy addresses.
   */
  ANALYTICS_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value): boolean | number | string => (value === 'false' ? false : value === 'true' ? true : /^\d+$/.test(value) ? Number(value) : value)),
  /** Web origins allowed to call `POST /collect` with fetch (CORS), comma-separated; sendBeacon needs none. */
  ANALYTICS_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')),
  /** How long a consent lookup is cached; this instance's ConsentChanged consumer invalidates at once. */
  ANALYTICS_CONSENT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(10 * 60_000).default(5_000),
  /** How often the raw-event retention job runs (ANA-04). */
  ANALYTICS_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(6 * HOUR_MS),
  /** Report what the retention job would delete without deleting (PRV-07 dry run). */
  RETENTION_DRY_RUN: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
};

export type AnalyticsConfig = z.infer<z.ZodObject<typeof analyticsConfigShape>>;

export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return loadConfig('analytics', analyticsConfigShape, env);
}

