import { z } from 'zod';
import { DEV_ACCESS_TOKEN_SECRET, DEV_SUPPRESSION_KEY, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const accountsConfigShape = {
  ...subgraphServiceConfigShape('accounts', 4101),
  ACCESS_TOKEN_SECRET: z.string().min(32).default(DEV_ACCESS_TOKEN_SECRET),
  /** HMAC key for keyed hashes of identifiers (deleted e-mails, opt-out matching). Versioned. */
  IDENTIFIER_HASH_KEY: z.string().min(32).default(DEV_SUPPRESSION_KEY),
  IDENTIFIER_HASH_KEY_VERSION: z.coerce.number().int().positive().default(1),
  /** Public URL of the web app, used in links sent by mail (invitations, referrals). */
  APP_URL: z.string().url().default('http://localhost:3000'),
};

export type AccountsConfig = z.infer<z.ZodObject<typeof accountsConfigShape>>;

export function loadAccountsConfig(env: Record<string, string | undefined> = process.env): AccountsConfig {
  return loadConfig('accounts', accountsConfigShape, env);
}
