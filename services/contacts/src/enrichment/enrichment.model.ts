import { Schema, type Connection, type Model } from 'mongoose';
import type { AuthenticatedCaller } from '@leadgraph/platform';
import type { RevealField } from '../reveals/reveal.model';

export const enrichmentStatuses = ['FOUND', 'NOT_FOUND', 'SUPPRESSED', 'INSUFFICIENT_CREDITS', 'INVALID_IDENTIFIER'] as const;
export type EnrichmentStatus = (typeof enrichmentStatuses)[number];

/** Why an item got no reveal for lack of credits: the job's maximum, or billing's refusal (CON-04). */
export type EnrichmentCreditReason = 'MAX_CREDITS_REACHED' | 'INSUFFICIENT_CREDITS' | 'CREDIT_BUDGET_EXCEEDED';

export interface EnrichmentItemResult {
  status: EnrichmentStatus;
  reason: string | null;
  contactId: string | null;
  /** Requested field types revealed for the workspace (clear values are read from the reveal, never copied here). */
  revealedFields: RevealField[];
  unavailable: RevealField[];
  creditsCharged: number;
}

/**
 * A bulk enrichment job: the request and its budget. Items live in their own documents; the budget
 * is reserved here per item (`reservations.i<index>`) in one guarded update, so a resumed item never
 * reserves twice and the job never spends past `maxCredits`.
 */
export interface EnrichmentJobDocument {
  _id: string;
  scope: string;
  workspaceId: string | null;
  userId: string;
  /** The submitter, as the job acts on their behalf when it runs (and resumes). */
  actor: AuthenticatedCaller;
  fields: RevealField[];
  maxCredits: number;
  total: number;
  state: 'RUNNING' | 'COMPLETED';
  reservations: Record<string, number>;
  creditsReserved: number;
  budgetExhausted: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

const enrichmentJobSchema = new Schema<EnrichmentJobDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    workspaceId: { type: String, default: null },
    userId: { type: String, required: true },
    actor: { type: Schema.Types.Mixed, required: true },
    fields: { type: [String], required: true },
    maxCredits: { type: Number, required: true },
    total: { type: Number, required: true },
    state: { type: String, required: true },
    reservations: { type: Schema.Types.Mixed, default: {} },
    creditsReserved: { type: Number, default: 0 },
    budgetExhausted: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
  },
  { collection: 'enrichment_jobs', versionKey: false, minimize: false },
);
enrichmentJobSchema.index({ state: 1, createdAt: 1 });
enrichmentJobSchema.index({ scope: 1, createdAt: -1 });

export type EnrichmentJobModel = Model<EnrichmentJobDocument>;

export function enrichmentJobModel(connection: Connection): EnrichmentJobModel {
  return (connection.models.EnrichmentJob as EnrichmentJobModel | undefined) ?? connection.model<EnrichmentJobDocument>('EnrichmentJob', enrichmentJobSchema);
}

/** One identifier of a job: PENDING -> RUNNING (claimed with a lease) -> DONE, each step a guarded update. */
export interface EnrichmentItemDocument {
  _id: string;
  jobId: string;
  index: number;
  /** The customer's line as submitted; '' once the person it concerns was erased or opted out (PRV-05, CON-08). */
  identifier: string;
  kind: 'PROFILE_URL' | 'EMAIL' | null;
  /** Normalised identifier; null when malformed, or once erased. */
  value: string | null;
  /**
   * Keyed hash of the normalised identifier (the contacts key), written at submission: how an
   * erasure / opt-out finds the items about a person. Kept after erasure instead of the input.
   */
  identifierHash?: string | null;
  /** When the person's data left this item (PRV-05, CON-08); null while it holds the input. */
  erasedAt?: Date | null;
  state: 'PENDING' | 'RUNNING' | 'DONE';
  claimId: string | null;
  leaseUntil: Date | null;
  /** The field types this item set out to pay for, fixed at its first try (its reservation). */
  planned: RevealField[] | null;
  result: EnrichmentItemResult | null;
}

const enrichmentItemSchema = new Schema<EnrichmentItemDocument>(
  {
    _id: { type: String, required: true },
    jobId: { type: String, required: true },
    index: { type: Number, required: true },
    identifier: { type: String, default: '' },
    kind: { type: String, default: null },
    value: { type: String, default: null },
    identifierHash: { type: String, default: undefined },
    erasedAt: { type: Date, default: null },
    state: { type: String, required: true },
    claimId: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    planned: { type: [String], default: null },
    result: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'enrichment_items', versionKey: false, minimize: false },
);
enrichmentItemSchema.index({ jobId: 1, index: 1 });
enrichmentItemSchema.index({ jobId: 1, state: 1 });
// Sparse: items of malformed lines (and older items) have no hash; items without a result no contact id.
enrichmentItemSchema.index({ identifierHash: 1 }, { sparse: true });
enrichmentItemSchema.index({ 'result.contactId': 1 }, { sparse: true });

export type EnrichmentItemModel = Model<EnrichmentItemDocument>;

export function enrichmentItemModel(connection: Connection): EnrichmentItemModel {
  return (connection.models.EnrichmentItem as EnrichmentItemModel | undefined) ?? connection.model<EnrichmentItemDocument>('EnrichmentItem', enrichmentItemSchema);
}
