import { z } from 'zod';
import { DAY_MS } from '@leadgraph/platform';
import { emailSchema, isBusinessEmail } from '../auth/auth.rules';
import type { ReferralInvitationDocument } from './referral.model';

/** Referral invitation rules. Pure. */

/** Unanswered invitations are purged after this many days (about 3 months). */
export const REFERRAL_RETENTION_DAYS = 92;

export function referralExpiry(createdAt: Date): Date {
  return new Date(createdAt.getTime() + REFERRAL_RETENTION_DAYS * DAY_MS);
}

export const inviteReferralInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'is required' })
    .max(100, { message: 'must be at most 100 characters' })
    .refine((name) => !/[<>\u0000-\u001f]/.test(name), { message: 'contains characters that are not allowed' }),
  email: emailSchema,
});
export type InviteReferralInput = z.infer<typeof inviteReferralInputSchema>;

/** Null when the referrer may invite this address; else the field at fault and why. */
export function invitationProblem(referrerEmail: string | null, input: InviteReferralInput): { field: string; message: string } | null {
  if (referrerEmail && referrerEmail.toLowerCase() === input.email) {
    return { field: 'email', message: 'email: you cannot invite yourself' };
  }
  // Only a business address can ever sign up (ACC-01), so only such an invitation can pay off.
  if (!isBusinessEmail(input.email)) return { field: 'email', message: 'email: invite a business address; free-mail providers cannot sign up' };
  return null;
}

/** An invitation pays off when its invitee verifies before it is purged, and only once. */
export function earnsReward(invitation: Pick<ReferralInvitationDocument, 'status' | 'expiresAt'>, verifiedAt: Date): boolean {
  return invitation.status === 'PENDING' && invitation.expiresAt.getTime() > verifiedAt.getTime();
}

/** Several referrers may have invited the same person: the earliest live invitation wins. */
export function rewardedInvitation<T extends Pick<ReferralInvitationDocument, 'status' | 'expiresAt' | 'createdAt'>>(
  invitations: readonly T[],
  verifiedAt: Date,
): T | null {
  const eligible = invitations.filter((invitation) => earnsReward(invitation, verifiedAt));
  eligible.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return eligible[0] ?? null;
}

export function isPurgeDue(invitation: Pick<ReferralInvitationDocument, 'status' | 'expiresAt'>, now: Date): boolean {
  return invitation.status === 'PENDING' && invitation.expiresAt.getTime() <= now.getTime();
}
