import { DomainError, ErrorCode } from '@leadgraph/platform';
import type { CreditBucket, CreditBudget, MonthlyUsage } from '../../credits/credit.model';
import {
  assertMayManageBudgets,
  budgetRefusal,
  budgetSubjectsOf,
  creditBudgetInputSchema,
  reachedThreshold,
  thresholdsReached,
  type ThresholdSnapshot,
} from '../budget.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const setAt = new Date('2026-11-01T00:00:00.000Z');

function budget(subjectType: CreditBudget['subjectType'], subjectId: string, monthlyLimit: number, creditType: CreditBudget['creditType'] = 'PHONE'): CreditBudget {
  return { subjectType, subjectId, creditType, monthlyLimit, setByUserId: 'admin', setAt };
}

function bucket(grantId: string, granted: number, remaining: number, overrides: Partial<CreditBucket> = {}): CreditBucket {
  return {
    grantId,
    creditType: 'PHONE',
    source: 'SUBSCRIPTION',
    unlimited: false,
    granted,
    remaining,
    expiresAt: new Date('2026-12-01T00:00:00.000Z'),
    grantedAt: setAt,
    ...overrides,
  };
}

describe('credit budget rules', () => {
  it.each([
    [{ monthlyLimit: 10 }, null],
    [{ monthlyLimit: 0 }, null],
    [{ monthlyLimit: null }, null],
    [{ monthlyLimit: -1 }, 'monthlyLimit'],
    [{ monthlyLimit: 2.5 }, 'monthlyLimit'],
    [{ subjectId: '  ' }, 'subjectId'],
    [{ subjectType: 'TEAM' }, 'subjectType'],
    [{ creditType: 'FAX' }, 'creditType'],
  ])('input %j -> problem with %s', (overrides, field) => {
    const parsed = creditBudgetInputSchema.safeParse({ subjectType: 'MEMBER', subjectId: 'u1', creditType: 'PHONE', monthlyLimit: 5, ...overrides });
    if (field === null) expect(parsed.success).toBe(true);
    else expect(parsed.error?.issues[0]?.path.join('.')).toBe(field);
  });

  it.each([
    ['an administrator of the workspace', { workspaceId: 'w1', workspaceRole: 'ADMIN' as const }, null],
    ['a member of the workspace', { workspaceId: 'w1', workspaceRole: 'MEMBER' as const }, ErrorCode.FORBIDDEN],
    ['an administrator of another workspace', { workspaceId: 'w2', workspaceRole: 'ADMIN' as const }, ErrorCode.FORBIDDEN],
    ['a user outside any workspace', { workspaceId: null, workspaceRole: null }, ErrorCode.FORBIDDEN],
  ])('budgets of w1 are managed by %s? -> %s', (_name, caller, code) => {
    let thrown: ErrorCode | null = null;
    try {
      assertMayManageBudgets(caller, 'w1');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      thrown = error.code;
    }
    expect(thrown).toBe(code);
  });

  it('a spend counts against the member and, through a token, the token too', () => {
    expect(budgetSubjectsOf({ userId: 'u1', apiTokenId: null })).toEqual([{ subjectType: 'MEMBER', subjectId: 'u1' }]);
    expect(budgetSubjectsOf({ userId: 'u1', apiTokenId: 't1' })).toEqual([
      { subjectType: 'MEMBER', subjectId: 'u1' },
      { subjectType: 'API_TOKEN', subjectId: 't1' },
    ]);
  });

  describe('budgetRefusal', () => {
    const budgets = [budget('MEMBER', 'u1', 10), budget('API_TOKEN', 't1', 3), budget('MEMBER', 'u1', 1, 'EXPORT')];
    const usage: MonthlyUsage = { '2026-11': { 'MEMBER~u1': { PHONE: 8 }, 'API_TOKEN~t1': { PHONE: 2 } }, '2026-10': { 'MEMBER~u1': { PHONE: 10 } } };
    it.each([
      ['within the member budget', { userId: 'u1', apiTokenId: null }, 'PHONE', 2, null],
      ['over the member budget', { userId: 'u1', apiTokenId: null }, 'PHONE', 3, 'MEMBER'],
      ['over the token budget, within the member one', { userId: 'u1', apiTokenId: 't1' }, 'PHONE', 2, 'API_TOKEN'],
      ['a member without a budget', { userId: 'u2', apiTokenId: null }, 'PHONE', 500, null],
      ['another credit type', { userId: 'u1', apiTokenId: null }, 'DIRECT_EMAIL', 500, null],
      ['a zero use of a type so far, over its budget', { userId: 'u1', apiTokenId: null }, 'EXPORT', 2, 'MEMBER'],
    ] as const)('%s', (_name, actor, creditType, amount, refusedBy) => {
      const refusal = budgetRefusal(budgets, usage, '2026-11', actor, creditType, amount);
      expect(refusal?.budget.subjectType ?? null).toBe(refusedBy);
    });

    it("last month's use does not count this month", () => {
      expect(budgetRefusal(budgets, usage, '2026-12', { userId: 'u1', apiTokenId: null }, 'PHONE', 10)).toBeNull();
    });

    it('the refusal names the limit, the subject and the use', () => {
      expect(budgetRefusal(budgets, usage, '2026-11', { userId: 'u1', apiTokenId: null }, 'PHONE', 3)?.message).toBe(
        'The monthly budget of 10 PHONE credits for this member is reached (8 used this month)',
      );
    });
  });

  it.each([
    [74, 100, null],
    [75, 100, 75],
    [89, 100, 75],
    [90, 100, 90],
    [100, 100, 100],
    [3, 4, 75],
    [5, 0, null],
  ])('%i used of %i reaches %s %%', (used, limit, percent) => {
    expect(reachedThreshold(used, limit)).toBe(percent);
  });

  describe('thresholdsReached', () => {
    const snapshot = (overrides: Partial<ThresholdSnapshot> = {}): ThresholdSnapshot => ({
      ownerType: 'WORKSPACE',
      ownerId: 'w1',
      buckets: [],
      budgets: [budget('MEMBER', 'u1', 10)],
      usage: { '2026-11': { 'MEMBER~u1': { PHONE: 9 } } },
      thresholdMarks: [],
      ...overrides,
    });

    it('announces only the highest level reached and marks the lower ones with it', () => {
      const [crossing] = thresholdsReached(snapshot(), ['2026-11'], now);
      expect(crossing).toMatchObject({ scope: 'MEMBER_BUDGET', subjectId: 'u1', thresholdPercent: 90, used: 9, limit: 10, month: '2026-11' });
      expect(crossing?.marks).toEqual(['MEMBER_BUDGET|u1|PHONE|2026-11|10|75', 'MEMBER_BUDGET|u1|PHONE|2026-11|10|90']);
    });

    it('announces nothing already marked, and again for a new limit or a new month', () => {
      const marks = ['MEMBER_BUDGET|u1|PHONE|2026-11|10|75', 'MEMBER_BUDGET|u1|PHONE|2026-11|10|90'];
      expect(thresholdsReached(snapshot({ thresholdMarks: marks }), ['2026-11'], now)).toEqual([]);
      expect(thresholdsReached(snapshot({ thresholdMarks: marks, budgets: [budget('MEMBER', 'u1', 12)] }), ['2026-11'], now)).toHaveLength(1);
      const december = snapshot({ thresholdMarks: marks, usage: { '2026-12': { 'MEMBER~u1': { PHONE: 8 } } } });
      expect(thresholdsReached(december, ['2026-12'], now)[0]).toMatchObject({ thresholdPercent: 75, month: '2026-12' });
    });

    it('the pool counts live limited grants only, and a new grant starts its marks again', () => {
      const buckets = [
        bucket('g1', 10, 2),
        bucket('unlimited', 10_000, 1, { unlimited: true }),
        bucket('expired', 100, 100, { expiresAt: now }),
      ];
      const [pool] = thresholdsReached(snapshot({ budgets: [], buckets }), ['2026-11'], now);
      expect(pool).toMatchObject({ scope: 'POOL', subjectId: null, thresholdPercent: 75, used: 8, limit: 10, month: null });
      const renewed = [...buckets, bucket('g2', 10, 10, { grantedAt: now })];
      expect(thresholdsReached(snapshot({ budgets: [], buckets: renewed, thresholdMarks: pool?.marks ?? [] }), ['2026-11'], now)).toEqual([]);
    });
  });
});
