import { Query, Resolver } from 'type-graphql';
import { SubProcessorType } from './sub-processor.types';
import type { SubProcessorService } from './sub-processor.service';

/** Public: anyone may know who processes personal data for us (PRV-09). */
@Resolver(() => SubProcessorType)
export class SubProcessorResolver {
  constructor(private readonly subProcessorService: SubProcessorService) {}

  @Query(() => [SubProcessorType], { description: 'Sub-processors of personal data (PRV-09)' })
  async subProcessors(): Promise<SubProcessorType[]> {
    return (await this.subProcessorService.list()).map(SubProcessorType.from);
  }
}
