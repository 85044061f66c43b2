import { z } from 'zod';
import { conflict, forbidden, unauthenticated, type WorkspaceRole } from '@leadgraph/platform';
import type { UserDocument } from '../users/user.model';
import type { WorkspaceDocument } from './workspace.model';

/** What a user's membership amounts to once dangling pointers are discounted. */
export interface Membership {
  workspaceId: string;
  role: WorkspaceRole;
}

export const workspaceNameSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(80, 'must be at most 80 characters');

export const workspaceRoleSchema = z.enum(['ADMIN', 'MEMBER']);

/**
 * A pointer to a missing workspace (crash between claiming the user and inserting the workspace)
 * or to a DELETED one (its members may not be detached yet) counts as no membership.
 */
export function effectiveMembership(
  user: Pick<UserDocument, 'workspaceId' | 'workspaceRole'>,
  workspace: Pick<WorkspaceDocument, '_id' | 'status'> | null,
): Membership | null {
  if (!user.workspaceId || !user.workspaceRole) return null;
  if (!workspace || workspace._id !== user.workspaceId || workspace.status !== 'ACTIVE') return null;
  return { workspaceId: workspace._id, role: user.workspaceRole };
}

/** ACC-05: one workspace per user; a second one needs leaving the first. */
export function assertNotInWorkspace(membership: Membership | null): void {
  if (membership) throw conflict('You already belong to a workspace; leave it first');
}

export function assertMember(membership: Membership | null): Membership {
  if (!membership) throw forbidden('You do not belong to a workspace');
  return membership;
}

/** ACC-05: inviting, removing, changing roles and reading the activity log are for administrators. */
export function assertAdmin(membership: Membership | null): Membership {
  const member = assertMember(membership);
  if (member.role !== 'ADMIN') throw forbidden('This needs the workspace administrator role');
  return member;
}

/** ACC-05: a workspace always keeps at least one administrator. */
export function assertKeepsAnAdministrator(change: {
  currentRole: WorkspaceRole;
  newRole: WorkspaceRole | null;
  adminCount: number;
}): void {
  const losesAnAdmin = change.currentRole === 'ADMIN' && change.newRole !== 'ADMIN';
  if (losesAnAdmin && change.adminCount <= 1) {
    throw conflict('A workspace needs at least one administrator: appoint another one first');
  }
}

/**
 * Leaving: the last administrator cannot walk away from members (they would be left without an
 * administrator); alone, they must delete the workspace instead, which is a separate decision.
 */
export function assertCanLeave(leaver: { role: WorkspaceRole; adminCount: number; memberCount: number }): void {
  if (leaver.role !== 'ADMIN' || leaver.adminCount > 1) return;
  if (leaver.memberCount > 1) {
    throw conflict('You are the last administrator: appoint another administrator before leaving');
  }
  throw conflict('You are the only member: delete the workspace or your account instead of leaving');
}

/** BIL-02: a workspace cannot hold more members than its subscription's seats. */
export function assertFreeSeat(workspace: { seatLimit: number | null; memberCount: number }): void {
  if (workspace.seatLimit !== null && workspace.memberCount >= workspace.seatLimit) {
    throw conflict('The workspace has no free seat: add seats to the subscription first');
  }
}

/** Removing someone is for administrators, and never oneself (that is leaving). */
export function assertCanRemove(removal: { actorUserId: string; targetUserId: string }): void {
  if (removal.actorUserId === removal.targetUserId) {
    throw conflict('Use leaveWorkspace to leave your own workspace');
  }
}

/** Seat limits follow subscription events, which may arrive out of order: only newer ones apply. */
export function isNewerSeatLimit(current: Pick<WorkspaceDocument, 'seatLimitAsOf'>, eventTime: Date): boolean {
  return current.seatLimitAsOf === null || current.seatLimitAsOf.getTime() <= eventTime.getTime();
}

/** Only ACTIVE accounts act in workspaces: unverified, suspended (ACC-07) and deleted ones cannot. */
export function assertActiveAccount<U extends Pick<UserDocument, 'status'>>(user: U | null): U {
  if (!user || user.status === 'DELETED') throw unauthenticated('This account no longer exists');
  if (user.status === 'SUSPENDED') throw forbidden('Your account is suspended');
  if (user.status !== 'ACTIVE') throw forbidden('Validate your e-mail address first');
  return user;
}
