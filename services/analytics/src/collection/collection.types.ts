import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectScalar } from '@leadgraph/platform';
import type { CollectSummary, EventResult } from './collection.service';

export enum StoredAsGql {
  IDENTIFIED = 'IDENTIFIED',
  ANONYMOUS_COUNT = 'ANONYMOUS_COUNT',
}
registerEnumType(StoredAsGql, { name: 'AnalyticsStoredAs', description: 'IDENTIFIED: kept with its subject (analytics consent); ANONYMOUS_COUNT: only counted per page and day' });

export enum RejectionReasonGql {
  MALFORMED = 'MALFORMED',
  UNKNOWN_EVENT_TYPE = 'UNKNOWN_EVENT_TYPE',
  FUTURE_TIMESTAMP = 'FUTURE_TIMESTAMP',
  TOO_OLD = 'TOO_OLD',
  CONTACT_DETAILS_NOT_ALLOWED = 'CONTACT_DETAILS_NOT_ALLOWED',
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
}
registerEnumType(RejectionReasonGql, { name: 'AnalyticsEventRejection' });

@InputType('TrackedEventInput')
export class TrackedEventInput {
  @Field(() => String, { description: 'PAGE_VIEW or ACTION; anything else is rejected for this event only' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Path only; a query string or fragment is dropped' })
  page!: string;

  @Field(() => String, { description: 'ISO 8601 instant, at most 5 minutes ahead and 7 days old' })
  occurredAt!: string;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Flat string / number / boolean values; never contact details' })
  properties?: Record<string, unknown> | null;
}

@InputType('TrackEventsInput')
export class TrackEventsInput {
  @Field(() => String, { nullable: true, description: "The consent banner's visitor id, for a visitor who is not signed in" })
  visitorId?: string | null;

  @Field(() => [TrackedEventInput])
  events!: TrackedEventInput[];
}

@ObjectType('TrackedEventResult')
export class TrackedEventResultType {
  @Field(() => Int)
  index!: number;

  @Field(() => Boolean)
  accepted!: boolean;

  @Field(() => StoredAsGql, { nullable: true })
  stored!: StoredAsGql | null;

  @Field(() => RejectionReasonGql, { nullable: true })
  reason!: RejectionReasonGql | null;

  @Field(() => String, { nullable: true, description: 'The field at fault and why' })
  detail!: string | null;

  static from(result: EventResult): TrackedEventResultType {
    return Object.assign(new TrackedEventResultType(), {
      ...result,
      stored: result.stored as StoredAsGql | null,
      reason: result.reason as RejectionReasonGql | null,
    });
  }
}

@ObjectType('TrackEventsResult')
export class TrackEventsResultType {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => [TrackedEventResultType])
  results!: TrackedEventResultType[];

  static from(summary: CollectSummary): TrackEventsResultType {
    return Object.assign(new TrackEventsResultType(), { accepted: summary.accepted, rejected: summary.rejected, results: summary.results.map(TrackedEventResultType.from) });
  }
}
