import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { ContactResolver } from './contacts/contact.resolver';
import { EnrichmentResolver } from './enrichment/enrichment.resolver';
import { CrmWebhookResolver } from './crm-webhooks/crm-webhook.resolver';
import { AddressBookResolver } from './address-book/address-book.resolver';
import { ExportResolver } from './exports/export.resolver';
import { RateLimitResolver } from './rate-limits/rate-limit.resolver';
import { RetentionResolver } from './retention/retention.resolver';
import { RevealResolver } from './reveals/reveal.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const contactsResolvers = [ContactResolver, RevealResolver, AddressBookResolver, ExportResolver, RetentionResolver, RateLimitResolver, EnrichmentResolver, CrmWebhookResolver] as const;

export function buildContactsSchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: contactsResolvers, container, scalarsMap: sharedScalarsMap }, referenceResolvers);
}
