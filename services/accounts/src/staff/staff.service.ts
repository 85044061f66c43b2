import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  badInput,
  checkPageSize,
  decodeCursor,
  encodeCursor,
  forbidden,
  fromZodError,
  notFound,
  type Clock,
  type Logger,
  type StaffRole,
  type UserCaller,
} from '@leadgraph/platform';
import type { PendingStaffAuditEntry, UserDocument, UserModel } from '../users/user.model';
import type { StaffAuditEntryDocument, StaffAuditModel } from './staff.model';
import { staffRoleChangeInputSchema, staffRoleChangeIsNoop, staffRoleChangeProblem, type StaffRoleChange } from './staff.rules';

const auditCursorSchema = z.object({ at: z.string(), id: z.string() });

export interface StaffAuditPage {
  entries: StaffAuditEntryDocument[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Builds the audit entry written together with a role change on the user document. */
export function pendingStaffAuditEntry(
  action: StaffRoleChange,
  role: StaffRole,
  targetUserId: string,
  actorUserId: string | null,
  at: Date,
): PendingStaffAuditEntry {
  return { _id: randomUUID(), action, role, targetUserId, actorUserId, at };
}

/**
 * Staff roles: granted and revoked by super admins only. Each change and its audit entry are one
 * write on the user; the entry is then copied to the append-only log (idempotently, by id).
 */
export class StaffService {
  constructor(
    private readonly users: UserModel,
    private readonly audit: StaffAuditModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async changeRole(actor: UserCaller, change: StaffRoleChange, rawInput: unknown): Promise<UserDocument> {
    const parsed = staffRoleChangeInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { userId, role } = parsed.data;
    const target = await this.users.findById(userId).lean<UserDocument>();
    if (!target || target.status === 'DELETED') throw notFound('User not found');
    const problem = staffRoleChangeProblem(actor, target, change, role);
    if (problem?.code === 'FORBIDDEN') throw forbidden(problem.message);
    if (problem) throw badInput(problem.field ?? 'input', problem.message);
    if (staffRoleChangeIsNoop(target.staffRoles, change, role)) return target;

    const now = this.clock.now();
    const entry = pendingStaffAuditEntry(change, role, userId, actor.userId, now);
    const updated =
      change === 'GRANT'
        ? await this.users.findOneAndUpdate(
            { _id: userId, status: 'ACTIVE', staffRoles: { $ne: role } },
            { $addToSet: { staffRoles: role }, $push: { pendingStaffAudit: entry }, $set: { updatedAt: now } },
            { new: true },
          )
        : await this.users.findOneAndUpdate(
            { _id: userId, staffRoles: role },
            { $pull: { staffRoles: role }, $push: { pendingStaffAudit: entry }, $set: { updatedAt: now } },
            { new: true },
          );
    if (!updated) {
      // A concurrent identical change won: nothing left to do, and nothing to audit twice.
      const current = await this.users.findById(userId).lean<UserDocument>();
      if (!current) throw notFound('User not found');
      return current;
    }
    await this.copyPendingAudit(userId);
    return updated.toObject();
  }

  /** Copies a user's pending audit entries to the log, then clears them. Safe to repeat. */
  async copyPendingAudit(userId: string): Promise<void> {
    const user = await this.users.findById(userId, { pendingStaffAudit: 1 }).lean<UserDocument>();
    const pending = user?.pendingStaffAudit ?? [];
    if (pending.length === 0) return;
    for (const entry of pending) {
      await this.audit.updateOne({ _id: entry._id }, { $setOnInsert: { ...entry } }, { upsert: true });
    }
    await this.users.updateOne({ _id: userId }, { $pull: { pendingStaffAudit: { _id: { $in: pending.map((entry) => entry._id) } } } });
  }

  /** Job: finishes copies interrupted by a crash. */
  async copyAllPendingAudit(): Promise<number> {
    const users = await this.users.find({ 'pendingStaffAudit.0': { $exists: true } }, { _id: 1 }).limit(500).lean<Array<{ _id: string }>>();
    for (const user of users) {
      await this.copyPendingAudit(user._id).catch((error: unknown) =>
        this.logger.warn({ err: error, userId: user._id }, 'copying staff audit entries failed; will retry'),
      );
    }
    return users.length;
  }

  /** Newest first, paginated by an opaque cursor. */
  async auditLog(first: number | null | undefined, after: string | null | undefined): Promise<StaffAuditPage> {
    const size = checkPageSize(first);
    const filter: Record<string, unknown> = {};
    if (after) {
      const cursor = decodeCursor(after, auditCursorSchema);
      const at = new Date(cursor.at);
      filter.$or = [{ at: { $lt: at } }, { at, _id: { $lt: cursor.id } }];
    }
    const rows = await this.audit
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(size + 1)
      .lean<StaffAuditEntryDocument[]>();
    const entries = rows.slice(0, size);
    const last = entries.at(-1);
    return {
      entries,
      hasNextPage: rows.length > size,
      endCursor: last ? encodeCursor({ at: last.at.toISOString(), id: last._id }) : null,
    };
  }
}
