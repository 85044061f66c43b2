import { Schema, type Connection, type Model } from 'mongoose';
import { creditTypeSchema } from '@leadgraph/events';
import type { CreditType } from '../plans/plan.model';

export const creditOwnerTypes = ['USER', 'WORKSPACE'] as const;
export type CreditOwnerType = (typeof creditOwnerTypes)[number];

/** Personal (FREEMIUM) credits belong to a user, PREMIUM credits to the workspace pool (BIL-08). */
export interface CreditOwner {
  ownerType: CreditOwnerType;
  ownerId: string;
}

/**
 * GRANT adds credits; SPEND and EXPIRE take them from one grant; REFUND gives back what a failed
 * operation took (never money: credits have no monetary value, BIL-03).
 */
export const ledgerEntryKinds = ['GRANT', 'SPEND', 'EXPIRE', 'REFUND'] as const;
export type LedgerEntryKind = (typeof ledgerEntryKinds)[number];

export const creditSources = ['REGISTRATION', 'SUBSCRIPTION', 'REWARD', 'ADD_ON'] as const;
export type CreditSource = (typeof creditSources)[number];

/**
 * One append-only ledger line. Balances are derived from the lines, never stored, so a retried
 * write with the same `_id` (the operation's idempotency key) cannot count twice.
 */
export interface CreditLedgerEntryDocument extends CreditOwner {
  _id: string;
  kind: LedgerEntryKind;
  creditType: CreditType;
  /** Always positive: the kind says in which direction it counts. */
  amount: number;
  /** Where the grant's credits come from (BIL-04); for other kinds, the source of the grant they touch. */
  source: CreditSource;
  /** The grant a SPEND, EXPIRE or REFUND draws from or returns to; null on a GRANT. */
  grantId: string | null;
  /** GRANT only: fair-use "unlimited" credits (BIL-07) are a grant of the fair-use cap, flagged. */
  unlimited: boolean;
  /** GRANT only: end of the period the credits belong to (BIL-05); null = no expiry (registration). */
  expiresAt: Date | null;
  occurredAt: Date;
}

const creditLedgerEntrySchema = new Schema<CreditLedgerEntryDocument>(
  {
    _id: { type: String, required: true },
    ownerType: { type: String, enum: creditOwnerTypes, required: true },
    ownerId: { type: String, required: true },
    kind: { type: String, enum: ledgerEntryKinds, required: true },
    creditType: { type: String, enum: creditTypeSchema.options, required: true },
    amount: { type: Number, required: true, min: 1 },
    source: { type: String, enum: creditSources, required: true },
    grantId: { type: String, default: null },
    unlimited: { type: Boolean, default: false },
    expiresAt: { type: Date, default: null },
    occurredAt: { type: Date, required: true },
  },
  { collection: 'credit_ledger', versionKey: false },
);
// Balances read every line of one owner.
creditLedgerEntrySchema.index({ ownerType: 1, ownerId: 1, creditType: 1 });

export type CreditLedgerModel = Model<CreditLedgerEntryDocument>;

export function creditLedgerModel(connection: Connection): CreditLedgerModel {
  return (
    (connection.models.CreditLedgerEntry as CreditLedgerModel | undefined) ??
    connection.model<CreditLedgerEntryDocument>('CreditLedgerEntry', creditLedgerEntrySchema)
  );
}
