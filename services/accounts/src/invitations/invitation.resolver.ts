import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { requireUser, type Clock, type RequestContext } from '@leadgraph/platform';
import { WorkspaceType } from '../workspaces/workspace.types';
import type { InvitationService } from './invitation.service';
import { AcceptInvitationInput, InvitationType, InviteMemberInput, RevokeInvitationInput } from './invitation.types';

/** Invitation mutations, and `Workspace.pendingInvitations` (hence bound to the Workspace type). */
@Resolver(() => WorkspaceType)
export class InvitationResolver {
  constructor(
    private readonly invitations: InvitationService,
    private readonly clock: Clock,
  ) {}

  @Mutation(() => InvitationType, { description: 'Administrators invite by e-mail; the link is mailed (ACC-05)' })
  async inviteMember(@Arg('input', () => InviteMemberInput) input: InviteMemberInput, @Ctx() context: RequestContext): Promise<InvitationType> {
    const caller = requireUser(context.caller);
    const invitation = await this.invitations.invite(caller.userId, { email: input.email, role: input.role });
    return InvitationType.from(invitation, this.clock.now());
  }

  @Mutation(() => InvitationType)
  async revokeInvitation(@Arg('input', () => RevokeInvitationInput) input: RevokeInvitationInput, @Ctx() context: RequestContext): Promise<InvitationType> {
    const caller = requireUser(context.caller);
    return InvitationType.from(await this.invitations.revoke(caller.userId, { id: input.id }), this.clock.now());
  }

  @Mutation(() => WorkspaceType, { description: 'Joins the workspace of an invitation addressed to the signed-in user' })
  async acceptInvitation(@Arg('input', () => AcceptInvitationInput) input: AcceptInvitationInput, @Ctx() context: RequestContext): Promise<WorkspaceType> {
    const caller = requireUser(context.caller);
    return WorkspaceType.from(await this.invitations.accept(caller.userId, { token: input.token }));
  }

  @FieldResolver(() => [InvitationType], { description: 'Administrators only' })
  async pendingInvitations(@Root() workspace: WorkspaceType, @Ctx() context: RequestContext): Promise<InvitationType[]> {
    const caller = requireUser(context.caller);
    const now = this.clock.now();
    return (await this.invitations.pendingInvitations(caller.userId, workspace.id)).map((invitation) => InvitationType.from(invitation, now));
  }
}
