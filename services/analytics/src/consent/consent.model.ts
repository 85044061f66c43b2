import { Schema, type Connection, type Model } from 'mongoose';

export type ConsentSubjectType = 'VISITOR' | 'USER';
export type ConsentMethod = 'ACCEPT' | 'REJECT' | 'SAVE' | 'GPC' | 'WITHDRAW';

/**
 * Analytics' local projection of privacy's consent records (PRV-06), fed by ConsentChanged: the
 * latest choice per subject, so collection never calls privacy per event (ANA-01). A
 * data-subject restriction / objection / consent withdrawal (PRV-02) marks the subject as
 * `restrictedAt`: no identified collection whatever the banner says.
 */
export interface AnalyticsConsentDocument {
  /** `VISITOR:<id>` or `USER:<id>`. */
  _id: string;
  subjectType: ConsentSubjectType;
  subjectId: string;
  /** Null until a ConsentChanged arrived (a restriction can come first). */
  analytics: boolean | null;
  method: ConsentMethod | null;
  policyVersion: string | null;
  changedAt: Date | null;
  /** A choice lasts at most 12 months (PRV-06): checked on read, TTL indexes never fire here. */
  expiresAt: Date | null;
  restrictedAt: Date | null;
  restrictedBy: string | null;
  updatedAt: Date;
}

const consentSchema = new Schema<AnalyticsConsentDocument>(
  {
    _id: { type: String, required: true },
    subjectType: { type: String, enum: ['VISITOR', 'USER'], required: true },
    subjectId: { type: String, required: true },
    analytics: { type: Boolean, default: null },
    method: { type: String, default: null },
    policyVersion: { type: String, default: null },
    changedAt: { type: Date, default: null },
    expiresAt: { type: Date, default: null },
    restrictedAt: { type: Date, default: null },
    restrictedBy: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'consents', versionKey: false },
);

// The retention job finds copies whose choice expired long ago.
consentSchema.index({ expiresAt: 1 });

export type AnalyticsConsentModel = Model<AnalyticsConsentDocument>;

export function analyticsConsentModel(connection: Connection): AnalyticsConsentModel {
  return (connection.models.AnalyticsConsent as AnalyticsConsentModel | undefined) ?? connection.model<AnalyticsConsentDocument>('AnalyticsConsent', consentSchema);
}

export function consentSubjectKey(subjectType: ConsentSubjectType, subjectId: string): string {
  return `${subjectType}:${subjectId}`;
}
