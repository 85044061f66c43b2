import type { z } from 'zod';
import { loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const privacyConfigShape = {
  ...subgraphServiceConfigShape('privacy', 4104),
};

export type PrivacyConfig = z.infer<z.ZodObject<typeof privacyConfigShape>>;

export function loadPrivacyConfig(env: Record<string, string | undefined> = process.env): PrivacyConfig {
  return loadConfig('privacy', privacyConfigShape, env);
}
