import { DomainError, ErrorCode } from '@leadgraph/platform';
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
} from '../workspace.rules';

function codeOf(action: () => unknown): ErrorCode | null {
  try {
    action();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('workspace rules', () => {
  describe('effective membership', () => {
    const user = { workspaceId: 'w1', workspaceRole: 'ADMIN' as const };

    it('[ACC-05] a user pointing to an ACTIVE workspace is a member with their role', () => {
      expect(effectiveMembership(user, { _id: 'w1', status: 'ACTIVE' })).toEqual({ workspaceId: 'w1', role: 'ADMIN' });
    });

    it('[ACC-05] a pointer to a missing workspace (crash between claim and insert) counts as no workspace', () => {
      expect(effectiveMembership(user, null)).toBeNull();
    });

    it('[ACC-06] a pointer to a DELETED workspace counts as no workspace before members are detached', () => {
      expect(effectiveMembership(user, { _id: 'w1', status: 'DELETED' })).toBeNull();
    });

    it('a user without pointer or role has no workspace', () => {
      expect(effectiveMembership({ workspaceId: null, workspaceRole: null }, null)).toBeNull();
      expect(effectiveMembership({ workspaceId: 'w1', workspaceRole: null }, { _id: 'w1', status: 'ACTIVE' })).toBeNull();
    });

    it('a workspace other than the pointed one does not make a membership', () => {
      expect(effectiveMembership(user, { _id: 'w2', status: 'ACTIVE' })).toBeNull();
    });
  });

  it('[ACC-05] a user already in a workspace cannot create or join another one', () => {
    expect(codeOf(() => assertNotInWorkspace({ workspaceId: 'w1', role: 'MEMBER' }))).toBe(ErrorCode.CONFLICT);
    expect(codeOf(() => assertNotInWorkspace(null))).toBeNull();
  });

  it('[ACC-05] administrator-only actions refuse members and outsiders', () => {
    expect(codeOf(() => assertAdmin({ workspaceId: 'w1', role: 'MEMBER' }))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertAdmin(null))).toBe(ErrorCode.FORBIDDEN);
    expect(assertAdmin({ workspaceId: 'w1', role: 'ADMIN' })).toEqual({ workspaceId: 'w1', role: 'ADMIN' });
    expect(codeOf(() => assertMember(null))).toBe(ErrorCode.FORBIDDEN);
  });

  describe('[ACC-05] a workspace always keeps at least one administrator', () => {
    it('demoting the only administrator is refused', () => {
      expect(codeOf(() => assertKeepsAnAdministrator({ currentRole: 'ADMIN', newRole: 'MEMBER', adminCount: 1 }))).toBe(ErrorCode.CONFLICT);
    });

    it('removing the only administrator is refused', () => {
      expect(codeOf(() => assertKeepsAnAdministrator({ currentRole: 'ADMIN', newRole: null, adminCount: 1 }))).toBe(ErrorCode.CONFLICT);
    });

    it('demoting one of two administrators is allowed', () => {
      expect(codeOf(() => assertKeepsAnAdministrator({ currentRole: 'ADMIN', newRole: 'MEMBER', adminCount: 2 }))).toBeNull();
    });

    it('changing a member never threatens the administrators', () => {
      expect(codeOf(() => assertKeepsAnAdministrator({ currentRole: 'MEMBER', newRole: 'ADMIN', adminCount: 1 }))).toBeNull();
      expect(codeOf(() => assertKeepsAnAdministrator({ currentRole: 'MEMBER', newRole: null, adminCount: 1 }))).toBeNull();
    });
  });

  describe('[ACC-05] leaving', () => {
    it('a member may always leave', () => {
      expect(codeOf(() => assertCanLeave({ role: 'MEMBER', adminCount: 1, memberCount: 5 }))).toBeNull();
    });

    it('the last administrator cannot leave while other members remain', () => {
      expect(codeOf(() => assertCanLeave({ role: 'ADMIN', adminCount: 1, memberCount: 3 }))).toBe(ErrorCode.CONFLICT);
    });

    it('the sole member-administrator is told to delete instead of leaving an empty workspace', () => {
      expect(codeOf(() => assertCanLeave({ role: 'ADMIN', adminCount: 1, memberCount: 1 }))).toBe(ErrorCode.CONFLICT);
    });

    it('one of several administrators may leave', () => {
      expect(codeOf(() => assertCanLeave({ role: 'ADMIN', adminCount: 2, memberCount: 3 }))).toBeNull();
    });
  });

  it('[ACC-05] an administrator removes others, not themselves (that is leaving)', () => {
    expect(codeOf(() => assertCanRemove({ actorUserId: 'a', targetUserId: 'a' }))).toBe(ErrorCode.CONFLICT);
    expect(codeOf(() => assertCanRemove({ actorUserId: 'a', targetUserId: 'b' }))).toBeNull();
  });

  describe('[BIL-02] seats', () => {
    it('a workspace cannot hold more members than seats', () => {
      expect(codeOf(() => assertFreeSeat({ seatLimit: 3, memberCount: 3 }))).toBe(ErrorCode.CONFLICT);
      expect(codeOf(() => assertFreeSeat({ seatLimit: 3, memberCount: 4 }))).toBe(ErrorCode.CONFLICT);
    });

    it('a free seat lets one more in', () => {
      expect(codeOf(() => assertFreeSeat({ seatLimit: 3, memberCount: 2 }))).toBeNull();
    });

    it('without a subscription there is no seat limit', () => {
      expect(codeOf(() => assertFreeSeat({ seatLimit: null, memberCount: 50 }))).toBeNull();
    });

    it('a seat limit from an older subscription event than the one applied is ignored', () => {
      const applied = { seatLimitAsOf: new Date('2026-02-01T00:00:00Z') };
      expect(isNewerSeatLimit(applied, new Date('2026-01-15T00:00:00Z'))).toBe(false);
      expect(isNewerSeatLimit(applied, new Date('2026-02-02T00:00:00Z'))).toBe(true);
      expect(isNewerSeatLimit({ seatLimitAsOf: null }, new Date('2026-01-15T00:00:00Z'))).toBe(true);
    });
  });

  it('[ACC-07] only ACTIVE accounts act in workspaces', () => {
    expect(codeOf(() => assertActiveAccount({ status: 'ACTIVE' }))).toBeNull();
    expect(codeOf(() => assertActiveAccount({ status: 'SUSPENDED' }))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertActiveAccount({ status: 'PENDING_VERIFICATION' }))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertActiveAccount({ status: 'DELETED' }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(codeOf(() => assertActiveAccount(null))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('workspace names are trimmed and between 2 and 80 characters', () => {
    expect(workspaceNameSchema.parse('  Acme sales ')).toBe('Acme sales');
    expect(workspaceNameSchema.safeParse('A').success).toBe(false);
    expect(workspaceNameSchema.safeParse('x'.repeat(81)).success).toBe(false);
  });
});
