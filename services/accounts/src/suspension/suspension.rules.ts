import { z } from 'zod';
import { DAY_MS, type StaffRole } from '@leadgraph/platform';
import type { UserDocument } from '../users/user.model';

/** Suspension rules (ACC-07). Pure. */

/** Not regularised within this many days, the subscription is terminated for fault (BIL-12, billing). */
export const REGULARISATION_PERIOD_DAYS = 7;

export function regularisationDeadline(suspendedAt: Date): Date {
  return new Date(suspendedAt.getTime() + REGULARISATION_PERIOD_DAYS * DAY_MS);
}

export const suspendAccountInputSchema = z.object({
  userId: z.string().trim().min(1, { message: 'is required' }).max(64, { message: 'is too long' }),
  reason: z
    .string()
    .trim()
    .min(10, { message: 'must state the breach in at least 10 characters' })
    .max(1000, { message: 'must be at most 1000 characters' }),
});

export const liftSuspensionInputSchema = z.object({
  userId: z.string().trim().min(1, { message: 'is required' }).max(64, { message: 'is too long' }),
});

/**
 * Null when `actor` may suspend `target`. Staff cannot suspend themselves, and only a super
 * admin may suspend another staff member (support cannot lock out its own supervisors).
 */
export function suspensionProblem(
  actor: { userId: string; staffRoles: readonly StaffRole[] },
  target: Pick<UserDocument, '_id' | 'status' | 'staffRoles'>,
): { code: 'BAD_USER_INPUT' | 'FORBIDDEN' | 'CONFLICT'; message: string } | null {
  if (actor.userId === target._id) return { code: 'BAD_USER_INPUT', message: 'userId: you cannot suspend your own account' };
  if (target.staffRoles.length > 0 && !actor.staffRoles.includes('SUPER_ADMIN')) {
    return { code: 'FORBIDDEN', message: 'Only a super admin can suspend a staff member' };
  }
  if (target.status === 'SUSPENDED') return { code: 'CONFLICT', message: 'userId: the account is already suspended' };
  if (target.status !== 'ACTIVE') return { code: 'BAD_USER_INPUT', message: 'userId: only an active account can be suspended' };
  return null;
}
