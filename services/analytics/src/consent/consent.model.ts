import { Schema, type Connection, type Model } from 'mongoose';

export type ConsentSubjectType = 'VISITOR' | 'USER';
export type ConsentMethod = 'ACCEPT' | 'REJECT' | 'SAVE' | 'GPC' | 'WITHDRAW';
/**
 * Why a subject is restricted (PRV-02). UNRECORDED stands for a restriction set before causes
 * were recorded: its kind is unknown, so no lift ever removes it.
 */
export type RestrictionKind = 'RESTRICTION' | 'OBJECTION' | 'UNRECORDED';

export interface RestrictionCause {
  requestId: string;
  kind: RestrictionKind;
}

/**
 * Analytics' local projection of privacy's consent records (PRV-06), fed by ConsentChanged: the
 * latest choice per subject, so collection never calls privacy per event (ANA-01). A
 * data-subject restriction / objection (PRV-02) marks the subject as `restrictedAt`, with its
 * causes: no identified collection whatever the banner says, until the last cause is lifted.
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
  /** The request that first set `restrictedAt` (kept for reading; the causes below decide). */
  restrictedBy: string | null;
  /**
   * Every data-subject request still holding the restriction: `restrictedAt` is cleared only when
   * none remains (a lifted RESTRICTION never lifts an OBJECTION or another RESTRICTION). Absent on
   * documents restricted before causes were recorded: those stay restricted.
   */
  restrictionCauses?: RestrictionCause[];
  updatedAt: Date;
}

const restrictionCauseSchema = new Schema<RestrictionCause>(
  {
    requestId: { type: String, required: true },
    kind: { type: String, enum: ['RESTRICTION', 'OBJECTION', 'UNRECORDED'], required: true },
  },
  { _id: false },
);

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
    // No default: an absent array marks a pre-existing (unrecorded) restriction.
    restrictionCauses: { type: [restrictionCauseSchema], default: undefined },
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
