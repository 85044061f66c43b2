import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import type { WorkspaceService } from '../workspaces/workspace.service';
import { WorkspaceType } from '../workspaces/workspace.types';
import type { ActivityLog } from './activity.service';
import { ActivityConnectionType } from './activity.types';

/** `Workspace.activity`: the activity log, newest first, for administrators (ACC-05). */
@Resolver(() => WorkspaceType)
export class ActivityResolver {
  constructor(
    private readonly activityLog: ActivityLog,
    private readonly workspaces: WorkspaceService,
  ) {}

  @FieldResolver(() => ActivityConnectionType, { description: 'Administrators only' })
  async activity(
    @Root() workspace: WorkspaceType,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ActivityConnectionType> {
    const caller = requireUser(context.caller);
    await this.workspaces.requireAdminOf(caller.userId, workspace.id);
    return ActivityConnectionType.from(await this.activityLog.page(workspace.id, first, after));
  }
}
