import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { Clock, RequestContext } from '@leadgraph/platform';
import { CreditUserEntity, CreditWorkspaceEntity } from '../credits/credit.types';
import type { InvoiceService } from '../invoices/invoice.service';
import { InvoiceType } from '../invoices/invoice.types';
import type { PlanService } from '../plans/plan.service';
import { PlanType } from '../plans/plan.types';
import type { SubscriptionChangeResult, SubscriptionService } from './subscription.service';
import {
  BuyAddOnCreditsInputType,
  CancelSubscriptionInputType,
  ChangeOutcomeGql,
  ChangePlanInputType,
  ChargeType,
  RespondToPriceRevisionInputType,
  SubscribeInputType,
  SubscriptionChangePayloadType,
  SubscriptionType,
} from './subscription.types';

/** Translates a service answer into the graph's payload: the subscription now and what was charged. */
function payloadOf(result: SubscriptionChangeResult, invoices: InvoiceService, now: Date): SubscriptionChangePayloadType {
  const charge = result.charge
    ? Object.assign(new ChargeType(), {
        invoice: InvoiceType.from(result.charge.invoice, invoices.lateChargesOf(result.charge.invoice)),
        declineCode: result.charge.declineCode,
        monthsCharged: result.charge.monthsCharged,
      })
    : null;
  return Object.assign(new SubscriptionChangePayloadType(), {
    subscription: SubscriptionType.from(result.subscription, now),
    outcome: result.outcome as ChangeOutcomeGql,
    charge,
  });
}

/** Workspace administrators manage the PREMIUM subscription; partner tokens never mutate (ACC-08). */
@Resolver(() => SubscriptionType)
export class SubscriptionResolver {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly plans: PlanService,
    private readonly invoices: InvoiceService,
    private readonly clock: Clock,
  ) {}

  @FieldResolver(() => PlanType)
  async plan(@Root() subscription: SubscriptionType): Promise<PlanType> {
    const plan = await this.plans.findById(subscription.planId);
    if (!plan) throw new Error(`plan ${subscription.planId} is not in the catalogue`);
    return PlanType.from(plan);
  }

  @Mutation(() => SubscriptionChangePayloadType, { description: 'Buy a PREMIUM plan for the workspace: price x seats + VAT, charged now (BIL-02)' })
  async subscribe(@Arg('input', () => SubscribeInputType) input: SubscribeInputType, @Ctx() context: RequestContext): Promise<SubscriptionChangePayloadType> {
    return payloadOf(await this.subscriptions.subscribe(context.caller, { ...input }), this.invoices, this.clock.now());
  }

  @Mutation(() => SubscriptionChangePayloadType, { description: 'Upgrade now after payment (BIL-09) or downgrade at the end of the period (BIL-10)' })
  async changePlan(@Arg('input', () => ChangePlanInputType) input: ChangePlanInputType, @Ctx() context: RequestContext): Promise<SubscriptionChangePayloadType> {
    return payloadOf(
      await this.subscriptions.changePlan(context.caller, { planId: input.planId ?? undefined, seats: input.seats ?? undefined }),
      this.invoices,
      this.clock.now(),
    );
  }

  @Mutation(() => SubscriptionChangePayloadType, { description: 'Stop the renewal (BIL-10) or terminate early (BIL-11)' })
  async cancelSubscription(
    @Arg('input', () => CancelSubscriptionInputType, { nullable: true }) input: CancelSubscriptionInputType | null,
    @Ctx() context: RequestContext,
  ): Promise<SubscriptionChangePayloadType> {
    return payloadOf(await this.subscriptions.cancel(context.caller, { mode: input?.mode }), this.invoices, this.clock.now());
  }

  @Mutation(() => SubscriptionChangePayloadType, { description: 'Add-on credits for the current period, bought again at renewal by default (BIL-01, BIL-06)' })
  async buyAddOnCredits(
    @Arg('input', () => BuyAddOnCreditsInputType) input: BuyAddOnCreditsInputType,
    @Ctx() context: RequestContext,
  ): Promise<SubscriptionChangePayloadType> {
    return payloadOf(await this.subscriptions.buyAddOns(context.caller, { ...input }), this.invoices, this.clock.now());
  }

  @Mutation(() => SubscriptionType, { description: 'No add-ons at the next renewals: back to the plan base quantity (BIL-06)' })
  async revertAddOnsToBaseQuantity(@Ctx() context: RequestContext): Promise<SubscriptionType> {
    return SubscriptionType.from(await this.subscriptions.revertAddOnsToBaseQuantity(context.caller), this.clock.now());
  }

  @Mutation(() => SubscriptionType, { description: 'Accept a new price or keep the old plan for at most a year (BIL-15)' })
  async respondToPriceRevision(
    @Arg('input', () => RespondToPriceRevisionInputType) input: RespondToPriceRevisionInputType,
    @Ctx() context: RequestContext,
  ): Promise<SubscriptionType> {
    return SubscriptionType.from(await this.subscriptions.respondToPriceRevision(context.caller, { ...input }), this.clock.now());
  }
}

@Resolver(() => CreditWorkspaceEntity)
export class WorkspaceSubscriptionResolver {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly clock: Clock,
  ) {}

  @FieldResolver(() => SubscriptionType, {
    nullable: true,
    description: "The workspace's PREMIUM subscription (the latest ended one when none lives); administrators and billing:read tokens",
  })
  async subscription(@Root() workspace: CreditWorkspaceEntity, @Ctx() context: RequestContext): Promise<SubscriptionType | null> {
    const found = await this.subscriptions.currentFor(context.caller, { ownerType: 'WORKSPACE', ownerId: workspace.id });
    return found ? SubscriptionType.from(found, this.clock.now()) : null;
  }
}

@Resolver(() => CreditUserEntity)
export class UserSubscriptionResolver {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly clock: Clock,
  ) {}

  @FieldResolver(() => SubscriptionType, { nullable: true, description: "The user's own FREEMIUM subscription; the user only" })
  async subscription(@Root() user: CreditUserEntity, @Ctx() context: RequestContext): Promise<SubscriptionType | null> {
    const found = await this.subscriptions.currentFor(context.caller, { ownerType: 'USER', ownerId: user.id });
    return found ? SubscriptionType.from(found, this.clock.now()) : null;
  }
}
