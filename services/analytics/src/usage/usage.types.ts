import { Field, ID, Int, ObjectType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import type { UsageDailyDocument } from './usage.model';
import type { UsageReport } from './usage.service';

@ObjectType('DailyUsage', { description: 'Usage of one credit type on one day' })
export class DailyUsageType {
  @Field(() => String, { description: 'YYYY-MM-DD in the report time zone' })
  day!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  creditsSpent!: number;

  @Field(() => Int, { description: 'Reveals of this field type (contacts exported for EXPORT), charged or free' })
  actions!: number;

  static from(document: UsageDailyDocument): DailyUsageType {
    return Object.assign(new DailyUsageType(), {
      day: document.day,
      creditType: document.creditType as CreditTypeGql,
      creditsSpent: document.creditsSpent,
      actions: document.actions,
    });
  }
}

@ObjectType('WorkspaceUsage')
export class WorkspaceUsageType {
  @Field(() => ID)
  workspaceId!: string;

  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;

  @Field(() => String, { description: 'IANA time zone the days are counted in' })
  timeZone!: string;

  @Field(() => [DailyUsageType], { description: 'By day then credit type; days without activity are absent' })
  entries!: DailyUsageType[];

  static from(report: UsageReport): WorkspaceUsageType {
    return Object.assign(new WorkspaceUsageType(), { ...report, entries: report.entries.map(DailyUsageType.from) });
  }
}
