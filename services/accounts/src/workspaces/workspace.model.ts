import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export const workspaceStatuses = ['ACTIVE', 'DELETED'] as const;
export type WorkspaceStatus = (typeof workspaceStatuses)[number];

export const workspaceDeletionReasons = ['SOLE_ADMIN_ACCOUNT_DELETED', 'SUBSCRIPTION_TERMINATED', 'DELETED_BY_ADMIN'] as const;
export type WorkspaceDeletionReason = (typeof workspaceDeletionReasons)[number];

/**
 * Short lease serialising membership changes that depend on counts (seats, administrators):
 * without transactions, two concurrent joins or demotions could otherwise both pass their check.
 * A crashed holder's lease simply expires.
 */
export interface MembershipLock {
  holder: string;
  expiresAt: Date;
}

/** A team: members are users whose `workspaceId` points here. */
export interface WorkspaceDocument extends WithOutbox {
  _id: string;
  name: string | null;
  createdByUserId: string;
  status: WorkspaceStatus;
  /** Member limit from the PREMIUM subscription's seats (BIL-02); null = no subscription limit. */
  seatLimit: number | null;
  /** Time of the subscription event that set seatLimit: older events arriving late are ignored. */
  seatLimitAsOf: Date | null;
  membershipLock: MembershipLock | null;
  deletionReason: WorkspaceDeletionReason | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

const workspaceSchema = new Schema<WorkspaceDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, default: null },
    createdByUserId: { type: String, required: true },
    status: { type: String, enum: workspaceStatuses, required: true },
    seatLimit: { type: Number, default: null },
    seatLimitAsOf: { type: Date, default: null },
    membershipLock: {
      type: new Schema<MembershipLock>({ holder: String, expiresAt: Date }, { _id: false }),
      default: null,
    },
    deletionReason: { type: String, enum: [...workspaceDeletionReasons, null], default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
    ...outboxSchemaFields,
  },
  { collection: 'workspaces', versionKey: false },
);
// Retention (PRV-07) finds deleted workspaces by their deletion date.
workspaceSchema.index({ status: 1, deletedAt: 1 });
addOutboxIndex(workspaceSchema);

export type WorkspaceModel = Model<WorkspaceDocument>;

export function workspaceModel(connection: Connection): WorkspaceModel {
  return (connection.models.Workspace as WorkspaceModel | undefined) ?? connection.model<WorkspaceDocument>('Workspace', workspaceSchema);
}
