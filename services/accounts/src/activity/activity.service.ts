import { Types } from 'mongoose';
import { checkPageSize, decodeCursor, encodeCursor, type Clock, type Logger } from '@leadgraph/platform';
import type { ActivityAction, ActivityEntryDocument, ActivityEntryModel, ActivityTargetType } from './activity.model';
import { activityCursorSchema, cursorOf, olderThanCursor, pageOf } from './activity.rules';

export interface ActivityRecord {
  workspaceId: string;
  actorUserId: string | null;
  action: ActivityAction;
  targetType: ActivityTargetType;
  targetId: string;
  details?: Record<string, string>;
  /** Defaults to now; event handlers pass the event's time. */
  at?: Date;
  /** Stable id for records written by retried handlers (the event id), so a retry adds nothing. */
  id?: string;
}

export interface ActivityPage {
  entries: Array<{ entry: ActivityEntryDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The workspace activity log (ACC-05): append-only, read newest first by administrators. */
export class ActivityLog {
  constructor(
    private readonly entries: ActivityEntryModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Written right after the change it describes. The log must never undo or block the change, so
   * a failure here is logged rather than thrown back at a caller whose action already happened.
   */
  async record(record: ActivityRecord): Promise<void> {
    const entry = {
      workspaceId: record.workspaceId,
      actorUserId: record.actorUserId,
      action: record.action,
      targetType: record.targetType,
      targetId: record.targetId,
      details: record.details ?? {},
      at: record.at ?? this.clock.now(),
    };
    try {
      // ObjectId hex ids grow with insertion, so entries written in the same millisecond keep their order.
      await this.entries.updateOne({ _id: record.id ?? new Types.ObjectId().toHexString() }, { $setOnInsert: entry }, { upsert: true });
    } catch (error) {
      this.logger.error({ err: error, action: record.action, workspaceId: record.workspaceId }, 'activity entry not recorded');
    }
  }

  async page(workspaceId: string, first: number | null | undefined, after: string | null | undefined): Promise<ActivityPage> {
    const size = checkPageSize(first);
    const cursor = after ? decodeCursor(after, activityCursorSchema) : null;
    const rows = await this.entries
      .find({ workspaceId, ...(cursor ? olderThanCursor(cursor) : {}) })
      .sort({ at: -1, _id: -1 })
      .limit(size + 1)
      .lean<ActivityEntryDocument[]>();
    const { items, hasNextPage } = pageOf(rows, size);
    const entries = items.map((entry) => ({ entry, cursor: encodeCursor(cursorOf(entry)) }));
    return { entries, hasNextPage, endCursor: entries.at(-1)?.cursor ?? null };
  }

  /** ACC-06: a deleted workspace's activity goes with it. */
  async purgeWorkspace(workspaceId: string): Promise<void> {
    await this.entries.deleteMany({ workspaceId });
  }
}
