import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export const revealFields = ['PRO_EMAIL', 'PHONE', 'DIRECT_EMAIL'] as const;
export type RevealField = (typeof revealFields)[number];

/**
 * One field type of a contact in one workspace (CON-03). PENDING is a claim: the request holding
 * it is the only one that may spend, until its lease ends (a crashed holder's successor spends
 * with the same key, which billing answers with the first receipt: never a second charge).
 */
export interface FieldReveal {
  state: 'PENDING' | 'REVEALED';
  /** Bumped after a spend was refused or refunded, so the next try is a new spend for billing. */
  attempt?: number;
  claimId?: string | null;
  leaseUntil?: Date | null;
  revealedAt?: Date | null;
  revealedBy?: string | null;
  /** Credits this reveal cost (1, or 0 for a field revealed when it held no data). */
  charged?: number;
}

/**
 * What a workspace (or a user outside any workspace) has revealed of one contact: `_id` is
 * `scope|contactId`, so every reveal step is a guarded update of this one document, and the
 * ContactRevealed event rides in its outbox.
 */
export interface RevealDocument extends WithOutbox {
  _id: string;
  /** `ws:<workspaceId>` or `user:<userId>`. */
  scope: string;
  workspaceId: string | null;
  /** The user of a personal scope; null for a workspace. */
  userId: string | null;
  contactId: string;
  fields: Partial<Record<RevealField, FieldReveal>>;
  /** CON-08: the person opted out after the reveal; their data is gone, the flag stays. */
  optedOutAt: Date | null;
  createdAt: Date;
}

const revealSchema = new Schema<RevealDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    workspaceId: { type: String, default: null },
    userId: { type: String, default: null },
    contactId: { type: String, required: true },
    fields: { type: Schema.Types.Mixed, default: {} },
    optedOutAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'reveals', versionKey: false, minimize: false },
);
revealSchema.index({ contactId: 1 });
revealSchema.index({ scope: 1 });
addOutboxIndex(revealSchema);

export type RevealModel = Model<RevealDocument>;

export function revealModel(connection: Connection): RevealModel {
  return (connection.models.Reveal as RevealModel | undefined) ?? connection.model<RevealDocument>('Reveal', revealSchema);
}

/** A client's reveal request by its idempotency key: a retry gets the first answer. */
export interface RevealRequestDocument {
  _id: string;
  contactId: string;
  fields: RevealField[];
  result: unknown;
  at: Date;
}

const revealRequestSchema = new Schema<RevealRequestDocument>(
  {
    _id: { type: String, required: true },
    contactId: { type: String, required: true },
    fields: { type: [String], required: true },
    result: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'reveal_requests', versionKey: false },
);
// PRV-02: an erasure finds the remembered answers (they hold revealed details) by contact.
revealRequestSchema.index({ contactId: 1 });

export type RevealRequestModel = Model<RevealRequestDocument>;

export function revealRequestModel(connection: Connection): RevealRequestModel {
  return (connection.models.RevealRequest as RevealRequestModel | undefined) ?? connection.model<RevealRequestDocument>('RevealRequest', revealRequestSchema);
}
