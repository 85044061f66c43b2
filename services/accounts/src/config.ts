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
  /** This address becomes SUPER_ADMIN when it verifies: how the first platform operator exists. */
  BOOTSTRAP_SUPER_ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).optional(),
  /** argon2id cost (ACC-03); defaults follow OWASP's minimum (19 MiB, 2 passes). */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(8192).default(19456),
  PASSWORD_HASH_PASSES: z.coerce.number().int().min(1).default(2),
  /** Sliding lifetime of a session's refresh token. */
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Failed logins allowed per e-mail + IP before the pair is blocked for LOGIN_BLOCK_MINUTES. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_BLOCK_MINUTES: z.coerce.number().int().min(1).default(15),
  /** How often the accounts jobs (legal notices, silent acceptance, staff audit copy) run. */
  JOB_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** How often the retention job (PRV-07: account data, marketing, referral invitations, enquiries) runs. */
  RETENTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** true: the retention job only counts and reports what is due, deleting nothing. */
  RETENTION_DRY_RUN: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
};

export type AccountsConfig = z.infer<z.ZodObject<typeof accountsConfigShape>>;

export function loadAccountsConfig(env: Record<string, string | undefined> = process.env): AccountsConfig {
  const config = loadConfig('accounts', accountsConfigShape, env);
  if (config.NODE_ENV === 'production' && config.INVITATION_TOKEN_SECRET === DEV_INVITATION_TOKEN_SECRET) {
    throw new ConfigError('accounts', ['INVITATION_TOKEN_SECRET: a development default cannot be used in production']);
  }
  return config;
}
