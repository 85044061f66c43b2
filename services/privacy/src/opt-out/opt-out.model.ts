import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';
import type { IdentifierKind } from '@leadgraph/platform';

export type OptOutStatus = 'PENDING' | 'CONFIRMED';

export interface OptOutIdentifier {
  kind: IdentifierKind;
  hash: string;
  keyVersion: number;
}

/**
 * One opt-out request from the public page (PRV-01). Only keyed hashes of the identifiers and of
 * the one-time code are kept: never the e-mail, phone, profile URL or code in clear.
 */
export interface OptOutRequestDocument extends WithOutbox {
  _id: string;
  status: OptOutStatus;
  identifiers: OptOutIdentifier[];
  codeHash: string;
  codeExpiresAt: Date;
  attempts: number;
  language: 'en' | 'fr';
  createdAt: Date;
  confirmedAt: Date | null;
}

const identifierSchema = new Schema<OptOutIdentifier>(
  {
    kind: { type: String, enum: ['EMAIL', 'PHONE', 'PROFILE_URL'], required: true },
    hash: { type: String, required: true },
    keyVersion: { type: Number, required: true },
  },
  { _id: false },
);

const optOutRequestSchema = new Schema<OptOutRequestDocument>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: ['PENDING', 'CONFIRMED'], required: true },
    identifiers: { type: [identifierSchema], required: true },
    codeHash: { type: String, required: true },
    codeExpiresAt: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    language: { type: String, enum: ['en', 'fr'], required: true },
    createdAt: { type: Date, required: true },
    confirmedAt: { type: Date, default: null },
    ...outboxSchemaFields,
  },
  { collection: 'opt_out_requests', versionKey: false },
);
addOutboxIndex(optOutRequestSchema);

export type OptOutRequestModel = Model<OptOutRequestDocument>;

export function optOutRequestModel(connection: Connection): OptOutRequestModel {
  return (connection.models.OptOutRequest as OptOutRequestModel | undefined) ?? connection.model<OptOutRequestDocument>('OptOutRequest', optOutRequestSchema);
}
