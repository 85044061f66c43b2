import { z } from 'zod';
import { ConfigError, DEV_SUPPRESSION_KEY, loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const billingConfigShape = {
  ...subgraphServiceConfigShape('billing', 4102),
  /** Country where the platform is established for VAT: its customers pay its VAT (BIL-02). */
  SELLER_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals')
    .default('FR'),
  /** Stripe API root; tests point it at the local Stripe-compatible server (BIL-16). */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).default('https://api.stripe.com'),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'a Stripe secret key').default('sk_test_leadgraph_dev_only'),
  /** Signing secret of the webhook endpoint: deliveries without a valid signature are refused. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'a Stripe webhook signing secret').default('whsec_leadgraph_dev_only'),
  /** Subscription lifecycle jobs (renewals, suspensions, notices, purges) run this often. */
  BILLING_JOB_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Last day of the fiscal year (MM-DD), from which invoice retention is counted (BIL-17). */
  FISCAL_YEAR_END: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD').default('12-31'),
  /**
   * HMAC key of the keyed identifier hashes data-subject requests carry (PRV-05), shared with
   * privacy: a billing contact who is not a user is found by their e-mail's hash. Versioned.
   */
  IDENTIFIER_HASH_KEY: z.string().min(32).default(DEV_SUPPRESSION_KEY),
  IDENTIFIER_HASH_KEY_VERSION: z.coerce.number().int().positive().default(1),
  /** The scheduled retention pass (PRV-07) only counts and reports what is due, deleting nothing. */
  RETENTION_DRY_RUN: z
    .enum(['true', 'false'], { message: "'true' or 'false'" })
    .default('false')
    .transform((value) => value === 'true'),
};

export type BillingConfig = z.infer<z.ZodObject<typeof billingConfigShape>>;

/** Development defaults of the Stripe settings: production must configure its own. */
const DEV_STRIPE_SETTINGS = new Set(['sk_test_leadgraph_dev_only', 'whsec_leadgraph_dev_only']);

export function loadBillingConfig(env: Record<string, string | undefined> = process.env): BillingConfig {
  const config = loadConfig('billing', billingConfigShape, env);
  if (config.NODE_ENV === 'production') {
    const leaked = (['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const).filter((key) => DEV_STRIPE_SETTINGS.has(config[key]));
    if (leaked.length > 0) throw new ConfigError('billing', leaked.map((key) => `${key}: a development default cannot be used in production`));
  }
  return config;
}
