import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { serviceNames, type ServiceName } from '@leadgraph/events';
import type { ReferenceRecord } from '@leadgraph/platform';

export const retentionDataCategories = [
  'ENQUIRIES',
  'ACCOUNT_DATA',
  'ACCOUNTING',
  'MARKETING',
  'REFERRAL_INVITATIONS',
  'ANALYTICS_RAW',
  'BUSINESS_PROFILES',
  'PRIVACY_REQUESTS',
] as const;
export type RetentionDataCategory = (typeof retentionDataCategories)[number];

/** The moment a retention period starts counting from. */
export const retentionTriggers = [
  'LAST_CONTACT',
  'RELATIONSHIP_END',
  'FISCAL_YEAR_END',
  'OPT_OUT',
  'SENT_WITHOUT_RESPONSE',
  'COLLECTION',
  'LAST_UPDATE',
  'REQUEST_CLOSED',
] as const;
export type RetentionTrigger = (typeof retentionTriggers)[number];

/** What the enforcing job does when a record's time is up. */
export const retentionActions = ['DELETE', 'ANONYMISE'] as const;
export type RetentionAction = (typeof retentionActions)[number];

export interface RetentionLimit {
  trigger: RetentionTrigger;
  months: number;
}

/**
 * One line of the retention schedule (PRV-07), seeded from retention-schedule.json. Data is
 * deleted at the first of its limits that is reached.
 */
export interface RetentionRuleDocument extends ReferenceRecord {
  dataCategory: RetentionDataCategory;
  description: string;
  limits: RetentionLimit[];
  action: RetentionAction;
  /** The service whose scheduled job deletes this data. */
  enforcedBy: ServiceName;
  note: string | null;
  sortOrder: number;
}

/** Validates the shipped schedule before it is seeded: a bad row stops start-up. */
export const retentionRuleRecordSchema = z
  .object({
    _id: z.enum(retentionDataCategories),
    revision: z.number().int().positive(),
    dataCategory: z.enum(retentionDataCategories),
    description: z.string().min(1),
    limits: z.array(z.object({ trigger: z.enum(retentionTriggers), months: z.number().int().nonnegative() })).min(1),
    action: z.enum(retentionActions),
    enforcedBy: z.enum(serviceNames),
    note: z.string().min(1).nullable(),
    sortOrder: z.number().int(),
  })
  .refine((rule) => rule._id === rule.dataCategory, 'one row per data category, keyed by it');

const retentionRuleSchema = new Schema<RetentionRuleDocument>(
  {
    _id: { type: String, required: true },
    revision: { type: Number, required: true },
    dataCategory: { type: String, enum: retentionDataCategories, required: true },
    description: { type: String, required: true },
    limits: {
      type: [new Schema<RetentionLimit>({ trigger: { type: String, enum: retentionTriggers }, months: Number }, { _id: false })],
      default: [],
    },
    action: { type: String, enum: retentionActions, required: true },
    enforcedBy: { type: String, enum: serviceNames, required: true },
    note: { type: String, default: null },
    sortOrder: { type: Number, required: true },
  },
  { collection: 'retention_schedule', versionKey: false },
);

export type RetentionRuleModel = Model<RetentionRuleDocument>;

export function retentionRuleModel(connection: Connection): RetentionRuleModel {
  return (connection.models.RetentionRule as RetentionRuleModel | undefined) ?? connection.model<RetentionRuleDocument>('RetentionRule', retentionRuleSchema);
}
