import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { UserResolver } from './users/user.resolver';
import { AccountDeletionResolver } from './account-deletion/account-deletion.resolver';
import { ActivityResolver } from './activity/activity.resolver';
import { ApiTokenResolver } from './api-tokens/api-token.resolver';
import { InvitationResolver } from './invitations/invitation.resolver';
import { WorkspaceResolver } from './workspaces/workspace.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const accountsResolvers = [
  UserResolver,
  WorkspaceResolver,
  InvitationResolver,
  ActivityResolver,
  ApiTokenResolver,
  AccountDeletionResolver,
] as const;

export function buildAccountsSchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: accountsResolvers, container, scalarsMap: sharedScalarsMap },
    referenceResolvers,
  );
}
