import { Query, Resolver } from 'type-graphql';
import { RetentionRuleType } from './retention-schedule.types';
import type { RetentionScheduleService } from './retention-schedule.service';

/** Public: the privacy policy shows how long each kind of data is kept (PRV-07). */
@Resolver(() => RetentionRuleType)
export class RetentionScheduleResolver {
  constructor(private readonly retentionScheduleService: RetentionScheduleService) {}

  @Query(() => [RetentionRuleType], { description: 'How long each category of data is kept (PRV-07)' })
  async retentionSchedule(): Promise<RetentionRuleType[]> {
    return (await this.retentionScheduleService.list()).map(RetentionRuleType.from);
  }
}
