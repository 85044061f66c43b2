import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import type { CreditBalance } from './credit.rules';

@ObjectType('CreditBalance')
export class CreditBalanceType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { description: 'Credits usable now; for unlimited credits, what remains under the fair-use cap' })
  balance!: number;

  @Field(() => Boolean)
  unlimited!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the first remaining credits expire; null when none expire' })
  nearestExpiry!: Date | null;

  static from(balance: CreditBalance): CreditBalanceType {
    return Object.assign(new CreditBalanceType(), { ...balance, creditType: balance.creditType as CreditTypeGql });
  }
}

/** Billing's part of the accounts `User` entity: personal (FREEMIUM) credits. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class CreditUserEntity {
  @Field(() => ID)
  id!: string;

  static of(id: string): CreditUserEntity {
    return Object.assign(new CreditUserEntity(), { id });
  }
}

/** Billing's part of the accounts `Workspace` entity: the shared PREMIUM credit pool. */
@Directive('@key(fields: "id")')
@ObjectType('Workspace')
export class CreditWorkspaceEntity {
  @Field(() => ID)
  id!: string;

  static of(id: string): CreditWorkspaceEntity {
    return Object.assign(new CreditWorkspaceEntity(), { id });
  }
}
