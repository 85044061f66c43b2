import { DAY_MS } from '@leadgraph/platform';
import type { SessionDocument } from './session.model';

/** Session and refresh-token rules. Pure: no I/O, time passed in. */

/** Refresh tokens are `<sessionId>.<secret>`: the id finds the session, only the secret's hash is stored. */
export function formatRefreshToken(sessionId: string, secret: string): string {
  return `${sessionId}.${secret}`;
}

export function parseRefreshToken(token: string): { sessionId: string; secret: string } | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{32,128})$/.exec(token.trim());
  if (!match?.[1] || !match[2]) return null;
  return { sessionId: match[1], secret: match[2] };
}

export function refreshTokenExpiry(now: Date, ttlDays: number): Date {
  return new Date(now.getTime() + ttlDays * DAY_MS);
}

/** Bound on remembered retired tokens: enough for any realistic session, keeps the document small. */
export const RETIRED_REFRESH_TOKENS_KEPT = 50;

export type PresentedRefreshToken = 'CURRENT' | 'REUSED' | 'UNKNOWN';

/** A retired token presented again was stolen or replayed: the caller revokes the whole family. */
export function classifyRefreshToken(
  session: Pick<SessionDocument, 'refreshTokenHash' | 'retiredRefreshTokenHashes'>,
  presentedHash: string,
): PresentedRefreshToken {
  if (session.refreshTokenHash === presentedHash) return 'CURRENT';
  if (session.retiredRefreshTokenHashes.includes(presentedHash)) return 'REUSED';
  return 'UNKNOWN';
}

export type SessionRefusal = 'REVOKED' | 'EXPIRED' | 'STALE_CREDENTIALS';

/** Why a session can no longer be used (null: it can). */
export function sessionRefusal(
  session: Pick<SessionDocument, 'revokedAt' | 'expiresAt' | 'credentialsVersion'>,
  userCredentialsVersion: number,
  now: Date,
): SessionRefusal | null {
  if (session.revokedAt) return 'REVOKED';
  if (session.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  // A password change bumps the user's version: sessions of older generations are dead (ACC-03).
  if (session.credentialsVersion !== userCredentialsVersion) return 'STALE_CREDENTIALS';
  return null;
}

/** Failed logins are counted per e-mail and client IP together (so one attacker cannot lock a user out everywhere). */
export function loginThrottleKey(email: string, clientIp: string | null): string {
  return `${email.trim().toLowerCase()}|${clientIp ?? 'unknown-ip'}`;
}
