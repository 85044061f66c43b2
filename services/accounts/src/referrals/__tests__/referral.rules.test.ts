import { DAY_MS } from '@leadgraph/platform';
import { earnsReward, invitationProblem, inviteReferralInputSchema, isPurgeDue, referralExpiry, rewardedInvitation } from '../referral.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const at = (days: number) => new Date(now.getTime() + days * DAY_MS);

describe('referral rules', () => {
  it('unanswered invitations are purged after about 3 months', () => {
    const expiresAt = referralExpiry(now);
    expect((expiresAt.getTime() - now.getTime()) / DAY_MS).toBeGreaterThanOrEqual(89);
    expect((expiresAt.getTime() - now.getTime()) / DAY_MS).toBeLessThanOrEqual(92);
    expect(isPurgeDue({ status: 'PENDING', expiresAt }, at(91))).toBe(false);
    expect(isPurgeDue({ status: 'PENDING', expiresAt }, expiresAt)).toBe(true);
    expect(isPurgeDue({ status: 'REWARDED', expiresAt }, at(200))).toBe(false);
  });

  it('an invitation names a person and a valid address', () => {
    expect(inviteReferralInputSchema.parse({ name: ' John ', email: ' John@Acme.com ' })).toEqual({ name: 'John', email: 'john@acme.com' });
    expect(inviteReferralInputSchema.safeParse({ name: '', email: 'john@acme.com' }).error?.issues[0]?.path).toEqual(['name']);
    expect(inviteReferralInputSchema.safeParse({ name: 'John', email: 'nope' }).error?.issues[0]?.path).toEqual(['email']);
  });

  it('[ACC-01] nobody invites themself, nor a free-mail address that could never sign up', () => {
    expect(invitationProblem('jane@acme.com', { name: 'Me', email: 'jane@acme.com' })?.field).toBe('email');
    expect(invitationProblem('jane@acme.com', { name: 'John', email: 'john@gmail.com' })?.field).toBe('email');
    expect(invitationProblem('jane@acme.com', { name: 'John', email: 'john@acme.com' })).toBeNull();
  });

  it('a pending invitation earns a reward when its invitee verifies before it expires', () => {
    expect(earnsReward({ status: 'PENDING', expiresAt: at(10) }, now)).toBe(true);
    expect(earnsReward({ status: 'PENDING', expiresAt: at(-1) }, now)).toBe(false);
    expect(earnsReward({ status: 'REWARDED', expiresAt: at(10) }, now)).toBe(false);
  });

  it('when several referrers invited the same person, the earliest live invitation wins', () => {
    const first = { status: 'PENDING' as const, createdAt: at(-20), expiresAt: at(70), id: 'first' };
    const second = { status: 'PENDING' as const, createdAt: at(-10), expiresAt: at(80), id: 'second' };
    const expired = { status: 'PENDING' as const, createdAt: at(-100), expiresAt: at(-8), id: 'expired' };
    expect(rewardedInvitation([second, expired, first], now)?.id).toBe('first');
    expect(rewardedInvitation([expired], now)).toBeNull();
  });
});
