import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ExtractionFlagDocument } from './rate-limit.model';

@ObjectType('ExtractionFlag', { description: 'An account whose day looked like bulk extraction (CON-10)' })
export class ExtractionFlagType {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID, { nullable: true })
  workspaceId!: string | null;

  @Field(() => String, { description: 'UTC day, YYYY-MM-DD' })
  day!: string;

  @Field(() => [String])
  signals!: string[];

  @Field(() => Int)
  searchPages!: number;

  @Field(() => Int)
  reveals!: number;

  @Field(() => Date)
  flaggedAt!: Date;

  static from(flag: ExtractionFlagDocument): ExtractionFlagType {
    return Object.assign(new ExtractionFlagType(), { ...flag, searchPages: flag.usage.searchPages, reveals: flag.usage.reveals });
  }
}
