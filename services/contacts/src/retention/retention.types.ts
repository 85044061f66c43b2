import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { RetentionRunReportDocument } from '@leadgraph/platform';

@ObjectType('ContactRetentionRun', { description: 'One pass of the profile retention job (CON-09, PRV-07)' })
export class ContactRetentionRunType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  ranAt!: Date;

  @Field(() => Date, { description: 'Profiles last updated before this were due' })
  cutoff!: Date;

  @Field(() => Boolean, { description: 'A dry run counted what was due and deleted nothing' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'Profiles past their retention period when the pass ran' })
  dueProfiles!: number;

  @Field(() => Int)
  deletedProfiles!: number;

  static from(run: RetentionRunReportDocument): ContactRetentionRunType {
    return Object.assign(new ContactRetentionRunType(), { id: run._id, ranAt: run.ranAt, cutoff: run.cutoff, dryRun: run.dryRun, dueProfiles: run.due, deletedProfiles: run.deleted });
  }
}
