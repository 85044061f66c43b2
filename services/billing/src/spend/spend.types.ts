import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import { CreditOwnerTypeGql } from '../credits/credit.types';
import type { SpendQuote, SpendReceipt } from '../credits/credit.service';

export enum SpendRefusalReasonGql {
  INSUFFICIENT_CREDITS = 'INSUFFICIENT_CREDITS',
  FAIR_USE_CAP_REACHED = 'FAIR_USE_CAP_REACHED',
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
  OWNER_CLOSED = 'OWNER_CLOSED',
}
registerEnumType(SpendRefusalReasonGql, { name: 'CreditSpendRefusalReason' });

@ObjectType('CreditSpendReceipt', { description: 'What a spend charged and what remains; the same idempotency key always returns the same receipt' })
export class SpendReceiptType {
  @Field(() => String)
  idempotencyKey!: string;

  @Field(() => ID, { description: 'The ledger line of the spend' })
  entryId!: string;

  @Field(() => CreditOwnerTypeGql)
  ownerType!: CreditOwnerTypeGql;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  charged!: number;

  @Field(() => Int, { description: "The owner's balance of this type right after the spend" })
  remaining!: number;

  @Field(() => Date)
  spentAt!: Date;

  static from(receipt: SpendReceipt): SpendReceiptType {
    return Object.assign(new SpendReceiptType(), {
      idempotencyKey: receipt.idempotencyKey,
      entryId: receipt.entryId,
      ownerType: receipt.owner.ownerType as CreditOwnerTypeGql,
      ownerId: receipt.owner.ownerId,
      creditType: receipt.creditType as CreditTypeGql,
      charged: receipt.charged,
      remaining: receipt.remaining,
      spentAt: receipt.spentAt,
    });
  }
}

@ObjectType('CreditQuote', { description: 'What an action would cost the caller and whether it would pass now; nothing is spent' })
export class SpendQuoteType {
  @Field(() => CreditOwnerTypeGql, { description: 'Who would pay: the workspace pool (PREMIUM) or the user (BIL-08)' })
  ownerType!: CreditOwnerTypeGql;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  cost!: number;

  @Field(() => Int, { description: 'What the caller could draw now, budgets and fair use applied' })
  available!: number;

  @Field(() => Boolean)
  allowed!: boolean;

  @Field(() => SpendRefusalReasonGql, { nullable: true })
  refusalReason!: SpendRefusalReasonGql | null;

  @Field(() => String, { nullable: true })
  refusalMessage!: string | null;

  static from(quote: SpendQuote): SpendQuoteType {
    return Object.assign(new SpendQuoteType(), {
      ownerType: quote.owner.ownerType as CreditOwnerTypeGql,
      ownerId: quote.owner.ownerId,
      creditType: quote.creditType as CreditTypeGql,
      cost: quote.cost,
      available: quote.available,
      allowed: quote.allowed,
      refusalReason: (quote.refusal?.reason as SpendRefusalReasonGql | undefined) ?? null,
      refusalMessage: quote.refusal?.message ?? null,
    });
  }
}

@InputType('SpendCreditsInput', { description: 'Staff correction (BILLING_ADMIN) booked on one owner; the same idempotency key charges once' })
export class SpendCreditsInput {
  @Field(() => CreditOwnerTypeGql)
  ownerType!: CreditOwnerTypeGql;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  reference?: string | null;

  @Field(() => String)
  idempotencyKey!: string;
}
