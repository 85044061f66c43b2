import { ErrorCode } from '@leadgraph/platform';
import {
  INVITATION_TTL_MS,
  acceptanceDecision,
  invalidInvitation,
  invitationStatus,
  invitationTokenHash,
  inviteMemberInputSchema,
} from '../invitation.rules';

const now = new Date('2026-05-01T12:00:00.000Z');
const later = new Date(now.getTime() + INVITATION_TTL_MS);

function invitation(overrides: Partial<Parameters<typeof acceptanceDecision>[0]> = {}) {
  return {
    status: 'PENDING' as const,
    expiresAt: later,
    email: 'jane@acme.io',
    acceptedByUserId: null,
    acceptedAt: null,
    ...overrides,
  };
}

describe('invitation rules', () => {
  it('[ACC-05] invitation links expire after seven days, checked on read', () => {
    expect(INVITATION_TTL_MS).toBe(7 * 24 * 3600 * 1000);
    expect(invitationStatus({ status: 'PENDING', expiresAt: later }, now)).toBe('PENDING');
    expect(invitationStatus({ status: 'PENDING', expiresAt: later }, later)).toBe('EXPIRED');
    expect(invitationStatus({ status: 'REVOKED', expiresAt: later }, now)).toBe('REVOKED');
  });

  it('[ACC-05] the invitee whose e-mail matches accepts a pending invitation', () => {
    expect(acceptanceDecision(invitation(), { id: 'u1', email: 'Jane@Acme.io' }, now)).toBe('ACCEPT');
  });

  it('[ACC-05] someone signed in with another e-mail cannot use the invitation', () => {
    expect(acceptanceDecision(invitation(), { id: 'u2', email: 'john@acme.io' }, now)).toBe('REFUSE');
    expect(acceptanceDecision(invitation(), { id: 'u2', email: null }, now)).toBe('REFUSE');
  });

  it('[ACC-05] expired, revoked and already used invitations are refused', () => {
    const user = { id: 'u1', email: 'jane@acme.io' };
    expect(acceptanceDecision(invitation(), user, later)).toBe('REFUSE');
    expect(acceptanceDecision(invitation({ status: 'REVOKED' }), user, now)).toBe('REFUSE');
    expect(acceptanceDecision(invitation({ status: 'ACCEPTED', acceptedByUserId: 'u1', acceptedAt: now }), user, now)).toBe('REFUSE');
  });

  it('an acceptance the same user claimed but did not finish (crash) is resumed', () => {
    const claimed = invitation({ status: 'ACCEPTED', acceptedByUserId: 'u1', acceptedAt: null });
    expect(acceptanceDecision(claimed, { id: 'u1', email: 'jane@acme.io' }, now)).toBe('RESUME');
    expect(acceptanceDecision(claimed, { id: 'u9', email: 'jane@acme.io' }, now)).toBe('REFUSE');
  });

  it('every refusal is the same BAD_USER_INPUT on the token field, revealing nothing', () => {
    const error = invalidInvitation();
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe('token');
  });

  it('invited addresses are normalised and must be e-mail addresses', () => {
    expect(inviteMemberInputSchema.parse({ email: '  Jane.Doe@ACME.io ', role: 'MEMBER' })).toEqual({ email: 'jane.doe@acme.io', role: 'MEMBER' });
    expect(inviteMemberInputSchema.safeParse({ email: 'not-an-address', role: 'MEMBER' }).success).toBe(false);
    expect(inviteMemberInputSchema.safeParse({ email: 'jane@acme.io', role: 'OWNER' }).success).toBe(false);
  });

  it('only the hash of the token is stored', () => {
    expect(invitationTokenHash('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(invitationTokenHash('abc')).not.toContain('abc');
  });
});
