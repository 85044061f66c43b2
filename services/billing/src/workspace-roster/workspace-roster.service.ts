import type { WorkspaceRosterDocument, WorkspaceRosterModel } from './workspace-roster.model';

/** Idempotent roster updates: adding or removing the same member twice has one effect. */
export class WorkspaceRosterService {
  constructor(private readonly rosters: WorkspaceRosterModel) {}

  async memberJoined(workspaceId: string, userId: string): Promise<void> {
    await this.rosters.updateOne({ _id: workspaceId }, { $addToSet: { memberUserIds: userId } }, { upsert: true });
  }

  async memberLeft(workspaceId: string, userId: string): Promise<void> {
    await this.rosters.updateOne({ _id: workspaceId }, { $pull: { memberUserIds: userId } });
  }

  async workspaceDeleted(workspaceId: string): Promise<void> {
    await this.rosters.deleteOne({ _id: workspaceId });
  }

  async memberCount(workspaceId: string): Promise<number> {
    const roster = await this.rosters.findById(workspaceId, { memberUserIds: 1 }).lean<WorkspaceRosterDocument>();
    return roster?.memberUserIds.length ?? 0;
  }
}
