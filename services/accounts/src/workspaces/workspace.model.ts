import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export const workspaceStatuses = ['ACTIVE', 'DELETED'] as const;
export type WorkspaceStatus = (typeof workspaceStatuses)[number];

/** A team: members are users whose `workspaceId` points here. */
export interface WorkspaceDocument extends WithOutbox {
  _id: string;
  name: string | null;
  createdByUserId: string;
  status: WorkspaceStatus;
  /** Member limit from the PREMIUM subscription's seats (BIL-02); null = no subscription limit. */
  seatLimit: number | null;
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
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
    ...outboxSchemaFields,
  },
  { collection: 'workspaces', versionKey: false },
);
addOutboxIndex(workspaceSchema);

export type WorkspaceModel = Model<WorkspaceDocument>;

export function workspaceModel(connection: Connection): WorkspaceModel {
  return (connection.models.Workspace as WorkspaceModel | undefined) ?? connection.model<WorkspaceDocument>('Workspace', workspaceSchema);
}
