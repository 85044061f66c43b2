import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';
import type { ReferenceRecord } from '@leadgraph/platform';

export const planKinds = ['FREEMIUM', 'PREMIUM'] as const;
export type PlanKind = (typeof planKinds)[number];

export const billingPeriods = ['MONTHLY', 'ANNUAL'] as const;
export type BillingPeriod = (typeof billingPeriods)[number];

export type CreditType = z.infer<typeof creditTypeSchema>;

/** Credits of one type a plan grants each billing period, per seat (BIL-02). */
export interface PlanCreditAllowance {
  creditType: CreditType;
  /** Null when unlimited. */
  perSeat: number | null;
  /** "Unlimited" under fair use (BIL-07). */
  unlimited: boolean;
}

/**
 * A plan of the catalogue. The catalogue is data (BIL-02): rows are seeded from
 * plan-catalogue.json and a change ships as a higher revision.
 */
export interface PlanDocument extends ReferenceRecord {
  /** Commercial tier shared by the monthly and annual variants (STARTER, BUSINESS...). */
  tier: string;
  name: string;
  kind: PlanKind;
  billingPeriod: BillingPeriod;
  /** EUR cents per seat per billing period, excluding VAT. */
  pricePerSeatCents: number;
  currency: 'EUR';
  credits: PlanCreditAllowance[];
  /** Unused subscription credits carry over at renewal (BIL-05). */
  rolloverUnusedCredits: boolean;
  /** Retired plans stay for existing subscriptions but are no longer offered. */
  available: boolean;
  sortOrder: number;
  /** Who changed the row through the admin API, and what (the shipped rows have none). */
  edits?: PlanEdit[];
}

export interface PlanEdit {
  at: Date;
  byUserId: string;
  fields: string[];
}

/** The fields of a plan row, as shipped or as edited by billing staff. */
export const planFieldsSchema = z.object({
  _id: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes'),
  revision: z.number().int().positive(),
  tier: z.string().regex(/^[A-Z_]+$/),
  name: z.string().trim().min(1, 'is required').max(80, 'is too long'),
  kind: z.enum(planKinds),
  billingPeriod: z.enum(billingPeriods),
  pricePerSeatCents: z.number().int().nonnegative().max(10_000_000, 'is absurd'),
  currency: z.literal('EUR'),
  credits: z
    .array(
      z
        .object({ creditType: creditTypeSchema, perSeat: z.number().int().nonnegative().max(1_000_000, 'is absurd').nullable(), unlimited: z.boolean() })
        .refine((allowance) => allowance.unlimited === (allowance.perSeat === null), 'perSeat is null exactly when unlimited'),
    )
    .length(creditTypeSchema.options.length)
    .refine((credits) => new Set(credits.map((allowance) => allowance.creditType)).size === credits.length, 'one allowance per credit type'),
  rolloverUnusedCredits: z.boolean(),
  available: z.boolean(),
  sortOrder: z.number().int(),
});

const freemiumIsFree = (plan: { kind: PlanKind; pricePerSeatCents: number }) =>
  (plan.kind === 'FREEMIUM') === (plan.pricePerSeatCents === 0);

/** Validates the shipped catalogue before it is seeded: a bad row stops start-up. */
export const planRecordSchema = planFieldsSchema.refine(freemiumIsFree, 'FREEMIUM plans are free and only them');

/** A plan as billing staff save it (the revision is the service's business). */
export const planEditSchema = planFieldsSchema
  .omit({ revision: true, _id: true })
  .extend({ id: planFieldsSchema.shape._id })
  .refine(freemiumIsFree, { message: 'FREEMIUM plans are free and only them', path: ['pricePerSeatCents'] });

const allowanceSchema = new Schema<PlanCreditAllowance>(
  { creditType: { type: String, enum: creditTypeSchema.options }, perSeat: Number, unlimited: Boolean },
  { _id: false },
);

