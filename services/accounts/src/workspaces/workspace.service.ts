import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createEvent } from '@leadgraph/events';
import {
  conflict,
  forbidden,
  notFound,
  outboxEntry,
  parseInput,
  unauthenticated,
  pushToOutbox,
  type Clock,
  type Logger,
  type WorkspaceRole,
} from '@leadgraph/platform';
import type { ActivityLog } from '../activity/activity.service';
import type { UserDocument, UserModel } from '../users/user.model';
import type { WorkspaceDeletionReason, WorkspaceDocument, WorkspaceModel } from './workspace.model';
import {
  assertActiveAccount,
  assertAdmin,
  assertCanLeave,
  assertCanRemove,
  assertFreeSeat,
  assertKeepsAnAdministrator,
  assertMember,
  assertNotInWorkspace,
  effectiveMembership,
  isNewerSeatLimit,
  workspaceNameSchema,
  workspaceRoleSchema,
  type Membership,
} from './workspace.rules';

/** A member as the workspace shows them. */
export interface MemberView {
  userId: string;
  email: string | null;
  displayName: string | null;
  role: WorkspaceRole;
}

export interface MembershipState {
  user: UserDocument;
  workspace: WorkspaceDocument | null;
  membership: Membership | null;
}

const workspaceNameInput = z.object({ name: workspaceNameSchema });
const roleChangeInput = z.object({ userId: z.string().min(1, 'is required'), role: workspaceRoleSchema });

const LOCK_LEASE_MS = 30_000;
const LOCK_ATTEMPTS = 40;
const LOCK_RETRY_MS = 25;

/**
 * Workspaces and their membership (ACC-05). Membership lives on the user document, so joining
 * and leaving are single-document updates; checks that depend on counts run under the
 * workspace's membership lease.
 */
