import { z } from 'zod';
import { apiScopeSchema, staffRoles, workspaceRoles, type ApiScope } from './scopes';
import { forbidden, unauthenticated } from '../errors/errors';

/** The verified caller, established by the gateway and forwarded to subgraphs in a signed header. */
export const callerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anonymous') }),
  z.object({
    kind: z.literal('user'),
    userId: z.string(),
    sessionId: z.string(),
    workspaceId: z.string().nullable(),
    workspaceRole: z.enum(workspaceRoles).nullable(),
    staffRoles: z.array(z.enum(staffRoles)),
    scopes: z.array(apiScopeSchema),
  }),
  z.object({
    kind: z.literal('apiToken'),
    tokenId: z.string(),
    /** The user who created the token: the token acts on their behalf, never beyond their rights. */
    userId: z.string(),
    workspaceId: z.string(),
    scopes: z.array(apiScopeSchema),
  }),
]);

export type Caller = z.infer<typeof callerSchema>;
export type UserCaller = Extract<Caller, { kind: 'user' }>;
export type ApiTokenCaller = Extract<Caller, { kind: 'apiToken' }>;
export type AuthenticatedCaller = UserCaller | ApiTokenCaller;

export const anonymousCaller: Caller = { kind: 'anonymous' };

export function requireAuthenticated(caller: Caller): AuthenticatedCaller {
  if (caller.kind === 'anonymous') throw unauthenticated();
  return caller;
}

/** Interactive user sessions only (account settings, token management: not for partner tokens). */
export function requireUser(caller: Caller): UserCaller {
  if (caller.kind === 'anonymous') throw unauthenticated();
  if (caller.kind !== 'user') throw forbidden('This operation needs a signed-in user, not an API token');
  return caller;
}

export function requireScope(caller: Caller, scope: ApiScope): AuthenticatedCaller {
  const authenticated = requireAuthenticated(caller);
  if (!authenticated.scopes.includes(scope)) throw forbidden(`Missing scope ${scope}`, scope);
  return authenticated;
}

export function requireStaffRole(caller: Caller, ...roles: UserCaller['staffRoles']): UserCaller {
  const user = requireUser(caller);
  if (!user.staffRoles.some((role) => role === 'SUPER_ADMIN' || roles.includes(role))) {
    throw forbidden('This operation is reserved to platform staff');
  }
  return user;
}
