import { z } from 'zod';
import { ConfigError, DEV_SUPPRESSION_KEY, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

/** Development-only key of export download links: refused in production like the platform's dev secrets. */
const DEV_EXPORT_LINK_SECRET = 'dev-only-export-link-secret-change-me-0123456789abcd';

export const contactsConfigShape = {
  ...subgraphServiceConfigShape('contacts', 4103),
  /** HMAC key of identifiers' keyed hashes: shared with accounts and privacy so opt-outs match (CON-08). */
  IDENTIFIER_HASH_KEY: z.string().min(32).default(DEV_SUPPRESSION_KEY),
  IDENTIFIER_HASH_KEY_VERSION: z.coerce.number().int().positive().default(1),
  /** Signs export download links (CON-06). */
  EXPORT_LINK_SECRET: z.string().min(32).default(DEV_EXPORT_LINK_SECRET),
  /** Base URL where this service's HTTP routes (export downloads) are reachable by clients. */
  PUBLIC_URL: z.string().url().optional(),
  /** CON-10: searches and reveals allowed per user and per partner token per minute. */
  SEARCH_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  REVEAL_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** CON-10: contacts revealed by one account in 24 h above which it is flagged as bulk extraction. */
  BULK_REVEALS_PER_DAY: z.coerce.number().int().min(1).default(1000),
  /** CON-10: search pages read by one account in 24 h above which it is flagged. */
  BULK_SEARCH_PAGES_PER_DAY: z.coerce.number().int().min(1).default(2000),
  /** How often the retention, webhook retry and enrichment jobs run. */
  JOB_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** PRV-07: the profile retention job only counts what is due and reports it, deleting nothing. */
  RETENTION_DRY_RUN: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** CRM webhook deliveries: attempts before giving up, first retry delay. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).default(30),
};

export type ContactsConfig = z.infer<z.ZodObject<typeof contactsConfigShape>>;

export function loadContactsConfig(env: Record<string, string | undefined> = process.env): ContactsConfig {
  const config = loadConfig('contacts', contactsConfigShape, env);
  if (config.NODE_ENV === 'production' && config.EXPORT_LINK_SECRET === DEV_EXPORT_LINK_SECRET) {
    throw new ConfigError('contacts', ['EXPORT_LINK_SECRET: a development default cannot be used in production']);
  }
  return config;
}
