import { signAccessToken, verifyAccessToken, ACCESS_TOKEN_TTL_SECONDS } from '../access-token';
import { signIdentity, verifyIdentity } from '../identity-header';
import { identifierHash, normaliseProfileUrl } from '../identifier-hash';
import { requireScope, requireUser, type Caller } from '../caller';
import { scopesOfRole } from '../scopes';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const now = new Date('2026-11-23T10:00:00Z');
const user: Caller = {
  kind: 'user',
  userId: 'u1',
  sessionId: 's1',
  workspaceId: 'w1',
  workspaceRole: 'MEMBER',
  staffRoles: [],
  scopes: scopesOfRole('MEMBER'),
};

describe('signed identity header and access tokens', () => {
  it('round-trips a caller signed by the gateway and refuses other keys and expired headers', async () => {
    const header = await signIdentity(user, secret, now);
    expect(await verifyIdentity(header, secret, now)).toEqual(user);
    expect(await verifyIdentity(header, `${secret}x`, now)).toBeNull();
    expect(await verifyIdentity(header, secret, new Date(now.getTime() + 120_000))).toBeNull();
    expect(await verifyIdentity(undefined, secret, now)).toBeNull();
  });

  it('access tokens verify until they expire', async () => {
    const { token, expiresAt } = await signAccessToken({ userId: 'u1', sessionId: 's1' }, secret, now);
    expect(expiresAt.getTime() - now.getTime()).toBe(ACCESS_TOKEN_TTL_SECONDS * 1000);
    expect(await verifyAccessToken(token, secret, now)).toEqual({ userId: 'u1', sessionId: 's1' });
    expect(await verifyAccessToken(token, secret, new Date(expiresAt.getTime() + 1000))).toBeNull();
    expect(await verifyAccessToken(`${token}x`, secret, now)).toBeNull();
  });
});

describe('scopes and keyed identifier hashes', () => {
  it('[ACC-08] members cannot read analytics; admins can', () => {
    expect(scopesOfRole('MEMBER')).not.toContain('analytics:read');
    expect(scopesOfRole('ADMIN')).toContain('analytics:read');
    expect(() => requireScope(user, 'analytics:read')).toThrow(/analytics:read/);
    expect(requireScope(user, 'contacts:read')).toBe(user);
  });

  it('API tokens cannot use user-only operations', () => {
    const token: Caller = { kind: 'apiToken', tokenId: 't', userId: 'u1', workspaceId: 'w1', scopes: ['contacts:read'] };
    expect(() => requireUser(token)).toThrow(/signed-in user/);
  });

  it('hashes normalised identifiers with a key, so equal identifiers match and keys matter', () => {
    const key = { secret, version: 1 };
    expect(identifierHash('EMAIL', ' Jane@Acme.COM ', key)).toBe(identifierHash('EMAIL', 'jane@acme.com', key));
    expect(identifierHash('EMAIL', 'jane@acme.com', key)).not.toBe(identifierHash('EMAIL', 'jane@acme.com', { secret: `${secret}2`, version: 2 }));
    expect(normaliseProfileUrl('https://www.LinkedIn.com/in/Jane-Doe/')).toBe('linkedin.com/in/jane-doe');
    expect(normaliseProfileUrl('fr.linkedin.com/in/jane-doe')).toBe('linkedin.com/in/jane-doe');
  });
});
