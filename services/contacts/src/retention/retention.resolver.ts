import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { RetentionService } from './retention.service';
import { ContactRetentionRunType } from './retention.types';

@Resolver()
export class RetentionResolver {
  constructor(private readonly retention: RetentionService) {}

  @Query(() => [ContactRetentionRunType], { description: 'PRIVACY_OFFICER: reports of the profile retention job, newest first' })
  async contactRetentionRuns(@Arg('first', () => Int, { nullable: true }) first: number | null, @Ctx() context: RequestContext): Promise<ContactRetentionRunType[]> {
    return (await this.retention.runs(context.caller, first ?? 20)).map(ContactRetentionRunType.from);
  }
}
