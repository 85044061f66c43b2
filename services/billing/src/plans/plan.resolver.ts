import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { AnnouncePriceRevisionInputType, PlanType, PriceQuoteType, PriceRevisionType, SavePlanInputType } from './plan.types';
import type { PlanService } from './plan.service';

/** The catalogue is public: pricing pages and sign-up read it without an account. */
@Resolver(() => PlanType)
export class PlanResolver {
  constructor(private readonly planService: PlanService) {}

  @Query(() => [PlanType], { description: 'Plans on offer, cheapest tier first' })
  async plans(): Promise<PlanType[]> {
    return (await this.planService.listAvailable()).map(PlanType.from);
  }

  @Query(() => PlanType, { nullable: true })
  async plan(@Arg('id', () => ID) id: string): Promise<PlanType | null> {
    const plan = await this.planService.findById(id);
    return plan ? PlanType.from(plan) : null;
  }

  @Query(() => PriceQuoteType, { description: 'Price per billing period of a plan for a number of seats and a buyer' })
  async quotePlanPrice(
    @Arg('planId', () => ID) planId: string,
    @Arg('seats', () => Int) seats: number,
    @Arg('country', () => String, { description: 'ISO 3166-1 alpha-2 country of the buyer' }) country: string,
    @Arg('vatNumber', () => String, { nullable: true, description: 'EU VAT number of a business buyer' }) vatNumber: string | null,
  ): Promise<PriceQuoteType> {
    const { plan, quote } = await this.planService.quote({ planId, seats, country, vatNumber });
    return PriceQuoteType.from(plan, quote);
  }

  @Mutation(() => PriceRevisionType, { description: 'Billing staff announce a new price for a plan (BIL-15)' })
  async announcePriceRevision(
    @Arg('input', () => AnnouncePriceRevisionInputType) input: AnnouncePriceRevisionInputType,
    @Ctx() context: RequestContext,
  ): Promise<PriceRevisionType> {
    return PriceRevisionType.from(await this.planService.announcePriceRevision(context.caller, { ...input }));
  }

  @Mutation(() => PlanType, { description: 'Billing staff create or change a plan of the catalogue (BIL-02)' })
  async savePlan(@Arg('input', () => SavePlanInputType) input: SavePlanInputType, @Ctx() context: RequestContext): Promise<PlanType> {
    const edit = { ...input, currency: 'EUR' as const, credits: input.credits.map((allowance) => ({ ...allowance })) };
    return PlanType.from(await this.planService.savePlan(context.caller, edit));
  }
}
