import type { z } from 'zod';
import { loadConfig, subgraphServiceConfigShape } from '@leadgraph/platform';

export const contactsConfigShape = {
  ...subgraphServiceConfigShape('contacts', 4103),
};

export type ContactsConfig = z.infer<z.ZodObject<typeof contactsConfigShape>>;

export function loadContactsConfig(env: Record<string, string | undefined> = process.env): ContactsConfig {
  return loadConfig('contacts', contactsConfigShape, env);
}
