import { z } from 'zod';
import { ConfigError, DEV_ACCESS_TOKEN_SECRET, DEV_SUPPRESSION_KEY, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

/** Development-only key of invitation links: refused in production like the platform's dev secrets. */
const DEV_INVITATION_TOKEN_SECRET = 'dev-only-invitation-token-secret-change-me-0123456789';

export const accountsConfigShape = {
  ...subgraphServiceConfigShape('accounts', 4101),
  ACCESS_TOKEN_SECRET: z.string().min(32).default(DEV_ACCESS_TOKEN_SECRET),
  /** HMAC key for keyed hashes of identifiers (deleted e-mails, opt-out matching). Versioned. */
  IDENTIFIER_HASH_KEY: z.string().min(32).default(DEV_SUPPRESSION_KEY),
  IDENTIFIER_HASH_KEY_VERSION: z.coerce.number().int().positive().default(1),
  /** Public URL of the web app, used in links sent by mail (invitations, referrals). */
  APP_URL: z.string().url().default('http://localhost:3000'),
  /** HS256 key of the invitation links mailed to invitees (ACC-05); required in production. */
  INVITATION_TOKEN_SECRET: z.string().min(32).default(DEV_INVITATION_TOKEN_SECRET),
};

export type AccountsConfig = z.infer<z.ZodObject<typeof accountsConfigShape>>;

export function loadAccountsConfig(env: Record<string, string | undefined> = process.env): AccountsConfig {
  const config = loadConfig('accounts', accountsConfigShape, env);
  if (config.NODE_ENV === 'production' && config.INVITATION_TOKEN_SECRET === DEV_INVITATION_TOKEN_SECRET) {
    throw new ConfigError('accounts', ['INVITATION_TOKEN_SECRET: a development default cannot be used in production']);
  }
  return config;
}
