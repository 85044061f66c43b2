import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import type { ReferenceRecord } from '@leadgraph/platform';

export const personalDataCategories = [
  'IDENTITY',
  'CONTACT_DETAILS',
  'PROFESSIONAL_PROFILE',
  'BILLING',
  'PAYMENT',
  'USAGE',
  'DEVICE',
  'SUPPORT_MESSAGES',
] as const;
export type PersonalDataCategory = (typeof personalDataCategories)[number];

/** Legal basis of a transfer outside the EEA (GDPR chapter V), or none needed. */
export const transferSafeguards = ['WITHIN_EEA', 'ADEQUACY_DECISION', 'STANDARD_CONTRACTUAL_CLAUSES'] as const;
export type TransferSafeguard = (typeof transferSafeguards)[number];

/** A company processing personal data on our behalf (PRV-09), seeded from sub-processors.json. */
export interface SubProcessorDocument extends ReferenceRecord {
  name: string;
  purpose: string;
  /** Where the data is processed, as shown to the public. */
  location: string;
  /** ISO 3166-1 alpha-2 of the processing country. */
  country: string;
  transferSafeguard: TransferSafeguard;
  dataCategories: PersonalDataCategory[];
  sortOrder: number;
}

/** Validates the shipped list before it is seeded: a bad row stops start-up. */
export const subProcessorRecordSchema = z.object({
  _id: z.string().regex(/^[a-z0-9-]+$/),
  revision: z.number().int().positive(),
  name: z.string().min(1),
  purpose: z.string().min(1),
  location: z.string().min(1),
  country: z.string().regex(/^[A-Z]{2}$/),
  transferSafeguard: z.enum(transferSafeguards),
  dataCategories: z.array(z.enum(personalDataCategories)).min(1),
  sortOrder: z.number().int(),
});

const subProcessorSchema = new Schema<SubProcessorDocument>(
  {
    _id: { type: String, required: true },
    revision: { type: Number, required: true },
    name: { type: String, required: true },
    purpose: { type: String, required: true },
    location: { type: String, required: true },
    country: { type: String, required: true },
    transferSafeguard: { type: String, enum: transferSafeguards, required: true },
    dataCategories: { type: [{ type: String, enum: personalDataCategories }], default: [] },
    sortOrder: { type: Number, required: true },
  },
  { collection: 'sub_processors', versionKey: false },
);

export type SubProcessorModel = Model<SubProcessorDocument>;

export function subProcessorModel(connection: Connection): SubProcessorModel {
  return (connection.models.SubProcessor as SubProcessorModel | undefined) ?? connection.model<SubProcessorDocument>('SubProcessor', subProcessorSchema);
}