const planSchema = new Schema<PlanDocument>(
  {
    _id: { type: String, required: true },
    revision: { type: Number, required: true },
    tier: { type: String, required: true },
    name: { type: String, required: true },
    kind: { type: String, enum: planKinds, required: true },
    billingPeriod: { type: String, enum: billingPeriods, required: true },
    pricePerSeatCents: { type: Number, required: true },
    currency: { type: String, enum: ['EUR'], required: true },
    credits: { type: [allowanceSchema], default: [] },
    rolloverUnusedCredits: { type: Boolean, required: true },
    available: { type: Boolean, required: true },
    sortOrder: { type: Number, required: true },
    edits: {
      type: [new Schema<PlanEdit>({ at: Date, byUserId: String, fields: [String] }, { _id: false })],
      default: undefined,
    },
  },
  { collection: 'plans', versionKey: false },
);
planSchema.index({ available: 1, sortOrder: 1 });

export type PlanModel = Model<PlanDocument>;

export function planModel(connection: Connection): PlanModel {
  return (connection.models.Plan as PlanModel | undefined) ?? connection.model<PlanDocument>('Plan', planSchema);
}

/** Credit types add-ons can be bought for (BIL-01: phone, direct e-mail, export). */
export const addOnCreditTypes = ['PHONE', 'DIRECT_EMAIL', 'EXPORT'] as const;
export type AddOnCreditType = (typeof addOnCreditTypes)[number];

/** Price of add-on credits of one type (BIL-01), data like the catalogue: seeded from add-on-prices.json. */
export interface AddOnPriceDocument extends ReferenceRecord {
  creditType: AddOnCreditType;
  /** EUR cents per credit, excluding VAT. */
  unitPriceCents: number;
  maxQuantityPerPurchase: number;
}

export const addOnPriceRecordSchema = z.object({
  _id: z.enum(addOnCreditTypes),
  revision: z.number().int().positive(),
  creditType: z.enum(addOnCreditTypes),
  unitPriceCents: z.number().int().positive(),
  maxQuantityPerPurchase: z.number().int().positive(),
});

const addOnPriceSchema = new Schema<AddOnPriceDocument>(
  {
    _id: { type: String, required: true },
    revision: { type: Number, required: true },
    creditType: { type: String, enum: addOnCreditTypes, required: true },
    unitPriceCents: { type: Number, required: true },
    maxQuantityPerPurchase: { type: Number, required: true },
  },
  { collection: 'add_on_prices', versionKey: false },
);

export type AddOnPriceModel = Model<AddOnPriceDocument>;

export function addOnPriceModel(connection: Connection): AddOnPriceModel {
  return (connection.models.AddOnPrice as AddOnPriceModel | undefined) ?? connection.model<AddOnPriceDocument>('AddOnPrice', addOnPriceSchema);
}

/**
 * A scheduled change of a plan's price per seat (BIL-15). New subscriptions pay it from
 * `effectiveFrom`; existing ones are told and get it from a renewal at least 15 days later.
 */
export interface PriceRevisionDocument {
  _id: string;
  planId: string;
  newPricePerSeatCents: number;
  effectiveFrom: Date;
  announcedAt: Date;
  announcedByUserId: string;
}

const priceRevisionSchema = new Schema<PriceRevisionDocument>(
  {
    _id: { type: String, required: true },
    planId: { type: String, required: true },
    newPricePerSeatCents: { type: Number, required: true },
    effectiveFrom: { type: Date, required: true },
    announcedAt: { type: Date, required: true },
    announcedByUserId: { type: String, required: true },
  },
  { collection: 'price_revisions', versionKey: false },
);
// One revision per plan and date: announcing it twice is a conflict, not two revisions.
priceRevisionSchema.index({ planId: 1, effectiveFrom: 1 }, { unique: true });

export type PriceRevisionModel = Model<PriceRevisionDocument>;

export function priceRevisionModel(connection: Connection): PriceRevisionModel {
  return (
    (connection.models.PriceRevision as PriceRevisionModel | undefined) ??
    connection.model<PriceRevisionDocument>('PriceRevision', priceRevisionSchema)
  );
}
