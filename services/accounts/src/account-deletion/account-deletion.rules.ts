import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MINUTE_MS, badInput, rateLimited } from '@leadgraph/platform';
import type { Membership } from '../workspaces/workspace.rules';
import type { AccountDeletionDocument, AccountDeletionOutcome } from './account-deletion.model';

export const DELETION_CODE_TTL_MS = 15 * MINUTE_MS;
export const DELETION_CODE_MAX_ATTEMPTS = 5;
/** A new code can be asked for once a minute. */
export const DELETION_CODE_RESEND_INTERVAL_MS = MINUTE_MS;
export const DELETION_CODE_DIGITS = 6;

export const confirmAccountDeletionInputSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(new RegExp(`^\\d{${DELETION_CODE_DIGITS}}$`), `must be the ${DELETION_CODE_DIGITS}-digit code we sent you`),
});

/**
 * ACC-06: the only administrator takes the workspace with them (deleted for everyone); anyone
 * else is simply withdrawn; a user outside any workspace affects none.
 */
export function deletionOutcome(membership: Membership | null, adminCount: number): AccountDeletionOutcome {
  if (!membership) return { deletedWorkspaceId: null, leftWorkspaceId: null };
  if (membership.role === 'ADMIN' && adminCount <= 1) {
    return { deletedWorkspaceId: membership.workspaceId, leftWorkspaceId: null };
  }
  return { deletedWorkspaceId: null, leftWorkspaceId: membership.workspaceId };
}

/** Asking again within the interval is refused, so the mailbox cannot be flooded. */
export function assertCanSendCode(request: Pick<AccountDeletionDocument, 'codeSentAt'> | null, now: Date): void {
  if (!request?.codeSentAt) return;
  const waitMs = request.codeSentAt.getTime() + DELETION_CODE_RESEND_INTERVAL_MS - now.getTime();
  if (waitMs > 0) throw rateLimited(Math.ceil(waitMs / 1000));
}

/** A PENDING code can still be tried: not expired, attempts left. */
export function isCodeOpen(
  request: Pick<AccountDeletionDocument, 'status' | 'codeHash' | 'codeExpiresAt' | 'attempts'>,
  now: Date,
): boolean {
  return (
    request.status === 'PENDING' &&
    request.codeHash !== null &&
    request.codeExpiresAt !== null &&
    request.codeExpiresAt.getTime() > now.getTime() &&
    request.attempts < DELETION_CODE_MAX_ATTEMPTS
  );
}

export function deletionCodeHash(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

export function codeMatches(request: Pick<AccountDeletionDocument, 'codeHash' | 'codeSalt'>, code: string): boolean {
  if (!request.codeHash || !request.codeSalt) return false;
  const expected = Buffer.from(request.codeHash, 'hex');
  const presented = Buffer.from(deletionCodeHash(request.codeSalt, code), 'hex');
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** Wrong, expired, exhausted or unknown codes all get this one answer. */
export function invalidDeletionCode() {
  return badInput('code', 'code: this code is invalid or has expired; ask for a new one');
}
