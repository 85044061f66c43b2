import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { RetentionRunService } from './retention-run.service';
import { RetentionRunConnectionType } from './retention-run.types';

/** Privacy officers: what each service's retention job deleted, newest first (PRV-07). */
@Resolver()
export class RetentionRunResolver {
  constructor(private readonly runs: RetentionRunService) {}

  @Query(() => RetentionRunConnectionType, { description: "Evidence of the services' retention passes (PRV-07); privacy officers only" })
  async retentionRuns(
    @Ctx() context: RequestContext,
    @Arg('service', () => String, { nullable: true }) service: string | null,
    @Arg('dataCategory', () => String, { nullable: true }) dataCategory: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<RetentionRunConnectionType> {
    return RetentionRunConnectionType.from(await this.runs.page(context.caller, { service, dataCategory, first, after }));
  }
}
