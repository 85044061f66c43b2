import { staffRoleChangeInputSchema, staffRoleChangeIsNoop, staffRoleChangeProblem } from '../staff.rules';

const superAdmin = { userId: 'admin', staffRoles: ['SUPER_ADMIN' as const] };
const support = { userId: 'support', staffRoles: ['SUPPORT' as const] };
const target = { _id: 'target', status: 'ACTIVE' as const };

describe('staff role rules', () => {
  it('only a super admin grants or revokes staff roles', () => {
    expect(staffRoleChangeProblem(superAdmin, target, 'GRANT', 'SUPPORT')).toBeNull();
    expect(staffRoleChangeProblem(superAdmin, target, 'REVOKE', 'SUPPORT')).toBeNull();
    expect(staffRoleChangeProblem(support, target, 'GRANT', 'SUPPORT')?.code).toBe('FORBIDDEN');
    expect(staffRoleChangeProblem({ userId: 'x', staffRoles: ['PRIVACY_OFFICER', 'BILLING_ADMIN'] }, target, 'REVOKE', 'SUPPORT')?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('a super admin cannot revoke their own SUPER_ADMIN role (nobody could give it back)', () => {
    const self = { _id: 'admin', status: 'ACTIVE' as const };
    expect(staffRoleChangeProblem(superAdmin, self, 'REVOKE', 'SUPER_ADMIN')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'role' });
    expect(staffRoleChangeProblem(superAdmin, self, 'GRANT', 'SUPPORT')).toBeNull();
  });

  it('roles are granted to active, verified accounts only', () => {
    expect(staffRoleChangeProblem(superAdmin, { _id: 't', status: 'PENDING_VERIFICATION' }, 'GRANT', 'SUPPORT')?.field).toBe('userId');
    expect(staffRoleChangeProblem(superAdmin, { _id: 't', status: 'SUSPENDED' }, 'REVOKE', 'SUPPORT')).toBeNull();
  });

  it('a repeated change is a no-op and writes no second audit entry', () => {
    expect(staffRoleChangeIsNoop(['SUPPORT'], 'GRANT', 'SUPPORT')).toBe(true);
    expect(staffRoleChangeIsNoop([], 'REVOKE', 'SUPPORT')).toBe(true);
    expect(staffRoleChangeIsNoop([], 'GRANT', 'SUPPORT')).toBe(false);
  });

  it('validates the role and the user id', () => {
    expect(staffRoleChangeInputSchema.safeParse({ userId: 'u', role: 'GOD' }).error?.issues[0]?.path).toEqual(['role']);
    expect(staffRoleChangeInputSchema.safeParse({ userId: ' ', role: 'SUPPORT' }).error?.issues[0]?.path).toEqual(['userId']);
  });
});
