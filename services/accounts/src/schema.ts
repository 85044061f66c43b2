import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { UserResolver } from './users/user.resolver';
import { AccountDeletionResolver } from './account-deletion/account-deletion.resolver';
import { ActivityResolver } from './activity/activity.resolver';
import { ApiTokenResolver } from './api-tokens/api-token.resolver';
import { InvitationResolver } from './invitations/invitation.resolver';
import { WorkspaceResolver } from './workspaces/workspace.resolver';
import { AuthResolver } from './auth/auth.resolver';
import { LegalResolver } from './legal/legal.resolver';
import { PreferencesResolver } from './preferences/preferences.resolver';
import { ReferralResolver } from './referrals/referral.resolver';
import { SessionResolver } from './sessions/session.resolver';
import { StaffResolver } from './staff/staff.resolver';
import { SuspensionResolver } from './suspension/suspension.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const accountsResolvers = [
  UserResolver,
  WorkspaceResolver,
  InvitationResolver,
  ActivityResolver,
  ApiTokenResolver,
  AccountDeletionResolver,
  AuthResolver,
  SessionResolver,
  LegalResolver,
  PreferencesResolver,
  StaffResolver,
  SuspensionResolver,
  ReferralResolver,
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
