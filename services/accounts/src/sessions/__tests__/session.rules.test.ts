import { DAY_MS } from '@leadgraph/platform';
import {
  classifyRefreshToken,
  formatRefreshToken,
  loginThrottleKey,
  parseRefreshToken,
  refreshTokenExpiry,
  sessionRefusal,
} from '../session.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const sessionId = '4f1c2b8e-1111-4222-8333-944455556666';

describe('session rules', () => {
  it('refresh tokens carry the session id and a secret, and parse back', () => {
    const token = formatRefreshToken(sessionId, 'A'.repeat(43));
    expect(parseRefreshToken(token)).toEqual({ sessionId, secret: 'A'.repeat(43) });
    expect(parseRefreshToken('garbage')).toBeNull();
    expect(parseRefreshToken(`${sessionId}.short`)).toBeNull();
  });

  it('a refresh token lives a sliding number of days', () => {
    expect(refreshTokenExpiry(now, 30).getTime() - now.getTime()).toBe(30 * DAY_MS);
  });

  it('recognises the current token, a reused (rotated-out) one and an unknown one', () => {
    const session = { refreshTokenHash: 'current', retiredRefreshTokenHashes: ['old-1', 'old-2'] };
    expect(classifyRefreshToken(session, 'current')).toBe('CURRENT');
    expect(classifyRefreshToken(session, 'old-1')).toBe('REUSED');
    expect(classifyRefreshToken(session, 'forged')).toBe('UNKNOWN');
  });

  it('[ACC-03] a session is refused once revoked, expired, or from before a password change', () => {
    const live = { revokedAt: null, expiresAt: new Date(now.getTime() + DAY_MS), credentialsVersion: 2 };
    expect(sessionRefusal(live, 2, now)).toBeNull();
    expect(sessionRefusal({ ...live, revokedAt: now }, 2, now)).toBe('REVOKED');
    expect(sessionRefusal({ ...live, expiresAt: now }, 2, now)).toBe('EXPIRED');
    expect(sessionRefusal(live, 3, now)).toBe('STALE_CREDENTIALS');
  });

  it('counts login failures per e-mail (any case) and client IP', () => {
    expect(loginThrottleKey('Jane@Acme.com ', '10.0.0.1')).toBe('jane@acme.com|10.0.0.1');
    expect(loginThrottleKey('jane@acme.com', null)).toBe('jane@acme.com|unknown-ip');
  });
});
