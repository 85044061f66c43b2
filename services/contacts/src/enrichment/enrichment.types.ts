import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RevealFieldGql, RevealedDetailsType } from '../reveals/reveal.types';
import type { EnrichmentItemView, EnrichmentProgress } from './enrichment.service';

export enum EnrichmentStatusGql {
  FOUND = 'FOUND',
  NOT_FOUND = 'NOT_FOUND',
  SUPPRESSED = 'SUPPRESSED',
  INSUFFICIENT_CREDITS = 'INSUFFICIENT_CREDITS',
  INVALID_IDENTIFIER = 'INVALID_IDENTIFIER',
}
registerEnumType(EnrichmentStatusGql, { name: 'EnrichmentItemStatus', description: 'Outcome of one identifier of a bulk enrichment job' });

export enum EnrichmentJobStateGql {
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
}
registerEnumType(EnrichmentJobStateGql, { name: 'EnrichmentJobState' });

@InputType('SubmitEnrichmentJobInput')
export class SubmitEnrichmentJobInput {
  @Field(() => [String], { description: 'Up to 10,000 profile URLs or e-mail addresses; a malformed line is reported on its item' })
  identifiers!: string[];

  @Field(() => [RevealFieldGql])
  fields!: RevealFieldGql[];

  @Field(() => Int, { description: 'Credits the job may spend at most; items past it are INSUFFICIENT_CREDITS' })
  maxCredits!: number;
}

@ObjectType('EnrichmentCounts')
export class EnrichmentCountsType {
  @Field(() => Int) found!: number;
  @Field(() => Int) notFound!: number;
  @Field(() => Int) suppressed!: number;
  @Field(() => Int) insufficientCredits!: number;
  @Field(() => Int) invalidIdentifier!: number;
}

@ObjectType('EnrichmentItem')
export class EnrichmentItemType {
  @Field(() => Int, { description: 'Position in the submitted list, from 0' })
  index!: number;

  @Field(() => String)
  identifier!: string;

  @Field(() => EnrichmentStatusGql, { nullable: true, description: 'Null while the item is not processed yet' })
  status!: EnrichmentStatusGql | null;

  @Field(() => String, { nullable: true, description: 'Why: MAX_CREDITS_REACHED, the missing credit type, or the malformed identifier' })
  reason!: string | null;

  @Field(() => ID, { nullable: true })
  contactId!: string | null;

  @Field(() => RevealedDetailsType, { nullable: true, description: 'The requested fields revealed for the workspace (FOUND)' })
  revealed!: RevealedDetailsType | null;

  @Field(() => [RevealFieldGql])
  unavailable!: RevealFieldGql[];

  @Field(() => Int)
  creditsCharged!: number;

  static from(view: EnrichmentItemView): EnrichmentItemType {
    const result = view.item.result;
    return Object.assign(new EnrichmentItemType(), {
      index: view.item.index,
      identifier: view.item.identifier,
      status: result ? (result.status as EnrichmentStatusGql) : null,
      reason: result?.reason ?? null,
      contactId: result?.contactId ?? null,
      revealed: view.details ? RevealedDetailsType.from(view.details) : null,
      unavailable: (result?.unavailable ?? []).map((field) => field as RevealFieldGql),
      creditsCharged: result?.creditsCharged ?? 0,
    });
  }
}

@ObjectType('EnrichmentItemEdge')
export class EnrichmentItemEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => EnrichmentItemType) node!: EnrichmentItemType;
}

@ObjectType('EnrichmentItemConnection')
export class EnrichmentItemConnectionType {
  @Field(() => [EnrichmentItemEdgeType]) edges!: EnrichmentItemEdgeType[];
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('EnrichmentJob', { description: 'A bulk enrichment job (issue 4b): progress and per-item results' })
export class EnrichmentJobType {
  @Field(() => ID) id!: string;
  @Field(() => EnrichmentJobStateGql) state!: EnrichmentJobStateGql;
  @Field(() => [RevealFieldGql]) fields!: RevealFieldGql[];
  @Field(() => Int) maxCredits!: number;
  @Field(() => Int) total!: number;
  @Field(() => Int) processed!: number;
  @Field(() => Int) creditsSpent!: number;
  @Field(() => EnrichmentCountsType) counts!: EnrichmentCountsType;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;

  static from(progress: EnrichmentProgress): EnrichmentJobType {
    const { job, counts } = progress;
    return Object.assign(new EnrichmentJobType(), {
      id: job._id,
      state: job.state as EnrichmentJobStateGql,
      fields: job.fields.map((field) => field as RevealFieldGql),
      maxCredits: job.maxCredits,
      total: job.total,
      processed: progress.processed,
      creditsSpent: progress.creditsSpent,
      counts: Object.assign(new EnrichmentCountsType(), {
        found: counts.FOUND,
        notFound: counts.NOT_FOUND,
        suppressed: counts.SUPPRESSED,
        insufficientCredits: counts.INSUFFICIENT_CREDITS,
        invalidIdentifier: counts.INVALID_IDENTIFIER,
      }),
      createdAt: job.createdAt,
      completedAt: job.completedAt,
    });
  }
}
