import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import type { MemberView, WorkspaceService } from './workspace.service';
import {
  ChangeMemberRoleInput,
  CreateWorkspaceInput,
  RemoveMemberInput,
  RenameWorkspaceInput,
  WorkspaceMemberType,
  WorkspaceType,
} from './workspace.types';

@Resolver(() => WorkspaceType)
export class WorkspaceResolver {
  /** One members query per request, however many workspaces it shows (no N+1). */
  private readonly memberLoaders = new WeakMap<RequestContext, DataLoader<string, MemberView[]>>();

  constructor(private readonly workspaces: WorkspaceService) {}

  @Query(() => WorkspaceType, { nullable: true, description: 'The workspace of the signed-in user, if any' })
  async myWorkspace(@Ctx() context: RequestContext): Promise<WorkspaceType | null> {
    const caller = requireUser(context.caller);
    const workspace = await this.workspaces.myWorkspace(caller.userId);
    return workspace ? WorkspaceType.from(workspace) : null;
  }

  @Mutation(() => WorkspaceType, { description: 'Creates a workspace; its creator becomes its administrator (ACC-05)' })
  async createWorkspace(@Arg('input', () => CreateWorkspaceInput) input: CreateWorkspaceInput, @Ctx() context: RequestContext): Promise<WorkspaceType> {
    const caller = requireUser(context.caller);
    return WorkspaceType.from(await this.workspaces.createWorkspace(caller.userId, { name: input.name }));
  }

  @Mutation(() => WorkspaceType)
  async renameWorkspace(@Arg('input', () => RenameWorkspaceInput) input: RenameWorkspaceInput, @Ctx() context: RequestContext): Promise<WorkspaceType> {
    const caller = requireUser(context.caller);
    return WorkspaceType.from(await this.workspaces.renameWorkspace(caller.userId, { name: input.name }));
  }

  @Mutation(() => WorkspaceMemberType, { description: 'Administrators only; a workspace always keeps an administrator' })
  async changeMemberRole(
    @Arg('input', () => ChangeMemberRoleInput) input: ChangeMemberRoleInput,
    @Ctx() context: RequestContext,
  ): Promise<WorkspaceMemberType> {
    const caller = requireUser(context.caller);
    return WorkspaceMemberType.from(await this.workspaces.changeMemberRole(caller.userId, { userId: input.userId, role: input.role }));
  }

  @Mutation(() => Boolean, { description: 'Administrators only' })
  async removeMember(@Arg('input', () => RemoveMemberInput) input: RemoveMemberInput, @Ctx() context: RequestContext): Promise<boolean> {
    const caller = requireUser(context.caller);
    await this.workspaces.removeMember(caller.userId, { userId: input.userId });
    return true;
  }

  @Mutation(() => Boolean)
  async leaveWorkspace(@Ctx() context: RequestContext): Promise<boolean> {
    const caller = requireUser(context.caller);
    await this.workspaces.leaveWorkspace(caller.userId);
    return true;
  }

  @FieldResolver(() => [WorkspaceMemberType], { description: 'Visible to the workspace\'s members' })
  async members(@Root() workspace: WorkspaceType, @Ctx() context: RequestContext): Promise<WorkspaceMemberType[]> {
    const caller = requireUser(context.caller);
    await this.workspaces.requireMembershipOf(caller.userId, workspace.id);
    const members = await this.memberLoader(context).load(workspace.id);
    return members.map((member) => WorkspaceMemberType.from(member));
  }

  private memberLoader(context: RequestContext): DataLoader<string, MemberView[]> {
    let loader = this.memberLoaders.get(context);
    if (!loader) {
      loader = new DataLoader<string, MemberView[]>(async (workspaceIds) => {
        const byWorkspace = await this.workspaces.membersOf(workspaceIds);
        return workspaceIds.map((id) => byWorkspace.get(id) ?? []);
      });
      this.memberLoaders.set(context, loader);
    }
    return loader;
  }
}

/** Plain reference resolver for federation: deleted or unknown workspaces resolve to null. */
export function resolveWorkspaceReference(workspaces: WorkspaceService) {
  return async (reference: { id: string }): Promise<WorkspaceType | null> => {
    const workspace = await workspaces.findActive(reference.id);
    return workspace ? WorkspaceType.from(workspace) : null;
  };
}
