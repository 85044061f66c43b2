import { Types } from 'mongoose';
import { checkPageSize, decodeCursor, encodeCursor, type Clock } from '@leadgraph/platform';
import type { PrivacyAuditAction, PrivacyAuditEntryDocument, PrivacyAuditEntryModel, PrivacyAuditSubjectType } from './audit.model';
import { auditCursorOf, auditCursorSchema, olderThanAuditCursor } from './audit.rules';

export interface PrivacyAuditRecord {
  action: PrivacyAuditAction;
  subjectType: PrivacyAuditSubjectType;
  subjectId: string;
  actorUserId: string | null;
  details?: Record<string, string>;
  /** Defaults to now; callers pass the time of the action they record. */
  at?: Date;
  /** Stable id derived from what is recorded (e.g. the consent record), so a re-run adds nothing. */
  id?: string;
}

export interface PrivacyAuditPage {
  entries: Array<{ entry: PrivacyAuditEntryDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * The privacy audit trail (PRV-10): append-only. There is deliberately no update or delete
 * method; entries are only ever inserted (insert-if-absent on their id) and read.
 */
export class PrivacyAuditTrail {
  constructor(
    private readonly entries: PrivacyAuditEntryModel,
    private readonly clock: Clock,
  ) {}

  async record(record: PrivacyAuditRecord): Promise<void> {
    const entry = {
      action: record.action,
      subjectType: record.subjectType,
      subjectId: record.subjectId,
      actorUserId: record.actorUserId,
      details: record.details ?? {},
      at: record.at ?? this.clock.now(),
    };
    // $setOnInsert only: an existing entry with the same id is never modified.
    await this.entries.updateOne({ _id: record.id ?? new Types.ObjectId().toHexString() }, { $setOnInsert: entry }, { upsert: true });
  }

  /** Newest first, cursor-paginated. Callers check the staff role. */
  async page(first: number | null | undefined, after: string | null | undefined): Promise<PrivacyAuditPage> {
    const size = checkPageSize(first);
    const cursor = after ? decodeCursor(after, auditCursorSchema) : null;
    const rows = await this.entries
      .find(cursor ? olderThanAuditCursor(cursor) : {})
      .sort({ at: -1, _id: -1 })
      .limit(size + 1)
      .lean<PrivacyAuditEntryDocument[]>();
    const items = rows.slice(0, size);
    const entries = items.map((entry) => ({ entry, cursor: encodeCursor(auditCursorOf(entry)) }));
    return { entries, hasNextPage: rows.length > size, endCursor: entries.at(-1)?.cursor ?? null };
  }
}
