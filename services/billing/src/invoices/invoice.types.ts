import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import { VatTreatmentGql } from '../plans/plan.types';
import type { InvoiceDocument } from './invoice.model';
import type { LateCharges } from './invoice.rules';

export enum InvoiceStatusGql {
  DRAFT = 'DRAFT',
  OPEN = 'OPEN',
  UNCOLLECTIBLE = 'UNCOLLECTIBLE',
  PAID = 'PAID',
  VOID = 'VOID',
}
registerEnumType(InvoiceStatusGql, { name: 'InvoiceStatus' });

export enum InvoicePurposeGql {
  SUBSCRIPTION = 'SUBSCRIPTION',
  UPGRADE = 'UPGRADE',
  ADD_ON = 'ADD_ON',
  LATE_CHARGES = 'LATE_CHARGES',
}
registerEnumType(InvoicePurposeGql, {
  name: 'InvoicePurpose',
  valuesConfig: {
    SUBSCRIPTION: { description: 'A period of the plan' },
    UPGRADE: { description: 'The price difference of an upgrade (BIL-09)' },
    ADD_ON: { description: 'Add-on credits (BIL-01)' },
    LATE_CHARGES: { description: 'Late interest and the EUR 40 recovery fee of an overdue invoice, without VAT (BIL-14)' },
  },
});

@ObjectType('LateCharges', { description: 'What a late payment owes on top of the invoice (BIL-14)' })
export class LateChargesType {
  @Field(() => Int)
  daysLate!: number;

  @Field(() => Int, { description: 'Days of interest: from the 10th day of delay' })
  interestDays!: number;

  @Field(() => Int, { description: '3 x the legal rate + 5 points, in basis points a year' })
  annualRateBasisPoints!: number;

  @Field(() => Int)
  interestCents!: number;

  @Field(() => Int, { description: 'Flat EUR 40 recovery fee' })
  recoveryFeeCents!: number;

  static from(charges: LateCharges): LateChargesType {
    return Object.assign(new LateChargesType(), charges);
  }
}

@ObjectType('Invoice', { description: 'An invoice as Stripe issued it, mirrored and kept 10 years after its fiscal year (BIL-16, BIL-17)' })
export class InvoiceType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  number!: string | null;

  @Field(() => InvoicePurposeGql)
  purpose!: InvoicePurposeGql;

  @Field(() => InvoiceStatusGql)
  status!: InvoiceStatusGql;

  @Field(() => String)
  currency!: string;

  @Field(() => Int, { description: 'Excluding VAT' })
  subtotalCents!: number;

  @Field(() => Int)
  vatCents!: number;

  @Field(() => Int)
  totalCents!: number;

  @Field(() => Int)
  amountDueCents!: number;

  @Field(() => Int)
  amountPaidCents!: number;

  @Field(() => Int)
  amountRemainingCents!: number;

  @Field(() => VatTreatmentGql)
  vatTreatment!: VatTreatmentGql;

  @Field(() => Int)
  vatRateBasisPoints!: number;

  @Field(() => Date)
  periodStart!: Date;

  @Field(() => Date)
  periodEnd!: Date;

  @Field(() => Date)
  issuedAt!: Date;

  @Field(() => Date)
  dueAt!: Date;

  @Field(() => Date, { nullable: true })
  paidAt!: Date | null;

  @Field(() => String, { nullable: true })
  hostedInvoiceUrl!: string | null;

  @Field(() => String, { nullable: true })
  invoicePdfUrl!: string | null;

  @Field(() => Date, { description: 'Kept until then: 10 years after the end of its fiscal year (BIL-17)' })
  retainedUntil!: Date;

  @Field(() => LateChargesType, { nullable: true, description: 'Set once a payment failed (BIL-14)' })
  lateCharges!: LateChargesType | null;

  static from(invoice: InvoiceDocument, lateCharges: LateCharges | null): InvoiceType {
    return Object.assign(new InvoiceType(), {
      id: invoice._id,
      number: invoice.number,
      purpose: invoice.purpose as InvoicePurposeGql,
      status: invoice.status as InvoiceStatusGql,
      currency: invoice.currency,
      subtotalCents: invoice.subtotalCents,
      vatCents: invoice.vatCents,
      totalCents: invoice.totalCents,
      amountDueCents: invoice.amountDueCents,
      amountPaidCents: invoice.amountPaidCents,
      amountRemainingCents: invoice.amountRemainingCents,
      vatTreatment: invoice.vatTreatment as VatTreatmentGql,
      vatRateBasisPoints: invoice.vatRateBasisPoints,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      issuedAt: invoice.issuedAt,
      dueAt: invoice.dueAt,
      paidAt: invoice.paidAt,
      hostedInvoiceUrl: invoice.hostedInvoiceUrl,
      invoicePdfUrl: invoice.invoicePdfUrl,
      retainedUntil: invoice.retainedUntil,
      lateCharges: lateCharges ? LateChargesType.from(lateCharges) : null,
    });
  }
}

@ObjectType('InvoiceEdge')
export class InvoiceEdgeType {
  @Field(() => InvoiceType)
  node!: InvoiceType;

  @Field(() => String)
  cursor!: string;
}

@ObjectType('InvoiceConnection', { description: 'Invoices, newest first' })
export class InvoiceConnectionType {
  @Field(() => [InvoiceEdgeType])
  edges!: InvoiceEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
