import { Schema, type Connection, type Model } from 'mongoose';

/** Everything an administrator can see happened in the workspace (ACC-05). */
export const activityActions = [
  'WORKSPACE_CREATED',
  'WORKSPACE_RENAMED',
  'MEMBER_INVITED',
  'INVITATION_REVOKED',
  'MEMBER_JOINED',
  'MEMBER_ROLE_CHANGED',
  'MEMBER_REMOVED',
  'MEMBER_LEFT',
  'MEMBER_ACCOUNT_DELETED',
  'API_TOKEN_CREATED',
  'API_TOKEN_REVOKED',
  'SEAT_LIMIT_CHANGED',
] as const;
export type ActivityAction = (typeof activityActions)[number];

export const activityTargetTypes = ['WORKSPACE', 'USER', 'INVITATION', 'API_TOKEN'] as const;
export type ActivityTargetType = (typeof activityTargetTypes)[number];

/** Append-only: entries are never updated, only purged with their workspace (ACC-06). */
export interface ActivityEntryDocument {
  _id: string;
  workspaceId: string;
  /** Null for system actions (subscription changes). */
  actorUserId: string | null;
  action: ActivityAction;
  targetType: ActivityTargetType;
  targetId: string;
  /** Short human-readable facts (new role, token name, invited address). */
  details: Record<string, string>;
  at: Date;
}

const activityEntrySchema = new Schema<ActivityEntryDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    actorUserId: { type: String, default: null },
    action: { type: String, enum: activityActions, required: true },
    targetType: { type: String, enum: activityTargetTypes, required: true },
    targetId: { type: String, required: true },
    details: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { collection: 'workspace_activity', versionKey: false, minimize: false },
);
// Newest first within a workspace, with the id as tie-breaker for the cursor.
activityEntrySchema.index({ workspaceId: 1, at: -1, _id: -1 });

export type ActivityEntryModel = Model<ActivityEntryDocument>;

export function activityEntryModel(connection: Connection): ActivityEntryModel {
  return (
    (connection.models.WorkspaceActivity as ActivityEntryModel | undefined) ??
    connection.model<ActivityEntryDocument>('WorkspaceActivity', activityEntrySchema)
  );
}
