import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql, PageInfoType } from '@leadgraph/platform';
import type { CreditLedgerEntryDocument } from './credit.model';
import type { CreditBalance } from './credit.rules';
import type { GrantResult, LedgerPage } from './credit.service';

export enum CreditOwnerTypeGql {
  USER = 'USER',
  WORKSPACE = 'WORKSPACE',
}
registerEnumType(CreditOwnerTypeGql, { name: 'CreditOwnerType', description: 'Personal (FREEMIUM) or workspace pool (PREMIUM) credits (BIL-08)' });

export enum CreditSourceGql {
  REGISTRATION = 'REGISTRATION',
  SUBSCRIPTION = 'SUBSCRIPTION',
  REWARD = 'REWARD',
  ADD_ON = 'ADD_ON',
}
registerEnumType(CreditSourceGql, { name: 'CreditSource', description: 'Where granted credits come from (BIL-04)' });

export enum CreditLedgerEntryKindGql {
  GRANT = 'GRANT',
  SPEND = 'SPEND',
  EXPIRE = 'EXPIRE',
  FORFEIT = 'FORFEIT',
  REFUND = 'REFUND',
}
registerEnumType(CreditLedgerEntryKindGql, { name: 'CreditLedgerEntryKind' });

export enum GrantStatusGql {
  GRANTED = 'GRANTED',
  ALREADY_GRANTED = 'ALREADY_GRANTED',
  OWNER_CLOSED = 'OWNER_CLOSED',
}
registerEnumType(GrantStatusGql, { name: 'CreditGrantStatus' });

@ObjectType('CreditBalance')
export class CreditBalanceType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { description: 'Credits usable now; for unlimited credits, what remains of the fair-use grant' })
  balance!: number;

  @Field(() => Boolean)
  unlimited!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the first remaining credits expire; null when none expire' })
  nearestExpiry!: Date | null;

  static from(balance: CreditBalance): CreditBalanceType {
    return Object.assign(new CreditBalanceType(), {
      creditType: balance.creditType as CreditTypeGql,
      balance: balance.available,
      unlimited: balance.unlimited,
      nearestExpiry: balance.nearestExpiry,
    });
  }
}

@ObjectType('CreditLedgerEntry', { description: 'One line of the append-only credit ledger' })
export class CreditLedgerEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => CreditLedgerEntryKindGql)
  kind!: CreditLedgerEntryKindGql;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { description: 'Always positive; the kind says in which direction it counts' })
  amount!: number;

  @Field(() => Int, { description: "The owner's balance of this type right after this line" })
  balanceAfter!: number;

  @Field(() => CreditSourceGql, { nullable: true, description: 'GRANT only' })
  source!: CreditSourceGql | null;

  @Field(() => Boolean, { description: 'GRANT only: fair-use unlimited credits' })
  unlimited!: boolean;

  @Field(() => Date, { nullable: true, description: 'GRANT only: end of the period the credits belong to' })
  expiresAt!: Date | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'What it is about, e.g. the revealed contact' })
  reference!: string | null;

  @Field(() => ID, { nullable: true, description: 'Who spent' })
  actorUserId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The partner token the spend went through' })
  actorApiTokenId!: string | null;

  @Field(() => Date)
  occurredAt!: Date;

  static from(entry: CreditLedgerEntryDocument): CreditLedgerEntryType {
    return Object.assign(new CreditLedgerEntryType(), {
      id: entry._id,
      kind: entry.kind as CreditLedgerEntryKindGql,
      creditType: entry.creditType as CreditTypeGql,
      amount: entry.amount,
      balanceAfter: entry.balanceAfter,
      source: entry.source as CreditSourceGql | null,
      unlimited: entry.unlimited,
      expiresAt: entry.expiresAt,
      reason: entry.reason,
      reference: entry.reference,
      actorUserId: entry.actor?.userId ?? null,
      actorApiTokenId: entry.actor?.apiTokenId ?? null,
      occurredAt: entry.occurredAt,
    });
  }
}

@ObjectType('CreditLedgerEdge')
export class CreditLedgerEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => CreditLedgerEntryType)
  node!: CreditLedgerEntryType;
}

@ObjectType('CreditLedgerConnection')
export class CreditLedgerConnectionType {
  @Field(() => [CreditLedgerEdgeType])
  edges!: CreditLedgerEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: LedgerPage): CreditLedgerConnectionType {
    return Object.assign(new CreditLedgerConnectionType(), {
      edges: page.entries.map(({ entry, cursor }) => Object.assign(new CreditLedgerEdgeType(), { cursor, node: CreditLedgerEntryType.from(entry) })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}

@InputType('GrantCreditsInput', { description: 'Staff grant (BILLING_ADMIN); the same idempotency key grants once' })
export class GrantCreditsInput {
  @Field(() => CreditOwnerTypeGql)
  ownerType!: CreditOwnerTypeGql;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int)
  amount!: number;

  @Field(() => CreditSourceGql)
  source!: CreditSourceGql;

  @Field(() => Date, { nullable: true, description: 'End of the period; null only for REGISTRATION credits' })
  expiresAt?: Date | null;

  @Field(() => Boolean, { nullable: true })
  unlimited?: boolean | null;

  @Field(() => String)
  idempotencyKey!: string;
}

@ObjectType('CreditGrantResult')
export class GrantResultType {
  @Field(() => GrantStatusGql)
  status!: GrantStatusGql;

  @Field(() => ID, { nullable: true })
  grantId!: string | null;

  @Field(() => [CreditBalanceType], { description: "The owner's balances after the grant" })
  balances!: CreditBalanceType[];

  static from(result: GrantResult, balances: CreditBalance[]): GrantResultType {
    return Object.assign(new GrantResultType(), {
      status: result.status as GrantStatusGql,
      grantId: result.grantId,
      balances: balances.map(CreditBalanceType.from),
    });
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
