import { z } from 'zod';
import { loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';
import { isTimeZone } from './usage/usage.rules';

export const analyticsConfigShape = {
  ...subgraphServiceConfigShape('analytics', 4105),
  /** IANA time zone whose calendar days usage is counted in (ANA-02). */
  ANALYTICS_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris').default('Europe/Paris'),
};

export type AnalyticsConfig = z.infer<z.ZodObject<typeof analyticsConfigShape>>;

export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return loadConfig('analytics', analyticsConfigShape, env);
}
