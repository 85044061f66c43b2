import { Schema, type Connection, type Model } from 'mongoose';
import type { z } from 'zod';
import { creditTypeSchema } from '@leadgraph/events';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export type CreditType = z.infer<typeof creditTypeSchema>;

export const creditOwnerTypes = ['USER', 'WORKSPACE'] as const;
export type CreditOwnerType = (typeof creditOwnerTypes)[number];

/** Personal (FREEMIUM) credits belong to a user, PREMIUM credits to the workspace pool (BIL-08). */
export interface CreditOwner {
  ownerType: CreditOwnerType;
  ownerId: string;
}

/**
 * GRANT adds credits; SPEND, EXPIRE and FORFEIT take them from grants; REFUND gives back what a
 * failed operation took (never money: credits have no monetary value, BIL-03).
 */
export const ledgerEntryKinds = ['GRANT', 'SPEND', 'EXPIRE', 'FORFEIT', 'REFUND'] as const;
export type LedgerEntryKind = (typeof ledgerEntryKinds)[number];

export const creditSources = ['REGISTRATION', 'SUBSCRIPTION', 'REWARD', 'ADD_ON'] as const;
export type CreditSource = (typeof creditSources)[number];

/** Why every remaining credit of an owner is removed (ACC-06, BIL-13). */
export const forfeitReasons = ['WORKSPACE_DELETED', 'ACCOUNT_DELETED', 'SUBSCRIPTION_TERMINATED'] as const;
export type ForfeitReason = (typeof forfeitReasons)[number];

/** The part of one grant an entry took or gave back. */
export interface LedgerPortion {
  grantId: string;
  amount: number;
  /** Drawn from a fair-use "unlimited" grant (BIL-07). */
  unlimited: boolean;
}

/** A monthly counter a spend moved (budgets, fair use), so a refund can move it back. */
export interface LedgerCounter {
  counterId: string;
  amount: number;
}

/** Who made a spend: the user, and the partner token they acted through, if any. */
export interface LedgerActor {
  userId: string;
  apiTokenId: string | null;
}

/**
 * One ledger line as written into the account document's `pendingLedger`, in the order the
 * changes were applied; the ledger relay then copies it, with its position and the balance after
 * it, into the append-only `credit_ledger` collection.
 */
export interface PendingLedgerEntry {
  /** For a GRANT, also the id of the grant bucket it created. */
  _id: string;
  kind: LedgerEntryKind;
  creditType: CreditType;
  /** Always positive: the kind says in which direction it counts. */
  amount: number;
  /** GRANT: where the credits come from (BIL-04); null on other kinds. */
  source: CreditSource | null;
  /** GRANT: a fair-use "unlimited" grant (BIL-07). */
  unlimited: boolean;
  /** GRANT: end of the period the credits belong to (BIL-05); null = never. */
  expiresAt: Date | null;
  /** SPEND, EXPIRE, FORFEIT, REFUND: the grants it touched. */
  portions: LedgerPortion[];
  /** The caller's key (grant, spend, refund); system entries (expiry, forfeit) have none. */
  idempotencyKey: string | null;
  /** Free text of the operation: what the spend paid for, why credits were forfeited... */
  reason: string | null;
  /** What it is about, e.g. the revealed contact's id, or the refunded spend's key. */
  reference: string | null;
  actor: LedgerActor | null;
  /** SPEND: the monthly counters it moved, in the month of `occurredAt`. */
  counters: LedgerCounter[];
  occurredAt: Date;
}

/** A line of the append-only ledger, as read by history and invariant checks. */
export interface CreditLedgerEntryDocument extends PendingLedgerEntry, CreditOwner {
  /** 0-based order of the line among its owner's lines (the ledger's cursor). */
  position: number;
  /** The owner's cached balance of this credit type right after this line. */
  balanceAfter: number;
}

/** The live remainder of one grant: what spends draw from, in expiry order (BIL-05). */
export interface CreditBucket {
  grantId: string;
  creditType: CreditType;
  source: CreditSource;
  unlimited: boolean;
  /** What the grant gave. */
  granted: number;
  remaining: number;
  expiresAt: Date | null;
  grantedAt: Date;
}

export const budgetSubjectTypes = ['MEMBER', 'API_TOKEN'] as const;
export type BudgetSubjectType = (typeof budgetSubjectTypes)[number];

/** A workspace administrator's monthly cap on what one member or partner token draws from the pool. */
export interface CreditBudget {
  subjectType: BudgetSubjectType;
  subjectId: string;
  creditType: CreditType;
  monthlyLimit: number;
  setByUserId: string;
  setAt: Date;
}

export type CachedBalances = Record<CreditType, number>;

/** Monthly counters: `usage[YYYY-MM][counter id][credit type]` (member, token and fair-use counters). */
export type MonthlyUsage = Record<string, Record<string, Partial<Record<CreditType, number>>>>;

/**
 * One document per owner: every change to an owner's credits is ONE guarded `findOneAndUpdate`
 * of this document (the embedded server has no transactions), which moves the buckets, the
 * cached balance and the counters and appends the ledger line and any event in the same write.
 */
