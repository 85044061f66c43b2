import { DomainError } from '@leadgraph/platform';
import type { CreditCaller } from '../src/spend/spend.rules';
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

describe('spending credits over NATS (billing.credits.spend / quote / refund)', () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  const periodEnd = () => new Date(env.clock.now().getTime() + 10 * DAY);
  const personal = (userId: string): CreditCaller => ({ userId, workspaceId: null, viaApiTokenId: null });
  const spendRequest = (caller: CreditCaller, overrides: Partial<Parameters<CreditsUnderTest['spendRpc']>[0]> = {}) => ({
    idempotencyKey: uniqueName('reveal'),
    caller,
    creditType: 'PHONE' as const,
    amount: 1,
    reason: 'CONTACT_REVEAL',
    reference: uniqueName('contact'),
    ...overrides,
  });

  it('[CON-03] 64 concurrent spends of 1 against a balance of 10: exactly 10 pass, 54 are refused, the balance is 0 and the ledger adds up', async () => {
    const caller = personal(uniqueName('user'));
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'PHONE', 4, periodEnd()));
    await env.ledger.grant(grantOf(owner, 'PHONE', 6, null));

    const outcomes = await Promise.allSettled(Array.from({ length: 64 }, () => env.spendRpc(spendRequest(caller))));
    const receipts = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(receipts).toHaveLength(10);
    expect(refusals).toHaveLength(54);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { creditType: 'PHONE' } });
    }
    // Each receipt tells the exact balance after it: together they count down from 9 to 0.
    expect(receipts.map((receipt) => receipt.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(receipts.every((receipt) => receipt.charged === 1 && receipt.owner.ownerId === caller.userId)).toBe(true);
    expect(await availableOf(env, owner, 'PHONE')).toBe(0);
    const spends = (await linesOf(env, owner)).filter((line) => line.kind === 'SPEND');
    expect(spends).toHaveLength(10);
    await expectLedgerInvariant(env, owner);
  });

  it('[CON-03] the same key sent 20 times concurrently charges once, and every answer is the same', async () => {
    const caller = personal(uniqueName('user'));
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'DIRECT_EMAIL', 50, periodEnd()));
    const request = spendRequest(caller, { creditType: 'DIRECT_EMAIL', amount: 3 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => env.spendRpc(request)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ idempotencyKey: request.idempotencyKey, charged: 3, remaining: 47, creditType: 'DIRECT_EMAIL' });
    expect(await availableOf(env, owner, 'DIRECT_EMAIL')).toBe(47);

    // Later, once the line was copied to the ledger, a retry still gets the first answer.
    await env.ledger.relayLedger();
    await env.ledger.spend({ ...request, idempotencyKey: uniqueName('other') });
    expect(await env.spendRpc(request)).toEqual(answers[0]);
    expect((await linesOf(env, owner)).filter((line) => line.kind === 'SPEND')).toHaveLength(2);
    await expectLedgerInvariant(env, owner);
  });

  it('[CON-04] a refused spend names the missing credit type and writes nothing; the key may be used again once credits are there', async () => {
    const caller = personal(uniqueName('user'));
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'PHONE', 2, periodEnd()));
    const before = await accountOf(env, owner);
    const request = spendRequest(caller, { creditType: 'EXPORT', amount: 1 });
    await expect(env.spendRpc(request)).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS', message: 'Not enough EXPORT credits', details: { creditType: 'EXPORT' } });
    await expect(env.spendRpc({ ...request, creditType: 'PHONE', amount: 3 })).rejects.toMatchObject({ details: { creditType: 'PHONE' } });
    const after = await accountOf(env, owner);
    expect(after?.buckets).toEqual(before?.buckets);
    expect(after?.balances).toEqual(before?.balances);

    await env.ledger.grant(grantOf(owner, 'EXPORT', 5, periodEnd(), { source: 'ADD_ON' }));
    expect(await env.spendRpc(request)).toMatchObject({ charged: 1, remaining: 4 });
    await expectLedgerInvariant(env, owner);
  });

  it.each([
    [{ amount: 0 }, 'amount'],
    [{ idempotencyKey: '' }, 'idempotencyKey'],
    [{ creditType: 'FAX' }, 'creditType'],
    [{ reason: '' }, 'reason'],
  ])('[CON-03] a malformed spend %j is BAD_USER_INPUT naming %s', async (overrides, field) => {
    const request = { ...spendRequest(personal(uniqueName('user'))), ...overrides };
    // @ts-expect-error the request deliberately breaks the contract
    await expect(env.spendRpc(request)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
  });

  it('[CON-04] a quote tells the cost, what is available and whether it would pass, and spends nothing', async () => {
    const caller = personal(uniqueName('user'));
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'PHONE', 2, periodEnd()));
    expect(await env.quoteRpc({ caller, creditType: 'PHONE', amount: 2 })).toEqual({
      owner,
      creditType: 'PHONE',
      cost: 2,
      available: 2,
      allowed: true,
      refusal: null,
    });
    expect(await env.quoteRpc({ caller, creditType: 'PHONE', amount: 3 })).toMatchObject({
      allowed: false,
      refusal: { reason: 'INSUFFICIENT_CREDITS', message: 'Not enough PHONE credits' },
    });
    expect(await availableOf(env, owner, 'PHONE')).toBe(2);
    expect((await accountOf(env, owner))?.pendingLedger.filter((line) => line.kind === 'SPEND') ?? []).toEqual([]);
  });

  it('[CON-03] a refund gives back what a failed reveal took, once, to the grants it came from', async () => {
    const caller = personal(uniqueName('user'));
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'PHONE', 5, periodEnd()));
    const spend = await env.spendRpc(spendRequest(caller, { amount: 2 }));
    const refunds = await Promise.all(
      Array.from({ length: 5 }, () => env.refundRpc({ spendIdempotencyKey: spend.idempotencyKey, reason: 'REVEAL_FAILED' })),
    );
    expect(new Set(refunds.map((refund) => JSON.stringify(refund))).size).toBe(1);
    expect(refunds[0]).toEqual({ spendIdempotencyKey: spend.idempotencyKey, owner, creditType: 'PHONE', refunded: 2, remaining: 5 });
    expect(await availableOf(env, owner, 'PHONE')).toBe(5);
    const lines = await linesOf(env, owner);
    expect(lines.map((line) => line.kind)).toEqual(['GRANT', 'SPEND', 'REFUND']);
    expect(lines[2]).toMatchObject({ amount: 2, reference: spend.idempotencyKey, reason: 'REVEAL_FAILED' });
    await expect(env.refundRpc({ spendIdempotencyKey: uniqueName('never-spent'), reason: 'REVEAL_FAILED' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expectLedgerInvariant(env, owner);
  });

  it('[BIL-08] a PREMIUM workspace pays from its shared pool, FREEMIUM members from personal credits; after termination the pool is gone', async () => {
    const premiumId = uniqueName('ws');
    const freemiumId = uniqueName('ws');
    const memberId = uniqueName('user');
    const subscriptionId = uniqueName('sub');
    await env.ledger.grant(grantOf(workspace(premiumId), 'PHONE', 100, periodEnd()));
    await env.ledger.grant(grantOf(user(memberId), 'PHONE', 3, null));
    const started = (workspaceId: string, planId: string, id: string) =>
      env.publish('SubscriptionStarted', {
        subscriptionId: id,
        workspaceId,
        subscriberUserId: memberId,
        planId,
        seats: 3,
        periodStart: env.clock.now().toISOString(),
        periodEnd: periodEnd().toISOString(),
      });
    await started(premiumId, 'business-monthly', subscriptionId);
    await started(freemiumId, 'freemium-monthly', uniqueName('sub'));
    const inPremium = { userId: memberId, workspaceId: premiumId, viaApiTokenId: null };
    const inFreemium = { userId: memberId, workspaceId: freemiumId, viaApiTokenId: null };
    await eventually(async () => expect((await env.quoteRpc({ caller: inPremium, creditType: 'PHONE', amount: 1 })).owner).toEqual(workspace(premiumId)));
    await eventually(async () => expect(await env.owners.workspacePlan(freemiumId)).toBe('FREEMIUM'));

    expect(await env.spendRpc(spendRequest(inPremium))).toMatchObject({ owner: workspace(premiumId), remaining: 99 });
    expect(await env.spendRpc(spendRequest(inFreemium))).toMatchObject({ owner: user(memberId), remaining: 2 });

    await env.publish('SubscriptionTerminated', {
      subscriptionId,
      workspaceId: premiumId,
      subscriberUserId: memberId,
      reason: 'NON_RENEWAL',
      terminatedAt: env.clock.now().toISOString(),
    });
    await eventually(async () => expect(await availableOf(env, workspace(premiumId), 'PHONE')).toBe(0));
    expect(await env.spendRpc(spendRequest(inPremium))).toMatchObject({ owner: user(memberId), remaining: 1 });
    await expectLedgerInvariant(env, workspace(premiumId));
    await expectLedgerInvariant(env, user(memberId));
  });

  it('[BIL-03] credits never move between owners or types: an empty pool is not paid from a member\'s personal credits, nor PHONE from EXPORT', async () => {
    const workspaceId = uniqueName('ws');
    const memberId = uniqueName('user');
    await env.publish('SubscriptionStarted', {
      subscriptionId: uniqueName('sub'),
      workspaceId,
      subscriberUserId: memberId,
      planId: 'starter-monthly',
      seats: 2,
      periodStart: env.clock.now().toISOString(),
      periodEnd: periodEnd().toISOString(),
    });
    await eventually(async () => expect(await env.owners.workspacePlan(workspaceId)).toBe('PREMIUM'));
    await env.ledger.grant(grantOf(user(memberId), 'PHONE', 5, null));
    await env.ledger.grant(grantOf(workspace(workspaceId), 'EXPORT', 5, periodEnd()));
    const inPool = { userId: memberId, workspaceId, viaApiTokenId: null };
    await expect(env.spendRpc(spendRequest(inPool))).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { creditType: 'PHONE' } });
    expect(await availableOf(env, user(memberId), 'PHONE')).toBe(5);
    expect(await availableOf(env, workspace(workspaceId), 'EXPORT')).toBe(5);
    await expectLedgerInvariant(env, workspace(workspaceId));
  });
});
