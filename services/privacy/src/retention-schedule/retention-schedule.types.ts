import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { RetentionLimit, RetentionRuleDocument } from './retention-schedule.model';

export enum RetentionDataCategoryGql {
  ENQUIRIES = 'ENQUIRIES',
  ACCOUNT_DATA = 'ACCOUNT_DATA',
  ACCOUNTING = 'ACCOUNTING',
  MARKETING = 'MARKETING',
  REFERRAL_INVITATIONS = 'REFERRAL_INVITATIONS',
  ANALYTICS_RAW = 'ANALYTICS_RAW',
  BUSINESS_PROFILES = 'BUSINESS_PROFILES',
  PRIVACY_REQUESTS = 'PRIVACY_REQUESTS',
}
registerEnumType(RetentionDataCategoryGql, { name: 'RetentionDataCategory' });

export enum RetentionTriggerGql {
  LAST_CONTACT = 'LAST_CONTACT',
  RELATIONSHIP_END = 'RELATIONSHIP_END',
  FISCAL_YEAR_END = 'FISCAL_YEAR_END',
  OPT_OUT = 'OPT_OUT',
  SENT_WITHOUT_RESPONSE = 'SENT_WITHOUT_RESPONSE',
  COLLECTION = 'COLLECTION',
  LAST_UPDATE = 'LAST_UPDATE',
  REQUEST_CLOSED = 'REQUEST_CLOSED',
}
export enum RetentionActionGql {
  DELETE = 'DELETE',
  ANONYMISE = 'ANONYMISE',
}
registerEnumType(RetentionActionGql, { name: 'RetentionAction', description: "What the enforcing service's job does when the time is up" });

registerEnumType(RetentionTriggerGql, { name: 'RetentionTrigger', description: 'The moment a retention period starts counting from' });

@ObjectType('RetentionLimit')
export class RetentionLimitType {
  @Field(() => RetentionTriggerGql)
  trigger!: RetentionTriggerGql;

  @Field(() => Int, { description: 'Months after the trigger; 0 = at once' })
  months!: number;

  static from(limit: RetentionLimit): RetentionLimitType {
    return Object.assign(new RetentionLimitType(), { trigger: limit.trigger as RetentionTriggerGql, months: limit.months });
  }
}

@ObjectType('RetentionRule', { description: 'How long one category of data is kept: until the first of its limits' })
export class RetentionRuleType {
  @Field(() => RetentionDataCategoryGql)
  dataCategory!: RetentionDataCategoryGql;

  @Field(() => String)
  description!: string;

  @Field(() => [RetentionLimitType])
  limits!: RetentionLimitType[];

  @Field(() => RetentionActionGql)
  action!: RetentionActionGql;

  @Field(() => String, { description: 'Service whose scheduled job deletes the data' })
  enforcedBy!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  static from(rule: RetentionRuleDocument): RetentionRuleType {
    return Object.assign(new RetentionRuleType(), {
      dataCategory: rule.dataCategory as RetentionDataCategoryGql,
      description: rule.description,
      limits: rule.limits.map(RetentionLimitType.from),
      action: rule.action as RetentionActionGql,
      enforcedBy: rule.enforcedBy,
      note: rule.note,
    });
  }
}
