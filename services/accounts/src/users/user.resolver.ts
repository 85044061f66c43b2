import { Ctx, Query, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import { UserType } from './user.types';
import type { UserService } from './user.service';

@Resolver(() => UserType)
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Query(() => UserType, { description: 'The signed-in user' })
  async me(@Ctx() context: RequestContext): Promise<UserType> {
    const caller = requireUser(context.caller);
    return UserType.from(await this.users.getActiveUser(caller.userId));
  }
}

/** Plain reference resolver for federation: other subgraphs return `User { id }`. */
export function resolveUserReference(users: UserService) {
  return async (reference: { id: string }) => {
    const user = await users.findById(reference.id);
    return user ? UserType.from(user) : null;
  };
}
