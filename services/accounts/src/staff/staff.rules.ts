import { z } from 'zod';
import { staffRoles, type StaffRole } from '@leadgraph/platform';
import type { UserDocument } from '../users/user.model';

/** Staff role rules: who may grant or revoke what. Pure. */

export const staffRoleChangeInputSchema = z.object({
  userId: z.string().trim().min(1, { message: 'is required' }).max(64, { message: 'is too long' }),
  role: z.enum(staffRoles),
});

export type StaffRoleChange = 'GRANT' | 'REVOKE';

/**
 * Null when `actor` may apply the change to `target`; otherwise why not. Only a SUPER_ADMIN
 * changes staff roles, and a super admin cannot drop their own SUPER_ADMIN role (no lock-out).
 */
export function staffRoleChangeProblem(
  actor: { userId: string; staffRoles: readonly StaffRole[] },
  target: Pick<UserDocument, '_id' | 'status'>,
  change: StaffRoleChange,
  role: StaffRole,
): { code: 'FORBIDDEN' | 'BAD_USER_INPUT'; field?: string; message: string } | null {
  if (!actor.staffRoles.includes('SUPER_ADMIN')) {
    return { code: 'FORBIDDEN', message: 'Only a super admin can grant or revoke staff roles' };
  }
  if (change === 'REVOKE' && role === 'SUPER_ADMIN' && actor.userId === target._id) {
    return { code: 'BAD_USER_INPUT', field: 'role', message: 'role: a super admin cannot revoke their own SUPER_ADMIN role' };
  }
  if (change === 'GRANT' && target.status !== 'ACTIVE') {
    return { code: 'BAD_USER_INPUT', field: 'userId', message: 'userId: staff roles go to active, verified accounts only' };
  }
  return null;
}

/** Whether applying the change would alter anything (an idempotent repeat writes no audit entry). */
export function staffRoleChangeIsNoop(current: readonly StaffRole[], change: StaffRoleChange, role: StaffRole): boolean {
  return change === 'GRANT' ? current.includes(role) : !current.includes(role);
}
