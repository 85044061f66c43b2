import { z } from 'zod';
import { loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const billingConfigShape = {
  ...subgraphServiceConfigShape('billing', 4102),
  /** Country where the platform is established for VAT: its customers pay its VAT (BIL-02). */
  SELLER_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals')
    .default('FR'),
};

export type BillingConfig = z.infer<z.ZodObject<typeof billingConfigShape>>;

export function loadBillingConfig(env: Record<string, string | undefined> = process.env): BillingConfig {
  return loadConfig('billing', billingConfigShape, env);
}
