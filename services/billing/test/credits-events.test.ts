import { eventually, uniqueName } from '@leadgraph/platform/src/testing';
import {
  DAY,
  accountOf,
  availableOf,
  expectLedgerInvariant,
  grantOf,
  linesOf,
  startCreditsUnderTest,
  user,
  workspace,
  type CreditsUnderTest,
} from './credits-harness';

describe('credits follow account events (registration, referral rewards, deletions)', () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  const periodEnd = () => new Date(env.clock.now().getTime() + 10 * DAY);

  it('[ACC-04] linking LinkedIn grants the one-time registration credits, personal and never expiring, never twice even if relinked', async () => {
    const userId = uniqueName('user');
    const linked = () => env.publish('LinkedInProfileLinked', { userId, linkedAt: env.clock.now().toISOString() }, userId);
    await linked();
    await eventually(async () => expect(await availableOf(env, user(userId), 'EXPORT')).toBe(10));
    // Relinked later (a new event), and the first event delivered again: nothing more.
    await linked();
    const first = await linesOf(env, user(userId));
    const marker = await env.publish('LinkedInProfileLinked', { userId: uniqueName('marker'), linkedAt: env.clock.now().toISOString() });
    await eventually(async () => expect(await availableOf(env, user(marker.data.userId), 'PHONE')).toBe(5));
    const balances = await env.ledger.balances(user(userId), env.clock.now());
    expect(balances).toEqual([
      { creditType: 'PRO_EMAIL', available: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'PHONE', available: 5, unlimited: false, nearestExpiry: null },
      { creditType: 'DIRECT_EMAIL', available: 5, unlimited: false, nearestExpiry: null },
      { creditType: 'EXPORT', available: 10, unlimited: false, nearestExpiry: null },
    ]);
    const lines = await linesOf(env, user(userId));
    expect(lines).toEqual(first);
    expect(lines.map((line) => [line.kind, line.source, line.creditType, line.amount])).toEqual([
      ['GRANT', 'REGISTRATION', 'PHONE', 5],
      ['GRANT', 'REGISTRATION', 'DIRECT_EMAIL', 5],
      ['GRANT', 'REGISTRATION', 'EXPORT', 10],
    ]);
  });

  it('[BIL-04] a referral reward grants REWARD credits to the referrer until the end of the current period, once per invitation', async () => {
    const referrerUserId = uniqueName('user');
    const invitationId = uniqueName('invitation');
    const reward = () =>
      env.publish('ReferralRewardEarned', { referrerUserId, inviteeUserId: uniqueName('user'), invitationId, earnedAt: env.clock.now().toISOString() });
    await reward();
    await reward();
    // Handled in order: once a later reward is in, both deliveries above were handled.
    const marker = uniqueName('marker');
    await env.publish('ReferralRewardEarned', { referrerUserId: marker, inviteeUserId: uniqueName('user'), invitationId: uniqueName('invitation'), earnedAt: env.clock.now().toISOString() });
    await eventually(async () => expect(await availableOf(env, user(marker), 'DIRECT_EMAIL')).toBe(5));
    expect(await availableOf(env, user(referrerUserId), 'DIRECT_EMAIL')).toBe(5);
    const endOfMonth = new Date('2026-12-01T00:00:00.000Z');
    const grants = (await linesOf(env, user(referrerUserId))).filter((line) => line.kind === 'GRANT');
    expect(grants.map((line) => [line.source, line.creditType, line.amount, line.expiresAt?.toISOString()])).toEqual([
      ['REWARD', 'PHONE', 5, endOfMonth.toISOString()],
      ['REWARD', 'DIRECT_EMAIL', 5, endOfMonth.toISOString()],
    ]);
  });

  it('[ACC-06] a deleted workspace loses its pool; a freemium administrator keeps the personal credits', async () => {
    const workspaceId = uniqueName('ws');
    const adminId = uniqueName('user');
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PHONE', 40, periodEnd()));
    await env.ledger.grant(grantOf(user(adminId), 'PHONE', 5, null));
    await env.publish('WorkspaceDeleted', {
      workspaceId,
      reason: 'SOLE_ADMIN_ACCOUNT_DELETED',
      formerMemberUserIds: [adminId],
      deletedAt: env.clock.now().toISOString(),
    });
    await eventually(async () => expect((await accountOf(env, workspace(workspaceId)))?.closed?.reason).toBe('WORKSPACE_DELETED'));
    expect(await availableOf(env, workspace(workspaceId), 'PHONE')).toBe(0);
    expect(await availableOf(env, user(adminId), 'PHONE')).toBe(5);
    expect((await linesOf(env, workspace(workspaceId))).at(-1)).toMatchObject({ kind: 'FORFEIT', amount: 40, reason: 'WORKSPACE_DELETED' });
    await expectLedgerInvariant(env, workspace(workspaceId));
  });

  it("[ACC-06] a deleted account's personal credits are forfeited, with the pool of the workspace deleted with it; nothing is granted afterwards", async () => {
    const userId = uniqueName('user');
    const workspaceId = uniqueName('ws');
    await env.ledger.grant(grantOf(user(userId), 'EXPORT', 8, periodEnd(), { source: 'REWARD' }));
    await env.ledger.grant(grantOf(workspace(workspaceId), 'EXPORT', 20, periodEnd()));
    await env.publish('AccountDeleted', {
      userId,
      deletedAt: env.clock.now().toISOString(),
      deletedWorkspaceId: workspaceId,
      leftWorkspaceId: null,
    });
    await eventually(async () => expect((await accountOf(env, workspace(workspaceId)))?.closed?.reason).toBe('WORKSPACE_DELETED'));
    expect((await accountOf(env, user(userId)))?.closed?.reason).toBe('ACCOUNT_DELETED');
    expect(await availableOf(env, user(userId), 'EXPORT')).toBe(0);
    expect(await availableOf(env, workspace(workspaceId), 'EXPORT')).toBe(0);

    // A LinkedIn link arriving late for the deleted account grants nothing.
    await env.publish('LinkedInProfileLinked', { userId, linkedAt: env.clock.now().toISOString() });
    const marker = uniqueName('marker');
    await env.publish('LinkedInProfileLinked', { userId: marker, linkedAt: env.clock.now().toISOString() });
    await eventually(async () => expect(await availableOf(env, user(marker), 'EXPORT')).toBe(10));
    expect(await availableOf(env, user(userId), 'EXPORT')).toBe(0);
    await expectLedgerInvariant(env, user(userId));
  });
});
