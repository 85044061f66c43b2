import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Who is in each workspace, as accounts announces it (WorkspaceCreated, MemberJoined,
 * MemberRemoved, WorkspaceDeleted): billing needs the head count for seats (BIL-02) and never
 * reads accounts' database (EVT-01).
 */
export interface WorkspaceRosterDocument {
  _id: string;
  memberUserIds: string[];
}

const workspaceRosterSchema = new Schema<WorkspaceRosterDocument>(
  { _id: { type: String, required: true }, memberUserIds: { type: [String], default: [] } },
  { collection: 'workspace_rosters', versionKey: false },
);

export type WorkspaceRosterModel = Model<WorkspaceRosterDocument>;

export function workspaceRosterModel(connection: Connection): WorkspaceRosterModel {
  return (
    (connection.models.WorkspaceRoster as WorkspaceRosterModel | undefined) ??
    connection.model<WorkspaceRosterDocument>('WorkspaceRoster', workspaceRosterSchema)
  );
}
