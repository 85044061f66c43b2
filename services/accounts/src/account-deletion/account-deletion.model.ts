import { Schema, type Connection, type Model } from 'mongoose';

export const accountDeletionStatuses = ['PENDING', 'CONFIRMED', 'COMPLETED'] as const;
export type AccountDeletionStatus = (typeof accountDeletionStatuses)[number];

/** What deleting the account does to its workspace (ACC-06), decided once and then replayed. */
export interface AccountDeletionOutcome {
  /** The user was its only administrator: the workspace is deleted for everyone. */
  deletedWorkspaceId: string | null;
  /** The user is withdrawn from this workspace (a member, or one of several administrators). */
  leftWorkspaceId: string | null;
}

/**
 * One user's deletion, from the mailed confirmation code to completion. CONFIRMED is the point of
 * no return; every step after it is idempotent and re-run until COMPLETED (after a crash too).
 */
export interface AccountDeletionDocument {
  /** The user id: one deletion per account. */
  _id: string;
  status: AccountDeletionStatus;
  /** SHA-256 of salt + code; cleared once completed. */
  codeHash: string | null;
  codeSalt: string | null;
  codeExpiresAt: Date | null;
  attempts: number;
  codeSentAt: Date | null;
  confirmedAt: Date | null;
  outcome: AccountDeletionOutcome | null;
  completedAt: Date | null;
  /** Set when an erasure request (PRV-02) confirmed the deletion instead of the mailed code. */
  dataSubjectRequestId?: string | null;
}

const accountDeletionSchema = new Schema<AccountDeletionDocument>(
  {
    _id: { type: String, required: true },
    status: { type: String, enum: accountDeletionStatuses, required: true },
    codeHash: { type: String, default: null },
    codeSalt: { type: String, default: null },
    codeExpiresAt: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
    codeSentAt: { type: Date, default: null },
    confirmedAt: { type: Date, default: null },
    outcome: {
      type: new Schema<AccountDeletionOutcome>(
        { deletedWorkspaceId: { type: String, default: null }, leftWorkspaceId: { type: String, default: null } },
        { _id: false },
      ),
      default: null,
    },
    completedAt: { type: Date, default: null },
    dataSubjectRequestId: { type: String, default: null },
  },
  { collection: 'account_deletions', versionKey: false },
);
// The recovery job looks for confirmed deletions that did not complete.
accountDeletionSchema.index({ status: 1, confirmedAt: 1 });

export type AccountDeletionModel = Model<AccountDeletionDocument>;

export function accountDeletionModel(connection: Connection): AccountDeletionModel {
  return (
    (connection.models.AccountDeletion as AccountDeletionModel | undefined) ??
    connection.model<AccountDeletionDocument>('AccountDeletion', accountDeletionSchema)
  );
}
