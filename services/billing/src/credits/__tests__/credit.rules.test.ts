import { DomainError, ErrorCode, type Caller } from '@leadgraph/platform';
import type { CreditBucket, PendingLedgerEntry } from '../credit.model';
import {
  FAIR_USE_MONTHLY_CAP,
  assertMayReadCredits,
  balanceDelta,
  balancesAfterPending,
  compareDrawOrder,
  creditMonthOf,
  deriveBalances,
  dueBuckets,
  grantInputSchema,
  ledgerSums,
  planDraw,
  previousCreditMonth,
  startOfNextMonth,
  usageCounterId,
  usageOf,
  zeroBalances,
} from '../credit.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const endOfPeriod = new Date('2026-11-30T23:00:00.000Z');
const endOfNextPeriod = new Date('2026-12-31T23:00:00.000Z');

function bucket(grantId: string, overrides: Partial<CreditBucket> = {}): CreditBucket {
  return {
    grantId,
    creditType: 'PHONE',
    source: 'SUBSCRIPTION',
    unlimited: false,
    granted: 10,
    remaining: 10,
    expiresAt: endOfPeriod,
    grantedAt: new Date('2026-11-01T00:00:00.000Z'),
    ...overrides,
  };
}

function line(id: string, kind: PendingLedgerEntry['kind'], amount: number, creditType: PendingLedgerEntry['creditType'] = 'PHONE') {
  return { _id: id, kind, amount, creditType };
}

