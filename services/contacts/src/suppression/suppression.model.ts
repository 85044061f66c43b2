import { Schema, type Connection, type Model } from 'mongoose';
import type { IdentifierKind } from '@leadgraph/platform';

export const suppressionOriginTypes = ['OPT_OUT', 'ERASURE_REQUEST', 'OBJECTION_REQUEST'] as const;
export type SuppressionOriginType = (typeof suppressionOriginTypes)[number];

/**
 * The suppression list (CON-08): keyed hashes (HMAC, versioned key) of opted-out people's
 * identifiers, never the identifiers. `_id` is the hash, so membership is one indexed lookup.
 */
export interface SuppressionDocument {
  _id: string;
  kind: IdentifierKind;
  keyVersion: number;
  /** The opt-out, or the erasure / objection request (PRV-02), that put it here. */
  origin: { type: SuppressionOriginType; id: string };
  suppressedAt: Date;
}

const suppressionSchema = new Schema<SuppressionDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['EMAIL', 'PHONE', 'PROFILE_URL'], required: true },
    keyVersion: { type: Number, required: true },
    origin: {
      type: new Schema({ type: { type: String, enum: suppressionOriginTypes, required: true }, id: { type: String, required: true } }, { _id: false }),
      required: true,
    },
    suppressedAt: { type: Date, required: true },
  },
  { collection: 'suppressions', versionKey: false },
);

export type SuppressionModel = Model<SuppressionDocument>;

export function suppressionModel(connection: Connection): SuppressionModel {
  return (connection.models.Suppression as SuppressionModel | undefined) ?? connection.model<SuppressionDocument>('Suppression', suppressionSchema);
}

/**
 * One opt-out or erasure as handled here: which contacts it matched, remembered before they are
 * deleted so a retried handler still notifies the workspaces that had revealed them.
 */
export interface SuppressionCaseDocument {
  _id: string;
  origin: SuppressionDocument['origin'];
  contactIds: string[];
  receivedAt: Date;
  completedAt: Date | null;
}

const suppressionCaseSchema = new Schema<SuppressionCaseDocument>(
  {
    _id: { type: String, required: true },
    origin: { type: Schema.Types.Mixed, required: true },
    contactIds: { type: [String], default: [] },
    receivedAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
  },
  { collection: 'suppression_cases', versionKey: false },
);

export type SuppressionCaseModel = Model<SuppressionCaseDocument>;

export function suppressionCaseModel(connection: Connection): SuppressionCaseModel {
  return (
    (connection.models.SuppressionCase as SuppressionCaseModel | undefined) ??
    connection.model<SuppressionCaseDocument>('SuppressionCase', suppressionCaseSchema)
  );
}
