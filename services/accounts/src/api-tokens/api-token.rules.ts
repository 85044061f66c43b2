import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MINUTE_MS, apiScopeSchema, forbidden, scopesOfRole, type ApiScope, type WorkspaceRole } from '@leadgraph/platform';
import type { ApiTokenDocument } from './api-token.model';

/** The gateway tells partner tokens from access tokens by this prefix. */
export const API_TOKEN_SECRET_PREFIX = 'lg_';
/** Shown in lists so people can tell their tokens apart: `lg_` and six characters of the secret. */
export const DISPLAY_PREFIX_LENGTH = API_TOKEN_SECRET_PREFIX.length + 6;
/** lastUsedAt is a hint for people, not an audit trail: one write a minute per token is plenty. */
export const LAST_USE_RECORDING_INTERVAL_MS = MINUTE_MS;

export function createApiTokenInputSchema(now: Date) {
  return z.object({
    name: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    scopes: z
      .array(apiScopeSchema)
      .min(1, 'must name at least one scope')
      .transform((scopes) => [...new Set(scopes)]),
    expiresAt: z
      .date()
      .nullish()
      .refine((expiresAt) => !expiresAt || expiresAt.getTime() > now.getTime(), 'must be in the future')
      .transform((expiresAt) => expiresAt ?? null),
  });
}

/** ACC-08: a token can never do more than the user who created it. */
export function assertScopesWithinRole(requested: readonly ApiScope[], role: WorkspaceRole | null): void {
  const allowed = scopesOfRole(role);
  const beyond = requested.find((scope) => !allowed.includes(scope));
  if (beyond) throw forbidden(`Your role does not allow the scope ${beyond}`, beyond);
}

/** Checked on every use, against the creator's role at that moment, not the one at creation. */
export function effectiveScopes(tokenScopes: readonly ApiScope[], creatorRole: WorkspaceRole | null): ApiScope[] {
  const allowed = scopesOfRole(creatorRole);
  return tokenScopes.filter((scope) => allowed.includes(scope));
}

export function isTokenUsable(token: Pick<ApiTokenDocument, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  if (token.revokedAt) return false;
  return token.expiresAt === null || token.expiresAt.getTime() > now.getTime();
}

export function shouldRecordUse(token: Pick<ApiTokenDocument, 'lastUsedAt'>, now: Date): boolean {
  return token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() >= LAST_USE_RECORDING_INTERVAL_MS;
}

/** Only the creator and the workspace's administrators may revoke a token. */
export function assertCanRevoke(
  token: Pick<ApiTokenDocument, 'createdByUserId' | 'workspaceId'>,
  actor: { userId: string; workspaceId: string | null; role: WorkspaceRole | null },
): void {
  if (token.createdByUserId === actor.userId) return;
  if (actor.role === 'ADMIN' && actor.workspaceId === token.workspaceId) return;
  throw forbidden('Only the token creator or a workspace administrator can revoke it');
}

export function apiTokenSecretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
