import { z } from 'zod';

/** Scopes a partner API token can carry (ACC-08). */
export const apiScopes = ['contacts:read', 'contacts:reveal', 'contacts:export', 'billing:read', 'analytics:read'] as const;
export type ApiScope = (typeof apiScopes)[number];
export const apiScopeSchema = z.enum(apiScopes);

export const workspaceRoles = ['ADMIN', 'MEMBER'] as const;
export type WorkspaceRole = (typeof workspaceRoles)[number];

/** Internal staff roles for the platform's own admin tools. */
export const staffRoles = ['SUPPORT', 'PRIVACY_OFFICER', 'BILLING_ADMIN', 'SUPER_ADMIN'] as const;
export type StaffRole = (typeof staffRoles)[number];

/**
 * What a workspace role may do through the API. A token can never hold more than this for the
 * user who created it, checked on every use (ACC-08).
 */
export function scopesOfRole(role: WorkspaceRole | null): ApiScope[] {
  const memberScopes: ApiScope[] = ['contacts:read', 'contacts:reveal', 'contacts:export', 'billing:read'];
  switch (role) {
    case 'ADMIN':
      return [...memberScopes, 'analytics:read'];
    case 'MEMBER':
      return memberScopes;
    case null:
      // A user outside any workspace works on personal (FREEMIUM) credits.
      return memberScopes;
    default: {
      const unreachable: never = role;
      throw new Error(`unknown role ${String(unreachable)}`);
    }
  }
}
