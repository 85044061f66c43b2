import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { requireStaffRole, type RequestContext } from '@leadgraph/platform';
import type { UsageGuardService } from './rate-limit.service';
import { ExtractionFlagType } from './rate-limit.types';

@Resolver()
export class RateLimitResolver {
  constructor(private readonly guard: UsageGuardService) {}

  @Query(() => [ExtractionFlagType], { description: 'SUPPORT: accounts flagged for bulk-extraction patterns, newest first (CON-10)' })
  async extractionFlags(@Arg('first', () => Int, { nullable: true }) first: number | null, @Ctx() context: RequestContext): Promise<ExtractionFlagType[]> {
    requireStaffRole(context.caller, 'SUPPORT');
    return (await this.guard.flagged(Math.min(Math.max(first ?? 20, 1), 100))).map(ExtractionFlagType.from);
  }
}
