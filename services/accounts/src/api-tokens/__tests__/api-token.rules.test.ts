import { DomainError, ErrorCode } from '@leadgraph/platform';
import {
  LAST_USE_RECORDING_INTERVAL_MS,
  apiTokenSecretHash,
  assertCanRevoke,
  assertScopesWithinRole,
  createApiTokenInputSchema,
  effectiveScopes,
  isTokenUsable,
  shouldRecordUse,
} from '../api-token.rules';

const now = new Date('2026-06-01T08:00:00.000Z');

function errorOf(action: () => unknown): DomainError | null {
  try {
    action();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

describe('API token rules', () => {
  it('[ACC-08] a member cannot create a token with a scope their role lacks; the error names it', () => {
    const error = errorOf(() => assertScopesWithinRole(['contacts:read', 'analytics:read'], 'MEMBER'));
    expect(error?.code).toBe(ErrorCode.FORBIDDEN);
    expect(error?.details.requiredScope).toBe('analytics:read');
  });

  it('[ACC-08] scopes within the role are accepted', () => {
    expect(errorOf(() => assertScopesWithinRole(['contacts:read', 'analytics:read'], 'ADMIN'))).toBeNull();
    expect(errorOf(() => assertScopesWithinRole(['contacts:reveal'], 'MEMBER'))).toBeNull();
  });

  it('[ACC-08] a token can never do more than its creator can do now', () => {
    expect(effectiveScopes(['contacts:read', 'analytics:read'], 'ADMIN')).toEqual(['contacts:read', 'analytics:read']);
    // The creator was demoted after creating the token.
    expect(effectiveScopes(['contacts:read', 'analytics:read'], 'MEMBER')).toEqual(['contacts:read']);
  });

  it('[ACC-08] revoked or expired tokens are not usable; tokens without expiry are', () => {
    expect(isTokenUsable({ revokedAt: null, expiresAt: null }, now)).toBe(true);
    expect(isTokenUsable({ revokedAt: now, expiresAt: null }, now)).toBe(false);
    expect(isTokenUsable({ revokedAt: null, expiresAt: now }, now)).toBe(false);
    expect(isTokenUsable({ revokedAt: null, expiresAt: new Date(now.getTime() + 1000) }, now)).toBe(true);
  });

  it('[ACC-08] last use is recorded at most once per interval', () => {
    expect(shouldRecordUse({ lastUsedAt: null }, now)).toBe(true);
    expect(shouldRecordUse({ lastUsedAt: new Date(now.getTime() - 1000) }, now)).toBe(false);
    expect(shouldRecordUse({ lastUsedAt: new Date(now.getTime() - LAST_USE_RECORDING_INTERVAL_MS) }, now)).toBe(true);
  });

  it('[ACC-08] the creator or an administrator of the token\'s workspace may revoke it', () => {
    const token = { createdByUserId: 'creator', workspaceId: 'w1' };
    expect(errorOf(() => assertCanRevoke(token, { userId: 'creator', workspaceId: null, role: null }))).toBeNull();
    expect(errorOf(() => assertCanRevoke(token, { userId: 'admin', workspaceId: 'w1', role: 'ADMIN' }))).toBeNull();
    expect(errorOf(() => assertCanRevoke(token, { userId: 'member', workspaceId: 'w1', role: 'MEMBER' }))?.code).toBe(ErrorCode.FORBIDDEN);
    expect(errorOf(() => assertCanRevoke(token, { userId: 'other-admin', workspaceId: 'w2', role: 'ADMIN' }))?.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('[ACC-08] input: a name, known scopes (deduplicated), an optional future expiry', () => {
    const schema = createApiTokenInputSchema(now);
    expect(schema.parse({ name: ' CRM sync ', scopes: ['contacts:read', 'contacts:read'] })).toEqual({
      name: 'CRM sync',
      scopes: ['contacts:read'],
      expiresAt: null,
    });
    const unknownScope = schema.safeParse({ name: 'x', scopes: ['contacts:delete'] });
    expect(unknownScope.success ? null : unknownScope.error.issues[0]?.path).toEqual(['scopes', 0]);
    expect(schema.safeParse({ name: 'x', scopes: [] }).success).toBe(false);
    expect(schema.safeParse({ name: 'x', scopes: ['contacts:read'], expiresAt: now }).success).toBe(false);
    expect(schema.safeParse({ name: '', scopes: ['contacts:read'] }).success).toBe(false);
  });

  it('[ACC-08] secrets are stored as their SHA-256', () => {
    expect(apiTokenSecretHash('lg_secret')).toMatch(/^[0-9a-f]{64}$/);
  });
});
