import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { RetentionRunDocument } from './retention.model';

@ObjectType('ContactRetentionRun', { description: 'One pass of the profile retention job (CON-09)' })
export class ContactRetentionRunType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  ranAt!: Date;

  @Field(() => Date, { description: 'Profiles last updated before this were deleted' })
  cutoff!: Date;

  @Field(() => Int)
  deletedProfiles!: number;

  static from(run: RetentionRunDocument): ContactRetentionRunType {
    return Object.assign(new ContactRetentionRunType(), { id: run._id, ranAt: run.ranAt, cutoff: run.cutoff, deletedProfiles: run.deletedProfiles });
  }
}
