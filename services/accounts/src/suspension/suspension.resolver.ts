import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { requireStaffRole, type RequestContext } from '@leadgraph/platform';
import { UserType } from '../users/user.types';
import type { SuspensionService } from './suspension.service';
import { SuspendAccountInput } from './suspension.types';

@Resolver()
export class SuspensionResolver {
  constructor(private readonly suspensions: SuspensionService) {}

  @Mutation(() => UserType, { description: 'Support staff: suspends an account for breach of the terms (ACC-07)' })
  async suspendAccount(@Arg('input', () => SuspendAccountInput) input: SuspendAccountInput, @Ctx() context: RequestContext): Promise<UserType> {
    const actor = requireStaffRole(context.caller, 'SUPPORT');
    return UserType.from(await this.suspensions.suspend(actor, { ...input }));
  }

  @Mutation(() => UserType, { description: 'Support staff: reinstates a suspended account' })
  async liftSuspension(@Arg('userId', () => ID) userId: string, @Ctx() context: RequestContext): Promise<UserType> {
    const actor = requireStaffRole(context.caller, 'SUPPORT');
    return UserType.from(await this.suspensions.lift(actor, { userId }));
  }
}