export interface CreditAccountDocument extends CreditOwner, WithOutbox {
  /** `${ownerType}:${ownerId}`. */
  _id: string;
  buckets: CreditBucket[];
  /** Sum of the buckets' remainders per type, moved by the same writes. */
  balances: CachedBalances;
  usage: MonthlyUsage;
  budgets: CreditBudget[];
  pendingLedger: PendingLedgerEntry[];
  /** Lines already copied to `credit_ledger`: the next line's position. */
  ledgerCount: number;
  /** How many lines wait in `pendingLedger` (a scalar the relay finds by index; arrays are costly to index). */
  pendingLines: number;
  /** Keys applied here whose lines were already copied: kept a while so writers in flight still see them. */
  recentKeys: string[];
  /** `recentKeys.length`, so the relay need not read the keys to know when to trim them. */
  recentKeyCount: number;
  /** Bumped whenever recent keys are dropped, so a spend that read before cannot miss one. */
  keyEpoch: number;
  /** Thresholds already announced (CreditThresholdReached), so each is announced once. */
  thresholdMarks: string[];
  /** Set when the owner is gone (account or workspace deleted): nothing is granted or spent any more. */
  closed: { reason: ForfeitReason; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

const portionSchema = new Schema<LedgerPortion>(
  { grantId: { type: String, required: true }, amount: { type: Number, required: true }, unlimited: { type: Boolean, required: true } },
  { _id: false },
);

const actorSchema = new Schema<LedgerActor>(
  { userId: { type: String, required: true }, apiTokenId: { type: String, default: null } },
  { _id: false },
);

const ledgerEntryFields = {
  _id: { type: String, required: true },
  kind: { type: String, enum: ledgerEntryKinds, required: true },
  creditType: { type: String, enum: creditTypeSchema.options, required: true },
  amount: { type: Number, required: true, min: 1 },
  source: { type: String, enum: [...creditSources, null], default: null },
  unlimited: { type: Boolean, default: false },
  expiresAt: { type: Date, default: null },
  portions: { type: [portionSchema], default: [] },
  idempotencyKey: { type: String, default: null },
  reason: { type: String, default: null },
  reference: { type: String, default: null },
  actor: { type: actorSchema, default: null },
  counters: { type: [new Schema<LedgerCounter>({ counterId: String, amount: Number }, { _id: false })], default: [] },
  occurredAt: { type: Date, required: true },
};

const pendingLedgerEntrySchema = new Schema<PendingLedgerEntry>(ledgerEntryFields, { _id: false });

const bucketSchema = new Schema<CreditBucket>(
  {
    grantId: { type: String, required: true },
    creditType: { type: String, enum: creditTypeSchema.options, required: true },
    source: { type: String, enum: creditSources, required: true },
    unlimited: { type: Boolean, required: true },
    granted: { type: Number, required: true },
    remaining: { type: Number, required: true },
    expiresAt: { type: Date, default: null },
    grantedAt: { type: Date, required: true },
  },
  { _id: false },
);

const budgetSchema = new Schema<CreditBudget>(
  {
    subjectType: { type: String, enum: budgetSubjectTypes, required: true },
    subjectId: { type: String, required: true },
    creditType: { type: String, enum: creditTypeSchema.options, required: true },
    monthlyLimit: { type: Number, required: true },
    setByUserId: { type: String, required: true },
    setAt: { type: Date, required: true },
  },
  { _id: false },
);

const creditAccountSchema = new Schema<CreditAccountDocument>(
  {
    _id: { type: String, required: true },
    ownerType: { type: String, enum: creditOwnerTypes, required: true },
    ownerId: { type: String, required: true },
    buckets: { type: [bucketSchema], default: [] },
    balances: { type: Schema.Types.Mixed, required: true },
    usage: { type: Schema.Types.Mixed, default: {} },
    budgets: { type: [budgetSchema], default: [] },
    pendingLedger: { type: [pendingLedgerEntrySchema], default: [] },
    ledgerCount: { type: Number, default: 0 },
    pendingLines: { type: Number, default: 0 },
    recentKeys: { type: [String], default: [] },
    recentKeyCount: { type: Number, default: 0 },
    keyEpoch: { type: Number, default: 0 },
    thresholdMarks: { type: [String], default: [] },
    closed: { type: new Schema({ reason: { type: String, enum: forfeitReasons }, at: Date }, { _id: false }), default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'credit_accounts', versionKey: false, minimize: false },
);
// The expiry job finds due buckets; the ledger relay finds accounts with lines to copy.
creditAccountSchema.index({ 'buckets.expiresAt': 1 }, { sparse: true });
creditAccountSchema.index({ pendingLines: 1 });
addOutboxIndex(creditAccountSchema);

const creditLedgerEntrySchema = new Schema<CreditLedgerEntryDocument>(
  {
    ...ledgerEntryFields,
    ownerType: { type: String, enum: creditOwnerTypes, required: true },
    ownerId: { type: String, required: true },
    position: { type: Number, required: true },
    balanceAfter: { type: Number, required: true },
  },
  { collection: 'credit_ledger', versionKey: false },
);
// History pages per owner, newest first; retries of old keys are answered from here.
creditLedgerEntrySchema.index({ ownerType: 1, ownerId: 1, position: -1 });
creditLedgerEntrySchema.index({ idempotencyKey: 1 }, { sparse: true });
// A person's spends from workspace pools, for their data-subject requests (PRV-02, PRV-05).
creditLedgerEntrySchema.index({ 'actor.userId': 1 }, { sparse: true });

export type CreditAccountModel = Model<CreditAccountDocument>;
export type CreditLedgerModel = Model<CreditLedgerEntryDocument>;

export function creditAccountModel(connection: Connection): CreditAccountModel {
  return (
    (connection.models.CreditAccount as CreditAccountModel | undefined) ??
    connection.model<CreditAccountDocument>('CreditAccount', creditAccountSchema)
  );
}

export function creditLedgerModel(connection: Connection): CreditLedgerModel {
  return (
    (connection.models.CreditLedgerEntry as CreditLedgerModel | undefined) ??
    connection.model<CreditLedgerEntryDocument>('CreditLedgerEntry', creditLedgerEntrySchema)
  );
}

export function creditAccountId(owner: CreditOwner): string {
  return `${owner.ownerType}:${owner.ownerId}`;
}
