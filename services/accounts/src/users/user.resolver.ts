import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import { PreferencesType } from '../preferences/preferences.types';
import { StaffRoleGql } from '../staff/staff.types';
import { SuspensionType } from '../suspension/suspension.types';
import { UserType } from './user.types';
import { canSeePrivateDetails } from './user.rules';
import type { UserService } from './user.service';

@Resolver(() => UserType)
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Query(() => UserType, { description: 'The signed-in user' })
  async me(@Ctx() context: RequestContext): Promise<UserType> {
    const caller = requireUser(context.caller);
    return UserType.from(await this.users.getActiveUser(caller.userId));
  }

  @Mutation(() => UserType, { description: 'Links a LinkedIn profile to the verified account (ACC-04)' })
  async linkLinkedInProfile(@Arg('profileUrl', () => String) profileUrl: string, @Ctx() context: RequestContext): Promise<UserType> {
    const caller = requireUser(context.caller);
    return UserType.from(await this.users.linkLinkedInProfile(caller.userId, profileUrl));
  }

  @FieldResolver(() => String, { nullable: true, description: 'Normalised profile; visible to the user and staff only' })
  linkedInProfileUrl(@Root() user: UserType, @Ctx() context: RequestContext): string | null {
    return canSeePrivateDetails(context.caller, user.id) ? (user.source.linkedInProfileUrl ?? null) : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the e-mail address was verified; visible to the user and staff only' })
  emailVerifiedAt(@Root() user: UserType, @Ctx() context: RequestContext): Date | null {
    return canSeePrivateDetails(context.caller, user.id) ? user.source.emailVerifiedAt : null;
  }

  @FieldResolver(() => PreferencesType, { nullable: true, description: 'Visible to the user and staff only' })
  preferences(@Root() user: UserType, @Ctx() context: RequestContext): PreferencesType | null {
    return canSeePrivateDetails(context.caller, user.id) ? PreferencesType.from(user.source.preferences) : null;
  }

  @FieldResolver(() => [StaffRoleGql], { nullable: true, description: 'Platform staff roles; visible to the user and staff only' })
  staffRoles(@Root() user: UserType, @Ctx() context: RequestContext): StaffRoleGql[] | null {
    return canSeePrivateDetails(context.caller, user.id) ? user.source.staffRoles.map((role) => role as StaffRoleGql) : null;
  }

  @FieldResolver(() => SuspensionType, { nullable: true, description: 'The current suspension (ACC-07); visible to the user and staff only' })
  suspension(@Root() user: UserType, @Ctx() context: RequestContext): SuspensionType | null {
    const suspension = user.source.suspension;
    return suspension && canSeePrivateDetails(context.caller, user.id) ? SuspensionType.from(suspension) : null;
  }
}

/** Plain reference resolver for federation: other subgraphs return `User { id }`. */
export function resolveUserReference(users: UserService) {
  return async (reference: { id: string }) => {
    const user = await users.findById(reference.id);
    return user ? UserType.from(user) : null;
  };
}
