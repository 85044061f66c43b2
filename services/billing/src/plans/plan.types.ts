import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import type { PlanCreditAllowance, PlanDocument, PriceRevisionDocument } from './plan.model';
import type { PriceQuote, QuotedCredits } from './plan.rules';

export enum PlanKindGql {
  FREEMIUM = 'FREEMIUM',
  PREMIUM = 'PREMIUM',
}
registerEnumType(PlanKindGql, { name: 'PlanKind' });

export enum BillingPeriodGql {
  MONTHLY = 'MONTHLY',
  ANNUAL = 'ANNUAL',
}
registerEnumType(BillingPeriodGql, { name: 'BillingPeriod' });

export enum VatTreatmentGql {
  DOMESTIC = 'DOMESTIC',
  REVERSE_CHARGE = 'REVERSE_CHARGE',
  DESTINATION_RATE = 'DESTINATION_RATE',
  OUT_OF_SCOPE = 'OUT_OF_SCOPE',
}
registerEnumType(VatTreatmentGql, {
  name: 'VatTreatment',
  valuesConfig: {
    DOMESTIC: { description: "Buyer in the seller's country: the seller's rate" },
    REVERSE_CHARGE: { description: 'EU business with a VAT number: no VAT invoiced, the buyer accounts for it' },
    DESTINATION_RATE: { description: "Buyer in another EU state without a VAT number: that state's rate" },
    OUT_OF_SCOPE: { description: 'Buyer outside the EU: no EU VAT' },
  },
});

@ObjectType('PlanCreditAllowance', { description: 'Credits of one type granted per seat each billing period' })
export class PlanCreditAllowanceType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { nullable: true, description: 'Null when unlimited' })
  perSeat!: number | null;

  @Field(() => Boolean, { description: 'Unlimited under fair use' })
  unlimited!: boolean;

  static from(allowance: PlanCreditAllowance): PlanCreditAllowanceType {
    return Object.assign(new PlanCreditAllowanceType(), {
      creditType: allowance.creditType as CreditTypeGql,
      perSeat: allowance.perSeat,
      unlimited: allowance.unlimited,
    });
  }
}

@ObjectType('Plan')
export class PlanType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Commercial tier shared by the monthly and annual variants' })
  tier!: string;

  @Field(() => String)
  name!: string;

  @Field(() => PlanKindGql)
  kind!: PlanKindGql;

  @Field(() => BillingPeriodGql)
  billingPeriod!: BillingPeriodGql;

  @Field(() => Int, { description: 'EUR cents per seat per billing period, excluding VAT' })
  pricePerSeatCents!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => [PlanCreditAllowanceType])
  credits!: PlanCreditAllowanceType[];

  @Field(() => Boolean, { description: 'Unused subscription credits carry over at renewal' })
  rolloverUnusedCredits!: boolean;

  static from(plan: PlanDocument): PlanType {
    return Object.assign(new PlanType(), {
      id: plan._id,
      tier: plan.tier,
      name: plan.name,
      kind: plan.kind as PlanKindGql,
      billingPeriod: plan.billingPeriod as BillingPeriodGql,
      pricePerSeatCents: plan.pricePerSeatCents,
      currency: plan.currency,
      credits: plan.credits.map(PlanCreditAllowanceType.from),
      rolloverUnusedCredits: plan.rolloverUnusedCredits,
    });
  }
}

@ObjectType('QuotedCredits')
export class QuotedCreditsType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { nullable: true, description: 'Credits per billing period for all seats; null when unlimited' })
  amountPerPeriod!: number | null;

  @Field(() => Boolean)
  unlimited!: boolean;

  static from(credits: QuotedCredits): QuotedCreditsType {
    return Object.assign(new QuotedCreditsType(), { ...credits, creditType: credits.creditType as CreditTypeGql });
  }
}

