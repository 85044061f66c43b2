import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import type { ReferralService } from './referral.service';
import { InviteReferralInput, ReferralInvitationType } from './referral.types';

@Resolver()
export class ReferralResolver {
  constructor(private readonly referrals: ReferralService) {}

  @Mutation(() => ReferralInvitationType, { description: 'Invites someone by mail; a reward is earned when they sign up with that address' })
  async inviteReferral(@Arg('input', () => InviteReferralInput) input: InviteReferralInput, @Ctx() context: RequestContext): Promise<ReferralInvitationType> {
    const caller = requireUser(context.caller);
    return ReferralInvitationType.from(await this.referrals.invite(caller.userId, { ...input }));
  }

  @Query(() => [ReferralInvitationType], { description: "The signed-in user's referral invitations, newest first" })
  async myReferralInvitations(@Ctx() context: RequestContext): Promise<ReferralInvitationType[]> {
    const caller = requireUser(context.caller);
    return (await this.referrals.listFor(caller.userId)).map((invitation) => ReferralInvitationType.from(invitation));
  }
}
