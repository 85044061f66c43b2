import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { requireStaffRole, type RequestContext } from '@leadgraph/platform';
import type { CreditLedgerService } from './credit.service';
import {
  CreditBalanceType,
  CreditLedgerConnectionType,
  CreditUserEntity,
  CreditWorkspaceEntity,
  GrantCreditsInput,
  GrantResultType,
} from './credit.types';

@Resolver(() => CreditUserEntity)
export class UserCreditsResolver {
  constructor(private readonly ledger: CreditLedgerService) {}

  @FieldResolver(() => [CreditBalanceType], { description: 'Personal credits per type; only the user may read them' })
  async credits(@Root() user: CreditUserEntity, @Ctx() context: RequestContext): Promise<CreditBalanceType[]> {
    const balances = await this.ledger.balancesFor(context.caller, { ownerType: 'USER', ownerId: user.id });
    return balances.map(CreditBalanceType.from);
  }

  @FieldResolver(() => CreditLedgerConnectionType, { description: 'Personal credit history, newest first; only the user' })
  async creditLedger(
    @Root() user: CreditUserEntity,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<CreditLedgerConnectionType> {
    return CreditLedgerConnectionType.from(await this.ledger.historyFor(context.caller, { ownerType: 'USER', ownerId: user.id }, first, after));
  }
}

@Resolver(() => CreditWorkspaceEntity)
export class WorkspaceCreditsResolver {
  constructor(private readonly ledger: CreditLedgerService) {}

  @FieldResolver(() => [CreditBalanceType], { description: "The workspace's shared credits per type; members only" })
  async credits(@Root() workspace: CreditWorkspaceEntity, @Ctx() context: RequestContext): Promise<CreditBalanceType[]> {
    const balances = await this.ledger.balancesFor(context.caller, { ownerType: 'WORKSPACE', ownerId: workspace.id });
    return balances.map(CreditBalanceType.from);
  }

  @FieldResolver(() => CreditLedgerConnectionType, { description: "The pool's credit history, newest first; members only" })
  async creditLedger(
    @Root() workspace: CreditWorkspaceEntity,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<CreditLedgerConnectionType> {
    const owner = { ownerType: 'WORKSPACE' as const, ownerId: workspace.id };
    return CreditLedgerConnectionType.from(await this.ledger.historyFor(context.caller, owner, first, after));
  }
}

/** Staff grants (support gestures, corrections): BILLING_ADMIN only. */
@Resolver()
export class CreditAdminResolver {
  constructor(private readonly ledger: CreditLedgerService) {}

  @Mutation(() => GrantResultType, { description: 'BILLING_ADMIN: grant credits to an owner; idempotent by key' })
  async grantCredits(@Arg('input', () => GrantCreditsInput) input: GrantCreditsInput, @Ctx() context: RequestContext): Promise<GrantResultType> {
    requireStaffRole(context.caller, 'BILLING_ADMIN');
    const owner = { ownerType: input.ownerType, ownerId: input.ownerId };
    const result = await this.ledger.grant({
      owner,
      creditType: input.creditType,
      amount: input.amount,
      source: input.source,
      expiresAt: input.expiresAt ?? null,
      unlimited: input.unlimited ?? false,
      idempotencyKey: input.idempotencyKey,
    });
    return GrantResultType.from(result, await this.ledger.balancesNow(owner));
  }
}

/** Reference resolvers: the credits hang off the id alone, whoever the entity belongs to. */
export const resolveCreditUserReference = (reference: { id: string }): CreditUserEntity => CreditUserEntity.of(reference.id);
export const resolveCreditWorkspaceReference = (reference: { id: string }): CreditWorkspaceEntity =>
  CreditWorkspaceEntity.of(reference.id);