@ObjectType('PriceQuote', { description: 'Price of a plan for a number of seats and a buyer, per billing period' })
export class PriceQuoteType {
  @Field(() => PlanType)
  plan!: PlanType;

  @Field(() => Int)
  seats!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  pricePerSeatCents!: number;

  @Field(() => Int, { description: 'seats x price per seat, excluding VAT' })
  subtotalCents!: number;

  @Field(() => VatTreatmentGql)
  vatTreatment!: VatTreatmentGql;

  @Field(() => Int, { description: 'VAT rate in basis points (2000 = 20 %)' })
  vatRateBasisPoints!: number;

  @Field(() => Int)
  vatCents!: number;

  @Field(() => Int)
  totalCents!: number;

  @Field(() => [QuotedCreditsType], { description: 'Subscription credits per billing period for all seats' })
  credits!: QuotedCreditsType[];

  static from(plan: PlanDocument, quote: PriceQuote): PriceQuoteType {
    return Object.assign(new PriceQuoteType(), {
      plan: PlanType.from(plan),
      seats: quote.seats,
      currency: plan.currency,
      pricePerSeatCents: quote.pricePerSeatCents,
      subtotalCents: quote.subtotalCents,
      vatTreatment: quote.vat.treatment as VatTreatmentGql,
      vatRateBasisPoints: quote.vat.rateBasisPoints,
      vatCents: quote.vatCents,
      totalCents: quote.totalCents,
      credits: quote.credits.map(QuotedCreditsType.from),
    });
  }
}

@ObjectType('PriceRevision', { description: "A scheduled change of a plan's price per seat (BIL-15)" })
export class PriceRevisionType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  planId!: string;

  @Field(() => Int)
  newPricePerSeatCents!: number;

  @Field(() => Date, { description: 'New subscriptions pay it from then; existing ones from a renewal at least 15 days after being told' })
  effectiveFrom!: Date;

  @Field(() => Date)
  announcedAt!: Date;

  static from(revision: PriceRevisionDocument): PriceRevisionType {
    return Object.assign(new PriceRevisionType(), {
      id: revision._id,
      planId: revision.planId,
      newPricePerSeatCents: revision.newPricePerSeatCents,
      effectiveFrom: revision.effectiveFrom,
      announcedAt: revision.announcedAt,
    });
  }
}

@InputType('AnnouncePriceRevisionInput')
export class AnnouncePriceRevisionInputType {
  @Field(() => ID)
  planId!: string;

  @Field(() => Int, { description: 'EUR cents per seat per billing period, excluding VAT' })
  newPricePerSeatCents!: number;

  @Field(() => Date)
  effectiveFrom!: Date;
}

@InputType('PlanCreditAllowanceInput')
export class PlanCreditAllowanceInputType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { nullable: true, description: 'Null when unlimited' })
  perSeat!: number | null;

  @Field(() => Boolean)
  unlimited!: boolean;
}

@InputType('SavePlanInput', { description: 'A plan of the catalogue as billing staff save it' })
export class SavePlanInputType {
  @Field(() => ID, { description: 'Lower-case letters, digits and dashes, e.g. scale-annual' })
  id!: string;

  @Field(() => String)
  tier!: string;

  @Field(() => String)
  name!: string;

  @Field(() => PlanKindGql)
  kind!: PlanKindGql;

  @Field(() => BillingPeriodGql)
  billingPeriod!: BillingPeriodGql;

  @Field(() => Int, { description: 'EUR cents per seat per period, excluding VAT; existing plans change it by a price revision' })
  pricePerSeatCents!: number;

  @Field(() => [PlanCreditAllowanceInputType], { description: 'One allowance per credit type' })
  credits!: PlanCreditAllowanceInputType[];

  @Field(() => Boolean)
  rolloverUnusedCredits!: boolean;

  @Field(() => Boolean, { description: 'False retires the plan: no new subscriptions, existing ones keep it' })
  available!: boolean;

  @Field(() => Int)
  sortOrder!: number;
}
