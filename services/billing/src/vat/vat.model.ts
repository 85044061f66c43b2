import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import type { ReferenceRecord } from '@leadgraph/platform';

/** One country's VAT data: the rule is data, so a rate change is a new row revision, not a release. */
export interface VatRateChange {
  /** YYYY-MM-DD: the rate applies to supplies from this day on. */
  effectiveFrom: string;
  /** 2000 = 20 %; basis points keep the arithmetic in integers. */
  rateBasisPoints: number;
}

export interface VatCountryDocument extends ReferenceRecord {
  /** ISO 3166-1 alpha-2, capitals; also `_id`. */
  country: string;
  euMember: boolean;
  /** Prefix of the country's VAT numbers (Greece uses EL, not GR). */
  vatNumberPrefix: string;
  standardRates: VatRateChange[];
}

/** Validates the shipped table before it is seeded: a typo must stop start-up, not bill wrongly. */
export const vatCountryRecordSchema = z.object({
  _id: z.string().regex(/^[A-Z]{2}$/),
  revision: z.number().int().positive(),
  country: z.string().regex(/^[A-Z]{2}$/),
  euMember: z.boolean(),
  vatNumberPrefix: z.string().regex(/^[A-Z]{2}$/),
  standardRates: z
    .array(
      z.object({
        effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        rateBasisPoints: z.number().int().min(0).max(10_000),
      }),
    )
    .min(1),
});

const vatCountrySchema = new Schema<VatCountryDocument>(
  {
    _id: { type: String, required: true },
    revision: { type: Number, required: true },
    country: { type: String, required: true },
    euMember: { type: Boolean, required: true },
    vatNumberPrefix: { type: String, required: true },
    standardRates: {
      type: [new Schema<VatRateChange>({ effectiveFrom: String, rateBasisPoints: Number }, { _id: false })],
      default: [],
    },
  },
  { collection: 'vat_countries', versionKey: false },
);

export type VatCountryModel = Model<VatCountryDocument>;

export function vatCountryModel(connection: Connection): VatCountryModel {
  return (connection.models.VatCountry as VatCountryModel | undefined) ?? connection.model<VatCountryDocument>('VatCountry', vatCountrySchema);
}