export class WorkspaceService {
  constructor(
    private readonly users: UserModel,
    private readonly workspaces: WorkspaceModel,
    private readonly activity: ActivityLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after writes that queued events, so the outbox relay publishes them now. */
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  async findActive(workspaceId: string): Promise<WorkspaceDocument | null> {
    return this.workspaces.findOne({ _id: workspaceId, status: 'ACTIVE' }).lean<WorkspaceDocument>();
  }

  /** The user with their effective membership; a pointer to a missing or deleted workspace counts as none. */
  async membershipState(userId: string): Promise<MembershipState | null> {
    const user = await this.users.findById(userId).lean<UserDocument>();
    if (!user) return null;
    const workspace = user.workspaceId ? await this.workspaces.findById(user.workspaceId).lean<WorkspaceDocument>() : null;
    return { user, workspace, membership: effectiveMembership(user, workspace) };
  }

  /** The caller's state, refusing accounts that cannot act (deleted, suspended, unverified). */
  async activeMembershipState(userId: string): Promise<MembershipState> {
    const state = await this.membershipState(userId);
    if (!state) throw unauthenticated('This account no longer exists');
    assertActiveAccount(state.user);
    return state;
  }

  /** The caller's membership of this very workspace, refusing outsiders (FORBIDDEN). */
  async requireMembershipOf(userId: string, workspaceId: string): Promise<Membership> {
    const { membership } = await this.activeMembershipState(userId);
    const member = assertMember(membership);
    if (member.workspaceId !== workspaceId) throw forbidden('You do not belong to this workspace');
    return member;
  }

  /** ACC-05: administrators only (activity log, invitations). */
  async requireAdminOf(userId: string, workspaceId: string): Promise<Membership> {
    return assertAdmin(await this.requireMembershipOf(userId, workspaceId));
  }

  async createWorkspace(userId: string, input: { name: string }): Promise<WorkspaceDocument> {
    const { name } = parseInput(workspaceNameInput, input);
    const { user, membership } = await this.activeMembershipState(userId);
    assertNotInWorkspace(membership);
    const now = this.clock.now();
    const workspaceId = randomUUID();
    // Claim the user first, guarded on the pointer we saw (null or dangling): of two concurrent
    // creations only one wins. A crash before the insert leaves a dangling pointer, which counts
    // as no workspace and is overwritten next time.
    const claimed = await this.users.findOneAndUpdate(
      { _id: userId, status: 'ACTIVE', workspaceId: user.workspaceId },
      { $set: { workspaceId, workspaceRole: 'ADMIN', updatedAt: now } },
    );
    if (!claimed) throw conflict('Your membership changed meanwhile; try again');
    const event = createEvent(
      'WorkspaceCreated',
      { workspaceId, createdByUserId: userId, createdAt: now.toISOString() },
      { subject: workspaceId, time: now },
    );
    const workspace = await this.workspaces.create({
      _id: workspaceId,
      name,
      createdByUserId: userId,
      status: 'ACTIVE',
      seatLimit: null,
      seatLimitAsOf: null,
      membershipLock: null,
      deletionReason: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      outbox: [outboxEntry(event)],
    });
    this.onEventsQueued();
    await this.activity.record({
      workspaceId,
      actorUserId: userId,
      action: 'WORKSPACE_CREATED',
      targetType: 'WORKSPACE',
      targetId: workspaceId,
      details: { name },
      at: now,
    });
    return workspace.toObject<WorkspaceDocument>();
  }

  async renameWorkspace(userId: string, input: { name: string }): Promise<WorkspaceDocument> {
    const { name } = parseInput(workspaceNameInput, input);
    const { membership } = await this.activeMembershipState(userId);
    const admin = assertAdmin(membership);
    const now = this.clock.now();
    const renamed = await this.workspaces
      .findOneAndUpdate({ _id: admin.workspaceId, status: 'ACTIVE' }, { $set: { name, updatedAt: now } }, { new: true })
      .lean<WorkspaceDocument>();
    if (!renamed) throw notFound('Workspace not found');
    await this.activity.record({
      workspaceId: admin.workspaceId,
      actorUserId: userId,
      action: 'WORKSPACE_RENAMED',
      targetType: 'WORKSPACE',
      targetId: admin.workspaceId,
      details: { name },
      at: now,
    });
    return renamed;
  }

  /** The caller's workspace, or null when they belong to none. */
  async myWorkspace(userId: string): Promise<WorkspaceDocument | null> {
    const { workspace, membership } = await this.activeMembershipState(userId);
    return membership ? workspace : null;
  }

  /** Members of several workspaces in one query (batched per request by the resolver). */
  async membersOf(workspaceIds: readonly string[]): Promise<Map<string, MemberView[]>> {
    const users = await this.users
      .find({ workspaceId: { $in: [...workspaceIds] }, status: { $ne: 'DELETED' } })
      .select({ _id: 1, email: 1, displayName: 1, workspaceId: 1, workspaceRole: 1, createdAt: 1 })
      .sort({ createdAt: 1, _id: 1 })
      .lean<Array<Pick<UserDocument, '_id' | 'email' | 'displayName' | 'workspaceId' | 'workspaceRole'>>>();
    const byWorkspace = new Map<string, MemberView[]>(workspaceIds.map((id) => [id, []]));
    for (const user of users) {
      if (!user.workspaceId || !user.workspaceRole) continue;
      byWorkspace.get(user.workspaceId)?.push({
        userId: user._id,
        email: user.email,
        displayName: user.displayName,
        role: user.workspaceRole,
      });
    }
    return byWorkspace;
  }

  async changeMemberRole(actorUserId: string, input: { userId: string; role: WorkspaceRole }): Promise<MemberView> {
    const { userId, role } = parseInput(roleChangeInput, input);
    const { membership } = await this.activeMembershipState(actorUserId);
    const { workspaceId } = assertAdmin(membership);
    const previousRole = await this.withMembershipLock(workspaceId, async () => {
      await this.reassertAdmin(actorUserId, workspaceId);
      const { role: currentRole } = await this.requireMember(workspaceId, userId);
      if (currentRole === role) return role;
      assertKeepsAnAdministrator({ currentRole, newRole: role, adminCount: await this.countAdmins(workspaceId) });
      const changed = await this.users.findOneAndUpdate(
        { _id: userId, workspaceId, workspaceRole: currentRole },
        { $set: { workspaceRole: role, updatedAt: this.clock.now() } },
      );
      if (!changed) throw conflict('This member changed meanwhile; try again');
      return currentRole;
    });
    if (previousRole !== role) {
      await this.activity.record({
        workspaceId,
        actorUserId,
        action: 'MEMBER_ROLE_CHANGED',
        targetType: 'USER',
        targetId: userId,
        details: { from: previousRole, to: role },
      });
    }
    return this.requireMember(workspaceId, userId);
  }

  async removeMember(actorUserId: string, input: { userId: string }): Promise<void> {
    const { userId } = parseInput(z.object({ userId: z.string().min(1, 'is required') }), input);
    const { membership } = await this.activeMembershipState(actorUserId);
    const { workspaceId } = assertAdmin(membership);
    assertCanRemove({ actorUserId, targetUserId: userId });
    const now = this.clock.now();
    await this.withMembershipLock(workspaceId, async () => {
      await this.reassertAdmin(actorUserId, workspaceId);
      const target = await this.requireMember(workspaceId, userId);
      assertKeepsAnAdministrator({
        currentRole: target.role,
        newRole: null,
        adminCount: await this.countAdmins(workspaceId),
      });
      const removed = await this.withdraw(userId, workspaceId, 'REMOVED_BY_ADMIN', now);
      if (!removed) throw conflict('This member changed meanwhile; try again');
    });
    await this.activity.record({
      workspaceId,
      actorUserId,
      action: 'MEMBER_REMOVED',
      targetType: 'USER',
      targetId: userId,
      at: now,
    });
  }

  async leaveWorkspace(userId: string): Promise<void> {
    const { membership } = await this.activeMembershipState(userId);
    const { workspaceId } = assertMember(membership);
    const now = this.clock.now();
    await this.withMembershipLock(workspaceId, async () => {
      const member = await this.requireMember(workspaceId, userId);
      const members = await this.membersOf([workspaceId]);
      const list = members.get(workspaceId) ?? [];
      assertCanLeave({
        role: member.role,
        adminCount: list.filter((m) => m.role === 'ADMIN').length,
        memberCount: list.length,
      });
      const left = await this.withdraw(userId, workspaceId, 'LEFT', now);
      if (!left) throw conflict('Your membership changed meanwhile; try again');
    });
    await this.activity.record({ workspaceId, actorUserId: userId, action: 'MEMBER_LEFT', targetType: 'USER', targetId: userId, at: now });
  }

  /**
   * Joins a user to a workspace (invitation acceptance). Seat limit (BIL-02) and the one-workspace
   * rule are checked under the membership lease, so concurrent joins cannot overfill the seats.
   * Joining the workspace one already belongs to is a no-op (a retried acceptance).
   */
  async join(userId: string, workspaceId: string, role: WorkspaceRole, details: Record<string, string>): Promise<void> {
    const now = this.clock.now();
    const joined = await this.withMembershipLock(workspaceId, async (workspace) => {
      const { user, membership } = await this.activeMembershipState(userId);
      if (membership?.workspaceId === workspaceId) return false;
      assertNotInWorkspace(membership);
      const members = (await this.membersOf([workspaceId])).get(workspaceId) ?? [];
      assertFreeSeat({ seatLimit: workspace.seatLimit, memberCount: members.length });
      const event = createEvent(
        'MemberJoined',
        { workspaceId, userId, role, joinedAt: now.toISOString() },
        { subject: workspaceId, time: now },
      );
      const updated = await this.users.findOneAndUpdate(
        { _id: userId, status: 'ACTIVE', workspaceId: user.workspaceId },
        { $set: { workspaceId, workspaceRole: role, updatedAt: now }, $push: pushToOutbox(event) },
      );
      if (!updated) throw conflict('Your membership changed meanwhile; try again');
      this.onEventsQueued();
      return true;
    });
    if (joined) {
      await this.activity.record({
        workspaceId,
        actorUserId: userId,
        action: 'MEMBER_JOINED',
        targetType: 'USER',
        targetId: userId,
        details: { role, ...details },
        at: now,
      });
    }
  }

  /**
   * Takes a user out of a workspace with its MemberRemoved event, in one guarded update.
   * False when they were no longer in it (already withdrawn: a retry has nothing to do).
   */
  async withdraw(
    userId: string,
    workspaceId: string,
    reason: 'REMOVED_BY_ADMIN' | 'LEFT' | 'ACCOUNT_DELETED',
    at: Date,
  ): Promise<boolean> {
    const event = createEvent(
      'MemberRemoved',
      { workspaceId, userId, reason, removedAt: at.toISOString() },
      { subject: workspaceId, time: at },
    );
    const updated = await this.users.findOneAndUpdate(
      { _id: userId, workspaceId },
      { $set: { workspaceId: null, workspaceRole: null, updatedAt: at }, $push: pushToOutbox(event) },
    );
    if (updated) this.onEventsQueued();
    return updated !== null;
  }

  /**
   * Tombstones the workspace with its WorkspaceDeleted event (naming everyone who pointed to it).
   * Idempotent: an already deleted workspace is left as is. Members are detached afterwards by
   * the WorkspaceDeleted handler; until then reads already treat them as workspace-less.
   */
  async deleteWorkspace(workspaceId: string, reason: WorkspaceDeletionReason, at: Date): Promise<boolean> {
    const formerMembers = await this.users.find({ workspaceId }).select({ _id: 1 }).lean<Array<{ _id: string }>>();
    const event = createEvent(
      'WorkspaceDeleted',
      { workspaceId, reason, formerMemberUserIds: formerMembers.map((member) => member._id), deletedAt: at.toISOString() },
      { subject: workspaceId, time: at },
    );
    const deleted = await this.workspaces.findOneAndUpdate(
      { _id: workspaceId, status: 'ACTIVE' },
      {
        $set: { status: 'DELETED', deletionReason: reason, name: null, membershipLock: null, deletedAt: at, updatedAt: at },
        $push: pushToOutbox(event),
      },
    );
    if (deleted) {
      this.onEventsQueued();
      this.logger.info({ workspaceId, reason }, 'workspace deleted');
    }
    return deleted !== null;
  }

  /** Follow-up of a deletion: clears every pointer to the workspace. Safe to run any number of times. */
  async detachMembers(workspaceId: string): Promise<void> {
    await this.users.updateMany(
      { workspaceId },
      { $set: { workspaceId: null, workspaceRole: null, updatedAt: this.clock.now() } },
    );
  }

  /** BIL-02: the subscription's seats become the member limit; late, older events are ignored. */
  async applySeatLimit(workspaceId: string, seats: number, asOf: Date, eventId: string): Promise<void> {
    const workspace = await this.findActive(workspaceId);
    if (!workspace || !isNewerSeatLimit(workspace, asOf)) return;
    const updated = await this.workspaces.findOneAndUpdate(
      { _id: workspaceId, status: 'ACTIVE', seatLimitAsOf: workspace.seatLimitAsOf },
      { $set: { seatLimit: seats, seatLimitAsOf: asOf, updatedAt: this.clock.now() } },
    );
    if (!updated) throw conflict(`seat limit of workspace ${workspaceId} changed concurrently; retrying`);
    if (updated.seatLimit !== seats) {
      await this.activity.record({
        id: eventId,
        workspaceId,
        actorUserId: null,
        action: 'SEAT_LIMIT_CHANGED',
        targetType: 'WORKSPACE',
        targetId: workspaceId,
        details: { seats: String(seats) },
        at: asOf,
      });
    }
  }

  async countAdmins(workspaceId: string): Promise<number> {
    const admins = await this.users
      .find({ workspaceId, workspaceRole: 'ADMIN', status: { $ne: 'DELETED' } })
      .select({ _id: 1 })
      .lean<Array<{ _id: string }>>();
    return admins.length;
  }

  /**
   * Runs `action` while holding the workspace's membership lease (ACC-05 admin invariant, BIL-02
   * seats). Waits briefly for another holder; a crashed holder's lease expires on its own.
   */
  async withMembershipLock<T>(workspaceId: string, action: (workspace: WorkspaceDocument) => Promise<T>): Promise<T> {
    const holder = randomUUID();
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt += 1) {
      const now = this.clock.now();
      const locked = await this.workspaces
        .findOneAndUpdate(
          { _id: workspaceId, status: 'ACTIVE', $or: [{ membershipLock: null }, { 'membershipLock.expiresAt': { $lte: now } }] },
          { $set: { membershipLock: { holder, expiresAt: new Date(now.getTime() + LOCK_LEASE_MS) } } },
          { new: true },
        )
        .lean<WorkspaceDocument>();
      if (locked) {
        try {
          return await action(locked);
        } finally {
          await this.workspaces.updateOne({ _id: workspaceId, 'membershipLock.holder': holder }, { $set: { membershipLock: null } });
        }
      }
      if (!(await this.workspaces.exists({ _id: workspaceId, status: 'ACTIVE' }))) throw notFound('Workspace not found');
      await sleep(LOCK_RETRY_MS);
    }
    throw conflict('The workspace is busy; try again');
  }

  private async reassertAdmin(userId: string, workspaceId: string): Promise<void> {
    const state = await this.membershipState(userId);
    const admin = assertAdmin(state?.membership ?? null);
    if (admin.workspaceId !== workspaceId) throw forbidden('You are no longer an administrator of this workspace');
  }

  private async requireMember(workspaceId: string, userId: string): Promise<MemberView> {
    const member = await this.users
      .findOne({ _id: userId, workspaceId, status: { $ne: 'DELETED' } })
      .lean<UserDocument>();
    if (!member?.workspaceRole) throw notFound('No such member in your workspace');
    return { userId: member._id, email: member.email, displayName: member.displayName, role: member.workspaceRole };
  }
}
