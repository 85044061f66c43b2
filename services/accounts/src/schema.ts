import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { UserResolver } from './users/user.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const accountsResolvers = [UserResolver] as const;

export function buildAccountsSchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: accountsResolvers, container, scalarsMap: sharedScalarsMap },
    referenceResolvers,
  );
}
