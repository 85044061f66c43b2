import type { GraphQLSchema } from 'graphql';
import { buildAccountsSchema } from '@leadgraph/accounts/src/schema';
import { buildBillingSchema } from '@leadgraph/billing/src/schema';
import { buildContactsSchema } from '@leadgraph/contacts/src/schema';
import { buildPrivacySchema } from '@leadgraph/privacy/src/schema';
import { buildAnalyticsSchema } from '@leadgraph/analytics/src/schema';

/** A container that is never asked: composition only needs type definitions, not instances. */
const compositionContainer = {
  get(someClass: unknown): object {
    throw new Error(`composition does not resolve ${String((someClass as { name?: string }).name)}`);
  },
};

export interface SubgraphDefinition {
  name: string;
  /** Environment variable with the subgraph's URL, and its local default. */
  urlEnv: string;
  defaultUrl: string;
  buildSchema(): Promise<GraphQLSchema>;
}

export const subgraphDefinitions: SubgraphDefinition[] = [
  {
    name: 'accounts',
    urlEnv: 'ACCOUNTS_URL',
    defaultUrl: 'http://127.0.0.1:4101/graphql',
    buildSchema: () => buildAccountsSchema(compositionContainer),
  },
  {
    name: 'billing',
    urlEnv: 'BILLING_URL',
    defaultUrl: 'http://127.0.0.1:4102/graphql',
    buildSchema: () => buildBillingSchema(compositionContainer),
  },
  {
    name: 'contacts',
    urlEnv: 'CONTACTS_URL',
    defaultUrl: 'http://127.0.0.1:4103/graphql',
    buildSchema: () => buildContactsSchema(compositionContainer),
  },
  {
    name: 'privacy',
    urlEnv: 'PRIVACY_URL',
    defaultUrl: 'http://127.0.0.1:4104/graphql',
    buildSchema: () => buildPrivacySchema(compositionContainer),
  },
  {
    name: 'analytics',
    urlEnv: 'ANALYTICS_URL',
    defaultUrl: 'http://127.0.0.1:4105/graphql',
    buildSchema: () => buildAnalyticsSchema(compositionContainer),
  },
];
