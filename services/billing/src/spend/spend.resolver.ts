import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { CreditTypeGql, requireStaffRole, type RequestContext } from '@leadgraph/platform';
import type { CreditLedgerService } from '../credits/credit.service';
import { creditCallerOf } from './spend.rules';
import { SpendCreditsInput, SpendQuoteType, SpendReceiptType } from './spend.types';

@Resolver()
export class SpendResolver {
  constructor(private readonly ledger: CreditLedgerService) {}

  @Mutation(() => SpendReceiptType, { description: 'BILLING_ADMIN: spend an owner\'s credits (corrections); returns what was charged and what remains' })
  async spendCredits(@Arg('input', () => SpendCreditsInput) input: SpendCreditsInput, @Ctx() context: RequestContext): Promise<SpendReceiptType> {
    const staff = requireStaffRole(context.caller, 'BILLING_ADMIN');
    const receipt = await this.ledger.spendFromOwner(
      { ownerType: input.ownerType, ownerId: input.ownerId },
      { idempotencyKey: input.idempotencyKey, creditType: input.creditType, amount: input.amount, reason: input.reason, reference: input.reference ?? null },
      staff.userId,
    );
    return SpendReceiptType.from(receipt);
  }

  @Query(() => SpendQuoteType, { description: 'What spending `amount` credits of a type would cost you now, and whether it would pass' })
  async creditQuote(
    @Arg('creditType', () => CreditTypeGql) creditType: CreditTypeGql,
    @Arg('amount', () => Int) amount: number,
    @Ctx() context: RequestContext,
  ): Promise<SpendQuoteType> {
    return SpendQuoteType.from(await this.ledger.quote({ caller: creditCallerOf(context.caller), creditType, amount }));
  }
}
