import { uniqueName } from '@leadgraph/platform/src/testing';
import {
  DAY,
  accountOf,
  availableOf,
  expectEvents,
  expectLedgerInvariant,
  grantOf,
  linesOf,
  startCreditsUnderTest,
  user,
  workspace,
  type CreditsUnderTest,
} from './credits-harness';

describe('credit ledger API (grant, spend, expireDue, forfeitAll, balances)', () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  const endOfPeriod = () => new Date(env.clock.now().getTime() + 7 * DAY);
  const personalCaller = (userId: string) => ({ userId, workspaceId: null, viaApiTokenId: null });

  it('[BIL-04] a grant is idempotent by key, even when sent concurrently: one bucket, one GRANT line, one CreditsGranted', async () => {
    const owner = workspace(uniqueName('ws'));
    const grant = grantOf(owner, 'PHONE', 100, endOfPeriod());
    const results = await Promise.all(Array.from({ length: 8 }, () => env.ledger.grant(grant)));
    const granted = results.filter((result) => result.status === 'GRANTED');
    expect(granted).toHaveLength(1);
    expect(new Set(results.map((result) => result.grantId))).toEqual(new Set([granted[0]?.grantId]));
    expect(await env.ledger.grant(grant)).toEqual({ status: 'ALREADY_GRANTED', grantId: granted[0]?.grantId });

    expect(await availableOf(env, owner, 'PHONE')).toBe(100);
    const lines = await linesOf(env, owner);
    expect(lines).toEqual([
      expect.objectContaining({ kind: 'GRANT', creditType: 'PHONE', amount: 100, source: 'SUBSCRIPTION', balanceAfter: 100, position: 0 }),
    ]);
    // Once the line is copied and its key left the account document, the ledger still answers.
    expect(await env.ledger.grant(grant)).toEqual({ status: 'ALREADY_GRANTED', grantId: granted[0]?.grantId });
    const events = await expectEvents(env, 'CreditsGranted', (data) => data.ownerId === owner.ownerId, 1);
    expect(events[0]?.data).toMatchObject({ ownerType: 'WORKSPACE', creditType: 'PHONE', amount: 100, source: 'SUBSCRIPTION' });
    await expectLedgerInvariant(env, owner);
  });

  it('[BIL-05] a spend takes first the credits that expire first, never-expiring ones last', async () => {
    const userId = uniqueName('user');
    const owner = user(userId);
    const soon = new Date(env.clock.now().getTime() + 3 * DAY);
    const later = new Date(env.clock.now().getTime() + 20 * DAY);
    const registration = await env.ledger.grant(grantOf(owner, 'PHONE', 5, null));
    const subscription = await env.ledger.grant(grantOf(owner, 'PHONE', 3, later));
    const reward = await env.ledger.grant(grantOf(owner, 'PHONE', 2, soon, { source: 'REWARD' }));

    const receipt = await env.ledger.spend({
      idempotencyKey: uniqueName('spend'),
      caller: personalCaller(userId),
      creditType: 'PHONE',
      amount: 6,
      reason: 'CONTACT_REVEAL',
      reference: 'contact-1',
    });
    expect(receipt).toMatchObject({ owner, creditType: 'PHONE', charged: 6, remaining: 4 });
    const account = await accountOf(env, owner);
    const remainders = Object.fromEntries((account?.buckets ?? []).map((bucket) => [bucket.grantId, bucket.remaining]));
    expect(remainders).toEqual({ [reward.grantId ?? '']: 0, [subscription.grantId ?? '']: 0, [registration.grantId ?? '']: 4 });
    const spendLine = (await linesOf(env, owner)).find((line) => line.kind === 'SPEND');
    expect(spendLine?.portions.map((portion) => [portion.grantId, portion.amount])).toEqual([
      [reward.grantId, 2],
      [subscription.grantId, 3],
      [registration.grantId, 1],
    ]);
    expect(spendLine).toMatchObject({ reason: 'CONTACT_REVEAL', reference: 'contact-1', actor: { userId, apiTokenId: null }, balanceAfter: 4 });
    await expectLedgerInvariant(env, owner);
  });

  it('[BIL-05] balances list each type with the nearest expiry; expired credits stop counting before the job runs', async () => {
    const owner = workspace(uniqueName('ws'));
    const soon = new Date(env.clock.now().getTime() + 2 * DAY);
    const later = new Date(env.clock.now().getTime() + 9 * DAY);
    await env.ledger.grant(grantOf(owner, 'EXPORT', 10, soon));
    await env.ledger.grant(grantOf(owner, 'EXPORT', 5, later, { source: 'ADD_ON' }));
    await env.ledger.grant(grantOf(owner, 'PRO_EMAIL', 30_000, later, { unlimited: true }));
    const now = await env.ledger.balances(owner, env.clock.now());
    expect(now).toEqual([
      { creditType: 'PRO_EMAIL', available: 30_000, unlimited: true, nearestExpiry: later },
      { creditType: 'PHONE', available: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'DIRECT_EMAIL', available: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'EXPORT', available: 15, unlimited: false, nearestExpiry: soon },
    ]);
    const afterSoon = await env.ledger.balances(owner, soon);
    expect(afterSoon.find((balance) => balance.creditType === 'EXPORT')).toEqual({ creditType: 'EXPORT', available: 5, unlimited: false, nearestExpiry: later });
  });

  it('[BIL-05] expireDue turns what is left of ended grants into EXPIRE lines and CreditsExpired events, once', async () => {
    const owner = user(uniqueName('user'));
    const end = new Date(env.clock.now().getTime() + 1 * DAY);
    await env.ledger.grant(grantOf(owner, 'DIRECT_EMAIL', 4, end));
    await env.ledger.grant(grantOf(owner, 'DIRECT_EMAIL', 2, null));
    await env.ledger.spend({
      idempotencyKey: uniqueName('spend'),
      caller: personalCaller(owner.ownerId),
      creditType: 'DIRECT_EMAIL',
      amount: 1,
      reason: 'CONTACT_REVEAL',
      reference: null,
    });
    // Not due yet: nothing happens.
    await env.ledger.expireDue(env.clock.now());
    expect((await accountOf(env, owner))?.buckets).toHaveLength(2);

    const runs = await Promise.all([env.ledger.expireDue(end), env.ledger.expireDue(end)]);
    expect(runs.reduce((sum, run) => sum + run.credits, 0)).toBeGreaterThanOrEqual(3);
    expect(await env.ledger.expireDue(end)).toEqual({ buckets: 0, credits: 0 });
    const lines = await linesOf(env, owner);
    expect(lines.filter((line) => line.kind === 'EXPIRE')).toEqual([
      expect.objectContaining({ creditType: 'DIRECT_EMAIL', amount: 3, expiresAt: null, occurredAt: end, balanceAfter: 2 }),
    ]);
    expect(await availableOf(env, owner, 'DIRECT_EMAIL')).toBe(2);
    const events = await expectEvents(env, 'CreditsExpired', (data) => data.ownerId === owner.ownerId, 1);
    expect(events[0]?.data).toMatchObject({ ownerType: 'USER', creditType: 'DIRECT_EMAIL', amount: 3, expiredAt: end.toISOString() });
    await expectLedgerInvariant(env, owner);
  });

  it('[ACC-06] forfeitAll removes every remaining credit and closes a deleted owner: later grants and spends find nothing', async () => {
    const owner = workspace(uniqueName('ws'));
    await env.ledger.grant(grantOf(owner, 'PHONE', 7, endOfPeriod()));
    await env.ledger.grant(grantOf(owner, 'EXPORT', 3, endOfPeriod()));
    const at = env.clock.now();
    const [first, second] = await Promise.all([
      env.ledger.forfeitAll(owner, 'WORKSPACE_DELETED', at),
      env.ledger.forfeitAll(owner, 'WORKSPACE_DELETED', at),
    ]);
    expect((first?.credits ?? 0) + (second?.credits ?? 0)).toBe(10);
    expect(await env.ledger.forfeitAll(owner, 'WORKSPACE_DELETED', at)).toEqual({ credits: 0 });
    expect((await accountOf(env, owner))?.closed).toEqual({ reason: 'WORKSPACE_DELETED', at });
    expect(await env.ledger.grant(grantOf(owner, 'PHONE', 5, endOfPeriod()))).toEqual({ status: 'OWNER_CLOSED', grantId: null });
    const balances = await env.ledger.balances(owner, env.clock.now());
    expect(balances.every((balance) => balance.available === 0)).toBe(true);
    const forfeits = (await linesOf(env, owner)).filter((line) => line.kind === 'FORFEIT');
    expect(forfeits.map((line) => [line.creditType, line.amount, line.reason]).sort()).toEqual([
      ['EXPORT', 3, 'WORKSPACE_DELETED'],
      ['PHONE', 7, 'WORKSPACE_DELETED'],
    ]);
    await expectLedgerInvariant(env, owner);
  });

  it('[BIL-13] forfeiting at the end of a subscription removes the credits but does not close the owner', async () => {
    const owner = workspace(uniqueName('ws'));
    await env.ledger.grant(grantOf(owner, 'PHONE', 7, endOfPeriod()));
    expect(await env.ledger.forfeitAll(owner, 'SUBSCRIPTION_TERMINATED', env.clock.now())).toEqual({ credits: 7 });
    expect((await accountOf(env, owner))?.closed).toBeNull();
    expect((await env.ledger.grant(grantOf(owner, 'PHONE', 5, endOfPeriod()))).status).toBe('GRANTED');
    await expectLedgerInvariant(env, owner);
  });

  it.each([
    [{ amount: 0 }, 'amount'],
    [{ expiresAt: null }, 'expiresAt'],
    [{ idempotencyKey: '' }, 'idempotencyKey'],
    [{ source: 'REWARD' as const, unlimited: true }, 'unlimited'],
  ])('a bad grant %j is BAD_USER_INPUT naming %s, and nothing is written', async (overrides, field) => {
    const owner = user(uniqueName('user'));
    await expect(env.ledger.grant({ ...grantOf(owner, 'PHONE', 5, endOfPeriod()), ...overrides })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field },
    });
    expect(await accountOf(env, owner)).toBeNull();
  });
});
