import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { CreditBudgetService } from './budget.service';
import { CreditBudgetType, SetCreditBudgetInput } from './budget.types';

/** Workspace administrators cap what members and partner tokens draw from the pool each month. */
@Resolver(() => CreditBudgetType)
export class CreditBudgetResolver {
  constructor(private readonly budgets: CreditBudgetService) {}

  @Mutation(() => CreditBudgetType, { nullable: true, description: "Administrators of the caller's workspace; null when removed" })
  async setCreditBudget(@Arg('input', () => SetCreditBudgetInput) input: SetCreditBudgetInput, @Ctx() context: RequestContext): Promise<CreditBudgetType | null> {
    const budget = await this.budgets.setBudget(context.caller, {
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      creditType: input.creditType,
      monthlyLimit: input.monthlyLimit ?? null,
    });
    return budget ? CreditBudgetType.from(budget) : null;
  }

  @Query(() => [CreditBudgetType], { description: "The caller's workspace budgets with this month's use; administrators only" })
  async creditBudgets(@Ctx() context: RequestContext): Promise<CreditBudgetType[]> {
    return (await this.budgets.budgetsOf(context.caller)).map(CreditBudgetType.from);
  }
}
