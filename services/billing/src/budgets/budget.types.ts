import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import type { CreditBudgetView } from './budget.service';

export enum CreditBudgetSubjectTypeGql {
  MEMBER = 'MEMBER',
  API_TOKEN = 'API_TOKEN',
}
registerEnumType(CreditBudgetSubjectTypeGql, { name: 'CreditBudgetSubjectType', description: 'A workspace member (user id) or a partner API token (token id)' });

@ObjectType('CreditBudget', { description: "A monthly cap on what one member or partner token draws from the workspace's pool" })
export class CreditBudgetType {
  @Field(() => CreditBudgetSubjectTypeGql)
  subjectType!: CreditBudgetSubjectTypeGql;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  monthlyLimit!: number;

  @Field(() => String, { description: 'Calendar month (YYYY-MM, UTC) the use is counted in' })
  month!: string;

  @Field(() => Int)
  usedThisMonth!: number;

  @Field(() => ID)
  setByUserId!: string;

  @Field(() => Date)
  setAt!: Date;

  static from(view: CreditBudgetView): CreditBudgetType {
    return Object.assign(new CreditBudgetType(), {
      ...view,
      subjectType: view.subjectType as CreditBudgetSubjectTypeGql,
      creditType: view.creditType as CreditTypeGql,
    });
  }
}

@InputType('SetCreditBudgetInput')
export class SetCreditBudgetInput {
  @Field(() => CreditBudgetSubjectTypeGql)
  subjectType!: CreditBudgetSubjectTypeGql;

  @Field(() => ID, { description: "The member's user id or the token id" })
  subjectId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { nullable: true, description: 'Credits per calendar month; null removes the budget; 0 forbids spending' })
  monthlyLimit?: number | null;
}
