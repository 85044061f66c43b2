import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DAY_MS, badInput, normaliseEmail } from '@leadgraph/platform';
import { workspaceRoleSchema } from '../workspaces/workspace.rules';
import type { InvitationDocument } from './invitation.model';

/** How long a mailed invitation link stays valid. */
export const INVITATION_TTL_MS = 7 * DAY_MS;

export const inviteMemberInputSchema = z.object({
  email: z
    .string()
    .trim()
    .max(254, 'is too long')
    .pipe(z.email('must be an e-mail address'))
    .transform(normaliseEmail),
  role: workspaceRoleSchema,
});

export const invitationTokenInputSchema = z.object({
  token: z.string().trim().min(1, 'is required').max(4096, 'is too long'),
});

export type InvitationStatus = InvitationDocument['status'] | 'EXPIRED';

/** Expiry is decided on read: the embedded server never expires documents by itself. */
export function invitationStatus(invitation: Pick<InvitationDocument, 'status' | 'expiresAt'>, now: Date): InvitationStatus {
  if (invitation.status === 'PENDING' && invitation.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return invitation.status;
}

/**
 * ACCEPT a pending invitation addressed to the user's own e-mail; RESUME an acceptance this user
 * already claimed but that did not finish (crash, retried request); REFUSE anything else.
 */
export type AcceptanceDecision = 'ACCEPT' | 'RESUME' | 'REFUSE';

export function acceptanceDecision(
  invitation: Pick<InvitationDocument, 'status' | 'expiresAt' | 'email' | 'acceptedByUserId' | 'acceptedAt'>,
  user: { id: string; email: string | null },
  now: Date,
): AcceptanceDecision {
  if (!user.email || normaliseEmail(user.email) !== invitation.email) return 'REFUSE';
  const status = invitationStatus(invitation, now);
  if (status === 'PENDING') return 'ACCEPT';
  if (status === 'ACCEPTED' && invitation.acceptedByUserId === user.id && invitation.acceptedAt === null) return 'RESUME';
  return 'REFUSE';
}

/**
 * One answer for forged, expired, revoked, used or someone else's invitations: the caller learns
 * nothing about which it was, nor about the accounts involved.
 */
export function invalidInvitation() {
  return badInput('token', 'token: this invitation is invalid or has expired');
}

/** What is stored instead of the token itself. */
export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
