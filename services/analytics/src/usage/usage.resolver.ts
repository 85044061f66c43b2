import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { WorkspaceUsageType } from './usage.types';
import type { UsageService } from './usage.service';

@Resolver(() => WorkspaceUsageType)
export class UsageResolver {
  constructor(private readonly usageService: UsageService) {}

  @Query(() => WorkspaceUsageType, { description: "A workspace's daily usage between two days, both included; administrators only" })
  async workspaceUsage(
    @Arg('workspaceId', () => ID) workspaceId: string,
    @Arg('from', () => String, { description: 'YYYY-MM-DD' }) from: string,
    @Arg('to', () => String, { description: 'YYYY-MM-DD, at most 366 days after from' }) to: string,
    @Ctx() context: RequestContext,
  ): Promise<WorkspaceUsageType> {
    return WorkspaceUsageType.from(await this.usageService.workspaceReport(context.caller, { workspaceId, from, to }));
  }
}
