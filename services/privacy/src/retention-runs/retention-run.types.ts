import { Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import type { RetentionRunEvidenceDocument } from './retention-run.model';
import type { RetentionRunPage } from './retention-run.service';

@ObjectType('RetentionRun', { description: "PRV-07 evidence: one pass of a service's retention job" })
export class RetentionRunType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  dataCategory!: string;

  @Field(() => Boolean, { description: 'A dry run counts what is due and deletes nothing' })
  dryRun!: boolean;

  @Field(() => Date)
  cutoff!: Date;

  @Field(() => Int)
  due!: number;

  @Field(() => Int)
  deleted!: number;

  @Field(() => Date)
  ranAt!: Date;

  @Field(() => Date)
  finishedAt!: Date;

  @Field(() => Boolean, { description: 'The schedule names this service for this category' })
  matchesSchedule!: boolean;

  static from(run: RetentionRunEvidenceDocument): RetentionRunType {
    return Object.assign(new RetentionRunType(), { ...run, id: run._id });
  }
}

@ObjectType('RetentionRunEdge')
export class RetentionRunEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => RetentionRunType)
  node!: RetentionRunType;
}

@ObjectType('RetentionRunConnection')
export class RetentionRunConnectionType {
  @Field(() => [RetentionRunEdgeType])
  edges!: RetentionRunEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: RetentionRunPage): RetentionRunConnectionType {
    return Object.assign(new RetentionRunConnectionType(), {
      edges: page.runs.map(({ run, cursor }) => Object.assign(new RetentionRunEdgeType(), { cursor, node: RetentionRunType.from(run) })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
