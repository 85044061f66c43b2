import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { CollectionResolver } from './collection/collection.resolver';
import { ReportsResolver } from './reports/reports.resolver';
import { UsageResolver } from './usage/usage.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const analyticsResolvers = [UsageResolver, ReportsResolver, CollectionResolver] as const;

export function buildAnalyticsSchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: analyticsResolvers, container, scalarsMap: sharedScalarsMap }, referenceResolvers);
}