function codeOf(run: () => void): ErrorCode | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('credit ledger rules', () => {
  describe('grants', () => {
    const valid = {
      owner: { ownerType: 'WORKSPACE', ownerId: 'w1' },
      creditType: 'PHONE',
      amount: 100,
      source: 'SUBSCRIPTION',
      expiresAt: endOfPeriod,
      unlimited: false,
      idempotencyKey: 'subscription:s1:2026-11:PHONE',
    };
    it.each([
      ['a subscription grant until the end of the period', {}, null],
      ['registration credits that never expire', { source: 'REGISTRATION', expiresAt: null }, null],
      ['[BIL-05] subscription credits without an expiry', { expiresAt: null }, 'expiresAt'],
      ['[BIL-05] reward credits without an expiry', { source: 'REWARD', expiresAt: null }, 'expiresAt'],
      ['[BIL-05] add-on credits without an expiry', { source: 'ADD_ON', expiresAt: null }, 'expiresAt'],
      ['an expiry already past', { expiresAt: now }, 'expiresAt'],
      ['[BIL-07] unlimited credits that are not subscription credits', { source: 'ADD_ON', unlimited: true }, 'unlimited'],
      ['a zero amount', { amount: 0 }, 'amount'],
      ['a fractional amount', { amount: 1.5 }, 'amount'],
      ['an unknown credit type', { creditType: 'FAX' }, 'creditType'],
      ['an empty idempotency key', { idempotencyKey: ' ' }, 'idempotencyKey'],
      ['an owner without id', { owner: { ownerType: 'USER', ownerId: '' } }, 'owner.ownerId'],
    ])('%s', (_name, overrides, field) => {
      const parsed = grantInputSchema(now).safeParse({ ...valid, ...overrides });
      if (field === null) expect(parsed.success).toBe(true);
      else expect(parsed.error?.issues[0]?.path.join('.')).toBe(field);
    });
  });

  describe('[BIL-05] draw order: what expires first is spent first, never-expiring credits last', () => {
    it.each([
      ['earlier expiry first', bucket('late', { expiresAt: endOfNextPeriod }), bucket('early'), ['early', 'late']],
      ['never-expiring last', bucket('forever', { expiresAt: null, source: 'REGISTRATION' }), bucket('period'), ['period', 'forever']],
      ['same expiry: unlimited first', bucket('addon'), bucket('unlimited', { unlimited: true }), ['unlimited', 'addon']],
      [
        'same expiry: oldest grant first',
        bucket('newer', { grantedAt: new Date('2026-11-10T00:00:00.000Z') }),
        bucket('older', { grantedAt: new Date('2026-11-02T00:00:00.000Z') }),
        ['older', 'newer'],
      ],
    ])('%s', (_name, first, second, order) => {
      expect([first, second].sort(compareDrawOrder).map((candidate) => candidate.grantId)).toEqual(order);
    });
  });

  describe('planDraw', () => {
    const base = { creditType: 'PHONE' as const, viaApiToken: false, fairUseRemaining: FAIR_USE_MONTHLY_CAP };

    it('[BIL-05] takes from the grant that expires first, then the next', () => {
      const plan = planDraw(
        [bucket('forever', { expiresAt: null, remaining: 5 }), bucket('next', { expiresAt: endOfNextPeriod }), bucket('this', { remaining: 2 })],
        { ...base, amount: 4 },
        now,
      );
      expect(plan).toEqual({
        ok: true,
        portions: [
          { grantId: 'this', amount: 2, unlimited: false },
          { grantId: 'next', amount: 2, unlimited: false },
        ],
      });
    });

    it('[BIL-05] expired, empty and other-type grants are never drawn', () => {
      const plan = planDraw(
        [bucket('expired', { expiresAt: now }), bucket('empty', { remaining: 0 }), bucket('export', { creditType: 'EXPORT' }), bucket('ok', { remaining: 1 })],
        { ...base, amount: 1 },
        now,
      );
      expect(plan).toEqual({ ok: true, portions: [{ grantId: 'ok', amount: 1, unlimited: false }] });
    });

    it('[CON-04] not enough credits: refused naming the type, nothing drawn', () => {
      expect(planDraw([bucket('g', { remaining: 2 })], { ...base, amount: 3 }, now)).toEqual({
        ok: false,
        reason: 'INSUFFICIENT_CREDITS',
        message: 'Not enough PHONE credits',
      });
    });

    it('[BIL-07] a partner token never draws unlimited credits: limited ones or a refusal', () => {
      const buckets = [bucket('unlimited', { unlimited: true, granted: 10_000, remaining: 10_000 }), bucket('addon', { expiresAt: endOfNextPeriod, remaining: 1 })];
      expect(planDraw(buckets, { ...base, amount: 1, viaApiToken: true }, now)).toEqual({
        ok: true,
        portions: [{ grantId: 'addon', amount: 1, unlimited: false }],
      });
      const refused = planDraw(buckets, { ...base, amount: 2, viaApiToken: true }, now);
      expect(refused).toMatchObject({ ok: false, reason: 'INSUFFICIENT_CREDITS' });
      expect(!refused.ok && refused.message).toMatch(/never use unlimited/);
    });

    it('[BIL-07] unlimited credits stop at the fair-use cap left this month, then limited ones pay', () => {
      const buckets = [bucket('unlimited', { unlimited: true, granted: 50_000, remaining: 50_000 }), bucket('addon', { expiresAt: endOfNextPeriod })];
      expect(planDraw(buckets, { ...base, amount: 5, fairUseRemaining: 2 }, now)).toEqual({
        ok: true,
        portions: [
          { grantId: 'unlimited', amount: 2, unlimited: true },
          { grantId: 'addon', amount: 3, unlimited: false },
        ],
      });
      expect(planDraw([buckets[0] as CreditBucket], { ...base, amount: 1, fairUseRemaining: 0 }, now)).toMatchObject({
        ok: false,
        reason: 'FAIR_USE_CAP_REACHED',
      });
    });
  });

  describe('balances', () => {
    it('[BIL-01] no grant is a zero balance for each of the four credit types', () => {
      expect(deriveBalances([], now)).toEqual([
        { creditType: 'PRO_EMAIL', available: 0, unlimited: false, nearestExpiry: null },
        { creditType: 'PHONE', available: 0, unlimited: false, nearestExpiry: null },
        { creditType: 'DIRECT_EMAIL', available: 0, unlimited: false, nearestExpiry: null },
        { creditType: 'EXPORT', available: 0, unlimited: false, nearestExpiry: null },
      ]);
    });

    it('[BIL-05] expired grants no longer count even before the expiry job ran; the nearest expiry skips empty grants', () => {
      const balances = deriveBalances(
        [
          bucket('expired', { expiresAt: now }),
          bucket('empty', { remaining: 0 }),
          bucket('next', { expiresAt: endOfNextPeriod, remaining: 4 }),
          bucket('forever', { expiresAt: null, remaining: 1 }),
        ],
        now,
      );
      expect(balances.find((balance) => balance.creditType === 'PHONE')).toEqual({
        creditType: 'PHONE',
        available: 5,
        unlimited: false,
        nearestExpiry: endOfNextPeriod,
      });
    });

    it('[BIL-07] a live fair-use grant marks the balance unlimited', () => {
      const balances = deriveBalances([bucket('u', { creditType: 'PRO_EMAIL', unlimited: true, granted: 10_000, remaining: 10_000 })], now);
      expect(balances.find((balance) => balance.creditType === 'PRO_EMAIL')).toMatchObject({ available: 10_000, unlimited: true });
    });

    it('[BIL-04] the ledger sum is grants + refunds - spends - expiries - forfeits, per type', () => {
      expect(
        ledgerSums([
          line('g1', 'GRANT', 10),
          line('g2', 'GRANT', 5, 'EXPORT'),
          line('s1', 'SPEND', 3),
          line('r1', 'REFUND', 1),
          line('x1', 'EXPIRE', 2),
          line('f1', 'FORFEIT', 5, 'EXPORT'),
        ]),
      ).toEqual({ ...zeroBalances(), PHONE: 6, EXPORT: 0 });
      expect([balanceDelta(line('s', 'SPEND', 4)), balanceDelta(line('g', 'GRANT', 4))]).toEqual([-4, 4]);
    });

    it('the balance after each pending line is walked back from the cached balance', () => {
      const after = balancesAfterPending({ ...zeroBalances(), PHONE: 7, EXPORT: 3 }, [
        line('g', 'GRANT', 10),
        line('e', 'GRANT', 3, 'EXPORT'),
        line('s1', 'SPEND', 2),
        line('s2', 'SPEND', 1),
      ]);
      expect(Object.fromEntries(after)).toEqual({ g: 10, e: 3, s1: 8, s2: 7 });
    });

    it('[BIL-05] due buckets are those whose expiry has come', () => {
      expect(dueBuckets([bucket('due', { expiresAt: now }), bucket('live'), bucket('forever', { expiresAt: null })], now).map((b) => b.grantId)).toEqual([
        'due',
      ]);
    });
  });

  describe('months and counters', () => {
    it.each([
      ['2026-11-30T23:59:59.999Z', '2026-11', '2026-12-01T00:00:00.000Z', '2026-10'],
      ['2026-12-01T00:00:00.000Z', '2026-12', '2027-01-01T00:00:00.000Z', '2026-11'],
      ['2027-01-15T12:00:00.000Z', '2027-01', '2027-02-01T00:00:00.000Z', '2026-12'],
    ])('%s is in month %s, which ends at %s and follows %s', (instant, month, next, previous) => {
      const at = new Date(instant);
      expect(creditMonthOf(at)).toBe(month);
      expect(startOfNextMonth(at).toISOString()).toBe(next);
      expect(previousCreditMonth(at)).toBe(previous);
    });

    it('counter ids are safe field names whatever the id holds', () => {
      expect(usageCounterId('MEMBER', 'user.1$x%')).toBe('MEMBER~user%2E1%24x%25');
      expect(usageOf({ '2026-11': { 'MEMBER~u1': { PHONE: 3 } } }, '2026-11', 'MEMBER~u1', 'PHONE')).toBe(3);
      expect(usageOf(undefined, '2026-11', 'MEMBER~u1', 'PHONE')).toBe(0);
    });
  });

  describe('who reads credits', () => {
    it('[BIL-08] a user reads their personal credits and a member the workspace pool, nobody else', () => {
      const member: Caller = {
        kind: 'user',
        userId: 'u1',
        sessionId: 's1',
        workspaceId: 'w1',
        workspaceRole: 'MEMBER',
        staffRoles: [],
        scopes: ['billing:read'],
      };
      expect(codeOf(() => assertMayReadCredits(member, { ownerType: 'USER', ownerId: 'u1' }))).toBeNull();
      expect(codeOf(() => assertMayReadCredits(member, { ownerType: 'WORKSPACE', ownerId: 'w1' }))).toBeNull();
      expect(codeOf(() => assertMayReadCredits(member, { ownerType: 'USER', ownerId: 'u2' }))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => assertMayReadCredits(member, { ownerType: 'WORKSPACE', ownerId: 'w2' }))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => assertMayReadCredits({ kind: 'anonymous' }, { ownerType: 'USER', ownerId: 'u1' }))).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('[ACC-08] a partner token reads its workspace credits only with billing:read', () => {
      const token = (scopes: Array<'billing:read' | 'contacts:read'>): Caller => ({ kind: 'apiToken', tokenId: 't1', userId: 'u1', workspaceId: 'w1', scopes });
      expect(codeOf(() => assertMayReadCredits(token(['billing:read']), { ownerType: 'WORKSPACE', ownerId: 'w1' }))).toBeNull();
      expect(codeOf(() => assertMayReadCredits(token(['contacts:read']), { ownerType: 'WORKSPACE', ownerId: 'w1' }))).toBe(ErrorCode.FORBIDDEN);
      expect(codeOf(() => assertMayReadCredits(token(['billing:read']), { ownerType: 'WORKSPACE', ownerId: 'w2' }))).toBe(ErrorCode.FORBIDDEN);
    });
  });
});
