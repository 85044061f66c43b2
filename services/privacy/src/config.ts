import { z } from 'zod';
import { DEV_SUPPRESSION_KEY, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const privacyConfigShape = {
  ...subgraphServiceConfigShape('privacy', 4104),
  /** HMAC key of the identifier hashes in ContactOptedOut (same key and version as accounts and contacts). */
  IDENTIFIER_HASH_KEY: z.string().min(32).default(DEV_SUPPRESSION_KEY),
  IDENTIFIER_HASH_KEY_VERSION: z.coerce.number().int().positive().default(1),
  /** Public base URL of the privacy pages (links in mails); defaults to the address the service listens on. */
  PUBLIC_URL: z.string().url().optional(),
  /** How often the request deadlines job runs (denies requests never verified by their due date). */
  PRIVACY_JOB_INTERVAL_MS: z.coerce.number().int().positive().default(15 * 60_000),
  /** How often the privacy requests retention job runs (PRV-07). */
  PRIVACY_RETENTION_INTERVAL_MS: z.coerce.number().int().positive().default(86_400_000),
  /** The retention job counts and reports what is due without deleting. */
  RETENTION_DRY_RUN: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
};

export type PrivacyConfig = z.infer<z.ZodObject<typeof privacyConfigShape>>;

export function loadPrivacyConfig(env: Record<string, string | undefined> = process.env): PrivacyConfig {
  return loadConfig('privacy', privacyConfigShape, env);
}
