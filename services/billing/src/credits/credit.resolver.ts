import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { CreditBalanceType, CreditUserEntity, CreditWorkspaceEntity } from './credit.types';
import type { CreditService } from './credit.service';

@Resolver(() => CreditUserEntity)
export class UserCreditsResolver {
  constructor(private readonly creditService: CreditService) {}

  @FieldResolver(() => [CreditBalanceType], { description: 'Personal credits per type; only the user may read them' })
  async credits(@Root() user: CreditUserEntity, @Ctx() context: RequestContext): Promise<CreditBalanceType[]> {
    const balances = await this.creditService.balancesFor(context.caller, { ownerType: 'USER', ownerId: user.id });
    return balances.map(CreditBalanceType.from);
  }
}

@Resolver(() => CreditWorkspaceEntity)
export class WorkspaceCreditsResolver {
  constructor(private readonly creditService: CreditService) {}

  @FieldResolver(() => [CreditBalanceType], { description: "The workspace's shared credits per type; members only" })
  async credits(@Root() workspace: CreditWorkspaceEntity, @Ctx() context: RequestContext): Promise<CreditBalanceType[]> {
    const balances = await this.creditService.balancesFor(context.caller, { ownerType: 'WORKSPACE', ownerId: workspace.id });
    return balances.map(CreditBalanceType.from);
  }
}

/** Reference resolvers: the credits hang off the id alone, whoever the entity belongs to. */
export const resolveCreditUserReference = (reference: { id: string }): CreditUserEntity => CreditUserEntity.of(reference.id);
export const resolveCreditWorkspaceReference = (reference: { id: string }): CreditWorkspaceEntity =>
  CreditWorkspaceEntity.of(reference.id);
