import { userCaller, eventually, uniqueName } from '@leadgraph/platform/src/testing';
import type { CreditCaller } from '../src/spend/spend.rules';
import {
  DAY,
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

const SET_BUDGET = `mutation ($input: SetCreditBudgetInput!) {
  setCreditBudget(input: $input) { subjectType subjectId creditType monthlyLimit month usedThisMonth setByUserId }
}`;
const BUDGETS = `{ creditBudgets { subjectType subjectId creditType monthlyLimit month usedThisMonth } }`;

interface BudgetView {
  subjectType: string;
  subjectId: string;
  creditType: string;
  monthlyLimit: number;
  month: string;
  usedThisMonth: number;
}

describe('limits on spending: administrators\' monthly budgets, thresholds, fair use of unlimited credits', () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  const periodEnd = () => new Date(env.clock.now().getTime() + 60 * DAY);

  /** A workspace on a PREMIUM plan (it pays from its pool) and its administrator. */
  async function premiumWorkspace(): Promise<{ workspaceId: string; adminId: string }> {
    const workspaceId = uniqueName('ws');
    const adminId = uniqueName('admin');
    await env.publish('SubscriptionStarted', {
      subscriptionId: uniqueName('sub'),
      workspaceId,
      subscriberUserId: adminId,
      planId: 'business-monthly',
      seats: 5,
      periodStart: env.clock.now().toISOString(),
      periodEnd: periodEnd().toISOString(),
    });
    await eventually(async () => expect(await env.owners.workspacePlan(workspaceId)).toBe('PREMIUM'));
    return { workspaceId, adminId };
  }

  const adminOf = (workspaceId: string, userId: string) => userCaller({ userId, workspaceId, workspaceRole: 'ADMIN' });
  const member = (workspaceId: string, userId = uniqueName('member'), viaApiTokenId: string | null = null): CreditCaller => ({
    userId,
    workspaceId,
    viaApiTokenId,
  });
  const spend = (caller: CreditCaller, creditType: 'PHONE' | 'PRO_EMAIL' | 'EXPORT', amount = 1) =>
    env.spendRpc({ idempotencyKey: uniqueName('spend'), caller, creditType, amount, reason: 'CONTACT_REVEAL', reference: null });

  async function setBudget(workspaceId: string, adminId: string, input: Record<string, unknown>) {
    const answer = await env.call<{ setCreditBudget: BudgetView | null }>(adminOf(workspaceId, adminId), SET_BUDGET, { input });
    expect(answer.errors).toBeUndefined();
    return answer.data?.setCreditBudget ?? null;
  }

  it('workspace administrators set, change and remove monthly budgets per member and per token; nobody else may', async () => {
    const { workspaceId, adminId } = await premiumWorkspace();
    const memberId = uniqueName('member');
    expect(await setBudget(workspaceId, adminId, { subjectType: 'MEMBER', subjectId: memberId, creditType: 'PHONE', monthlyLimit: 5 })).toEqual({
      subjectType: 'MEMBER',
      subjectId: memberId,
      creditType: 'PHONE',
      monthlyLimit: 5,
      month: '2026-11',
      usedThisMonth: 0,
      setByUserId: adminId,
    });
    await setBudget(workspaceId, adminId, { subjectType: 'MEMBER', subjectId: memberId, creditType: 'PHONE', monthlyLimit: 8 });
    await setBudget(workspaceId, adminId, { subjectType: 'API_TOKEN', subjectId: 'token-1', creditType: 'EXPORT', monthlyLimit: 100 });
    const listed = await env.call<{ creditBudgets: BudgetView[] }>(adminOf(workspaceId, adminId), BUDGETS);
    expect(listed.data?.creditBudgets.map((budget) => [budget.subjectType, budget.subjectId, budget.creditType, budget.monthlyLimit])).toEqual([
      ['MEMBER', memberId, 'PHONE', 8],
      ['API_TOKEN', 'token-1', 'EXPORT', 100],
    ]);
    expect(await setBudget(workspaceId, adminId, { subjectType: 'API_TOKEN', subjectId: 'token-1', creditType: 'EXPORT', monthlyLimit: null })).toBeNull();
    expect((await env.call<{ creditBudgets: BudgetView[] }>(adminOf(workspaceId, adminId), BUDGETS)).data?.creditBudgets).toHaveLength(1);

    const asMember = await env.call(userCaller({ userId: memberId, workspaceId, workspaceRole: 'MEMBER' }), SET_BUDGET, {
      input: { subjectType: 'MEMBER', subjectId: memberId, creditType: 'PHONE', monthlyLimit: 1000 },
    });
    expect(asMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherAdmin = await env.call(adminOf(uniqueName('ws'), uniqueName('admin')), BUDGETS);
    expect(otherAdmin.data?.creditBudgets).toEqual([]);
    const negative = await env.call(adminOf(workspaceId, adminId), SET_BUDGET, {
      input: { subjectType: 'MEMBER', subjectId: memberId, creditType: 'PHONE', monthlyLimit: -1 },
    });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'monthlyLimit' });
  });

  it('a spend over a member budget is FORBIDDEN (CREDIT_BUDGET_EXCEEDED, naming the type), even under concurrency; other members are not held', async () => {
    const { workspaceId, adminId } = await premiumWorkspace();
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PHONE', 100, periodEnd()));
    const capped = member(workspaceId);
    await setBudget(workspaceId, adminId, { subjectType: 'MEMBER', subjectId: capped.userId, creditType: 'PHONE', monthlyLimit: 5 });

    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => spend(capped, 'PHONE')));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(5);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toMatchObject({ code: 'FORBIDDEN', details: { creditType: 'PHONE', reason: 'CREDIT_BUDGET_EXCEEDED' } });
        expect((outcome.reason as Error).message).toMatch(/monthly budget of 5 PHONE credits for this member/);
      }
    }
    expect(await availableOf(env, workspace(workspaceId), 'PHONE')).toBe(95);
    expect(await spend(member(workspaceId), 'PHONE')).toMatchObject({ remaining: 94 });
    expect(await env.quoteRpc({ caller: capped, creditType: 'PHONE', amount: 1 })).toMatchObject({
      available: 0,
      allowed: false,
      refusal: { reason: 'BUDGET_EXCEEDED' },
    });
    const listed = await env.call<{ creditBudgets: BudgetView[] }>(adminOf(workspaceId, adminId), BUDGETS);
    expect(listed.data?.creditBudgets[0]).toMatchObject({ usedThisMonth: 5, monthlyLimit: 5 });

    // A new calendar month: the budget starts again.
    env.clock.set('2026-12-01T00:00:00.000Z');
    try {
      expect(await spend(capped, 'PHONE')).toMatchObject({ charged: 1 });
      const december = await env.call<{ creditBudgets: BudgetView[] }>(adminOf(workspaceId, adminId), BUDGETS);
      expect(december.data?.creditBudgets[0]).toMatchObject({ month: '2026-12', usedThisMonth: 1 });
    } finally {
      env.clock.set('2026-11-23T09:00:00.000Z');
    }
    await expectLedgerInvariant(env, workspace(workspaceId));
  });

  it("a partner token's budget holds what it spends, which also counts toward its creator's member budget", async () => {
    const { workspaceId, adminId } = await premiumWorkspace();
    await env.ledger.grant(grantOf(workspace(workspaceId), 'EXPORT', 100, periodEnd()));
    const creatorId = uniqueName('member');
    const tokenId = uniqueName('token');
    await setBudget(workspaceId, adminId, { subjectType: 'API_TOKEN', subjectId: tokenId, creditType: 'EXPORT', monthlyLimit: 3 });
    await setBudget(workspaceId, adminId, { subjectType: 'MEMBER', subjectId: creatorId, creditType: 'EXPORT', monthlyLimit: 4 });
    const viaToken = member(workspaceId, creatorId, tokenId);
    const inApp = member(workspaceId, creatorId);
    await spend(viaToken, 'EXPORT', 3);
    await expect(spend(viaToken, 'EXPORT')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/this API token/) });
    await spend(inApp, 'EXPORT');
    await expect(spend(inApp, 'EXPORT')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/this member/) });
    expect(await availableOf(env, workspace(workspaceId), 'EXPORT')).toBe(96);
  });

  it('CreditThresholdReached goes out once at 75, 90 and 100 % of a budget and of the pool (the highest level reached when several are crossed at once)', async () => {
    const { workspaceId, adminId } = await premiumWorkspace();
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PHONE', 20, periodEnd()));
    const capped = member(workspaceId);
    const other = member(workspaceId);
    await setBudget(workspaceId, adminId, { subjectType: 'MEMBER', subjectId: capped.userId, creditType: 'PHONE', monthlyLimit: 10 });
    const steps: Array<[CreditCaller, number]> = [
      [capped, 7], // budget 70 %, pool 35 %: nothing
      [capped, 1], // budget 80 %: 75
      [capped, 2], // budget 100 %: 100 (90 passed over), pool 50 %
      [other, 6], // pool 80 %: 75
      [other, 2], // pool 90 %: 90
      [other, 2], // pool 100 %: 100
    ];
    for (const [caller, amount] of steps) {
      await spend(caller, 'PHONE', amount);
      await env.ledger.relayLedger();
    }
    const events = await expectEvents(env, 'CreditThresholdReached', (data) => data.ownerId === workspaceId, 5);
    expect(events.map((event) => [event.data.scope, event.data.subjectId, event.data.thresholdPercent, event.data.used, event.data.limit, event.data.month])).toEqual([
      ['MEMBER_BUDGET', capped.userId, 75, 8, 10, '2026-11'],
      ['MEMBER_BUDGET', capped.userId, 100, 10, 10, '2026-11'],
      ['POOL', null, 75, 16, 20, null],
      ['POOL', null, 90, 18, 20, null],
      ['POOL', null, 100, 20, 20, null],
    ]);
  });

  it('[BIL-07] unlimited credits are capped at 10,000 per account and month, concurrent spends included; the cap starts again next month', async () => {
    const userId = uniqueName('user');
    const caller: CreditCaller = { userId, workspaceId: null, viaApiTokenId: null };
    await env.ledger.grant(grantOf(user(userId), 'PRO_EMAIL', 30_000, periodEnd(), { unlimited: true }));
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => spend(caller, 'PRO_EMAIL', 600)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(16);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { creditType: 'PRO_EMAIL' } });
        expect((outcome.reason as Error).message).toMatch(/fair-use cap of 10000/);
      }
    }
    await spend(caller, 'PRO_EMAIL', 400);
    expect(await env.quoteRpc({ caller, creditType: 'PRO_EMAIL', amount: 1 })).toMatchObject({
      available: 0,
      allowed: false,
      refusal: { reason: 'FAIR_USE_CAP_REACHED' },
    });
    env.clock.set('2026-12-01T00:00:00.000Z');
    try {
      expect(await spend(caller, 'PRO_EMAIL', 1)).toMatchObject({ charged: 1, remaining: 19_999 });
    } finally {
      env.clock.set('2026-11-23T09:00:00.000Z');
    }
    await expectLedgerInvariant(env, user(userId));
  });

  it('[BIL-07] in a workspace pool the fair-use cap is per member: one member at the cap does not hold back another', async () => {
    const { workspaceId } = await premiumWorkspace();
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PRO_EMAIL', 50_000, periodEnd(), { unlimited: true }));
    const heavy = member(workspaceId);
    await spend(heavy, 'PRO_EMAIL', 10_000);
    await expect(spend(heavy, 'PRO_EMAIL')).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
    expect(await spend(member(workspaceId), 'PRO_EMAIL', 10_000)).toMatchObject({ remaining: 30_000 });
  });

  it('[BIL-07] a partner token never draws on unlimited credits: it uses limited ones, then is refused', async () => {
    const { workspaceId } = await premiumWorkspace();
    const pool = workspace(workspaceId);
    await env.ledger.grant(grantOf(pool, 'PRO_EMAIL', 10_000, periodEnd(), { unlimited: true }));
    await env.ledger.grant(grantOf(pool, 'PRO_EMAIL', 2, periodEnd(), { source: 'ADD_ON' }));
    const creatorId = uniqueName('member');
    const viaToken = member(workspaceId, creatorId, uniqueName('token'));
    expect(await env.quoteRpc({ caller: viaToken, creditType: 'PRO_EMAIL', amount: 1 })).toMatchObject({ available: 2, allowed: true });
    await spend(viaToken, 'PRO_EMAIL', 2);
    await expect(spend(viaToken, 'PRO_EMAIL')).rejects.toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      details: { creditType: 'PRO_EMAIL' },
      message: expect.stringMatching(/API calls never use unlimited credits/),
    });
    // The same person in the app may use the unlimited credits.
    expect(await spend(member(workspaceId, creatorId), 'PRO_EMAIL')).toMatchObject({ remaining: 9_999 });
    const spends = (await linesOf(env, pool)).filter((line) => line.kind === 'SPEND');
    expect(spends.map((line) => [line.actor?.apiTokenId !== null, line.portions.every((portion) => portion.unlimited)])).toEqual([
      [true, false],
      [false, true],
    ]);
    await expectLedgerInvariant(env, pool);
  });
});
