import { parseInput, requireUser, type Caller, type Clock } from '@leadgraph/platform';
import { creditAccountId, type CreditAccountDocument, type CreditAccountModel, type CreditBudget, type CreditOwner } from '../credits/credit.model';
import { creditMonthOf, usageOf } from '../credits/credit.rules';
import type { CreditLedgerService } from '../credits/credit.service';
import { assertMayManageBudgets, budgetCounterId, creditBudgetInputSchema, type CreditBudgetInput } from './budget.rules';

/** A budget as administrators see it, with what its subject drew this month. */
export interface CreditBudgetView extends CreditBudget {
  month: string;
  usedThisMonth: number;
}

// Set and remove race with other administrators' edits: each attempt is one guarded write.
const WRITE_ATTEMPTS = 20;

/**
 * Monthly budgets per member and per partner token and credit type, on the workspace's credit
 * account: the spend that would overrun one is refused in the same guarded write that spends,
 * so a budget can never be overrun by concurrent spends. Billing cannot see memberships (EVT-01):
 * a budget names any user or token id; one that is not a member simply never spends.
 */
export class CreditBudgetService {
  constructor(
    private readonly accounts: CreditAccountModel,
    private readonly ledger: Pick<CreditLedgerService, 'ensureAccount'>,
    private readonly clock: Clock,
  ) {}

  /** Sets (or, with `monthlyLimit: null`, removes) one budget of the caller's workspace. */
  async setBudget(caller: Caller, input: CreditBudgetInput): Promise<CreditBudgetView | null> {
    const user = requireUser(caller);
    const budget = parseInput(creditBudgetInputSchema, input);
    const workspaceId = user.workspaceId ?? '';
    assertMayManageBudgets(user, workspaceId);
    const owner: CreditOwner = { ownerType: 'WORKSPACE', ownerId: workspaceId };
    const now = this.clock.now();
    const accountId = await this.ledger.ensureAccount(owner, now);
    const match = { subjectType: budget.subjectType, subjectId: budget.subjectId, creditType: budget.creditType };
    if (budget.monthlyLimit === null) {
      await this.accounts.updateOne({ _id: accountId }, { $pull: { budgets: match }, $set: { updatedAt: now } });
      return null;
    }
    const stored: CreditBudget = { ...match, monthlyLimit: budget.monthlyLimit, setByUserId: user.userId, setAt: now };
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const replaced = await this.accounts
        .findOneAndUpdate(
          { _id: accountId, budgets: { $elemMatch: match } },
          { $set: { 'budgets.$[budget]': stored, updatedAt: now } },
          {
            returnDocument: 'after',
            arrayFilters: [{ 'budget.subjectType': match.subjectType, 'budget.subjectId': match.subjectId, 'budget.creditType': match.creditType }],
          },
        )
        .lean<CreditAccountDocument>();
      const account =
        replaced ??
        (await this.accounts
          .findOneAndUpdate(
            { _id: accountId, budgets: { $not: { $elemMatch: match } } },
            { $push: { budgets: stored }, $set: { updatedAt: now } },
            { returnDocument: 'after' },
          )
          .lean<CreditAccountDocument>());
      if (account) return viewOf(stored, account, now);
    }
    throw new Error('credit budget kept changing meanwhile');
  }

  /** The caller's workspace budgets, administrators only, with this month's use. */
  async budgetsOf(caller: Caller): Promise<CreditBudgetView[]> {
    const user = requireUser(caller);
    const workspaceId = user.workspaceId ?? '';
    assertMayManageBudgets(user, workspaceId);
    const account = await this.accounts
      .findById(creditAccountId({ ownerType: 'WORKSPACE', ownerId: workspaceId }), { budgets: 1, usage: 1 })
      .lean<Pick<CreditAccountDocument, 'budgets' | 'usage'>>();
    const now = this.clock.now();
    return (account?.budgets ?? []).map((budget) => viewOf(budget, account ?? { usage: {} }, now));
  }
}

function viewOf(budget: CreditBudget, account: Pick<CreditAccountDocument, 'usage'>, now: Date): CreditBudgetView {
  const month = creditMonthOf(now);
  return { ...budget, month, usedThisMonth: usageOf(account.usage, month, budgetCounterId(budget), budget.creditType) };
}
