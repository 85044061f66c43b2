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
  // Address-book actions reported by contacts (CON-05) through AddressBookActivityRecorded.
  'ADDRESS_BOOK_CONTACT_SAVED',
  'ADDRESS_BOOK_CONTACT_REMOVED',
  'ADDRESS_BOOK_LIST_CREATED',
  'ADDRESS_BOOK_LIST_DELETED',
  'ADDRESS_BOOK_ADDED_TO_LIST',
  'ADDRESS_BOOK_REMOVED_FROM_LIST',
  'ADDRESS_BOOK_NOTE_ADDED',
  'ADDRESS_BOOK_CONTACTS_EXPORTED',
  'ADDRESS_BOOK_CONTACT_OPTED_OUT',
] as const;
export type ActivityAction = (typeof activityActions)[number];

export const activityTargetTypes = ['WORKSPACE', 'USER', 'INVITATION', 'API_TOKEN', 'CONTACT', 'CONTACT_LIST'] as const;
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
// PRV-02 access: a person's own entries, as actor or as target.
activityEntrySchema.index({ actorUserId: 1 }, { sparse: true });
activityEntrySchema.index({ targetId: 1 });

export type ActivityEntryModel = Model<ActivityEntryDocument>;

export function activityEntryModel(connection: Connection): ActivityEntryModel {
  return (
    (connection.models.WorkspaceActivity as ActivityEntryModel | undefined) ??
    connection.model<ActivityEntryDocument>('WorkspaceActivity', activityEntrySchema)
  );
}
