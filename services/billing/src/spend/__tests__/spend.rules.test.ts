import { DomainError, ErrorCode, type Caller } from '@leadgraph/platform';
import type { CreditBucket } from '../../credits/credit.model';
import {
  availableToCaller,
  creditCallerOf,
  creditOwnerFor,
  decideSpend,
  spendRefusalError,
  type SpendAccountView,
  type SpendIntent,
} from '../spend.rules';

const now = new Date('2026-11-23T09:00:00.000Z');

function bucket(grantId: string, remaining: number, overrides: Partial<CreditBucket> = {}): CreditBucket {
  return {
    grantId,
    creditType: 'PHONE',
    source: 'SUBSCRIPTION',
    unlimited: false,
    granted: remaining,
    remaining,
    expiresAt: new Date('2026-12-01T00:00:00.000Z'),
    grantedAt: new Date('2026-11-01T00:00:00.000Z'),
    ...overrides,
  };
}

function account(overrides: Partial<SpendAccountView> = {}): SpendAccountView {
  return { ownerType: 'WORKSPACE', buckets: [bucket('g1', 10)], budgets: [], usage: {}, closed: null, ...overrides };
}

const intent = (overrides: Partial<SpendIntent> = {}): SpendIntent => ({
  creditType: 'PHONE',
  amount: 1,
  actor: { userId: 'u1', apiTokenId: null },
  limits: 'CALLER',
  ...overrides,
});

describe('spend rules', () => {
  it.each([
    ['a member of a PREMIUM workspace pays from the pool', { userId: 'u1', workspaceId: 'w1', viaApiTokenId: null }, 'PREMIUM', { ownerType: 'WORKSPACE', ownerId: 'w1' }],
    ['a partner token of a PREMIUM workspace too', { userId: 'u1', workspaceId: 'w1', viaApiTokenId: 't1' }, 'PREMIUM', { ownerType: 'WORKSPACE', ownerId: 'w1' }],
    ['a member of a FREEMIUM workspace pays personally', { userId: 'u1', workspaceId: 'w1', viaApiTokenId: null }, 'FREEMIUM', { ownerType: 'USER', ownerId: 'u1' }],
    ['a workspace billing never heard of: personally', { userId: 'u1', workspaceId: 'w1', viaApiTokenId: null }, null, { ownerType: 'USER', ownerId: 'u1' }],
    ['a user outside any workspace: personally', { userId: 'u1', workspaceId: null, viaApiTokenId: null }, null, { ownerType: 'USER', ownerId: 'u1' }],
  ] as const)('[BIL-08] %s', (_name, caller, plan, owner) => {
    expect(creditOwnerFor(caller, plan)).toEqual(owner);
  });

  describe('decideSpend', () => {
    it('[CON-03] a spend within the credits draws them and counts the member', () => {
      expect(decideSpend(account(), intent({ amount: 2 }), now)).toEqual({
        ok: true,
        month: '2026-11',
        portions: [{ grantId: 'g1', amount: 2, unlimited: false }],
        increments: [{ counterId: 'MEMBER~u1', amount: 2, ceiling: null }],
        budgets: [{ subject: { subjectType: 'MEMBER', subjectId: 'u1' }, monthlyLimit: null }],
      });
    });

    it.each([
      ['no account at all', null, intent(), 'INSUFFICIENT_CREDITS'],
      ['not enough credits', account(), intent({ amount: 11 }), 'INSUFFICIENT_CREDITS'],
      ['a deleted owner', account({ closed: { reason: 'WORKSPACE_DELETED', at: now } }), intent(), 'OWNER_CLOSED'],
      [
        'over a member budget',
        account({ budgets: [{ subjectType: 'MEMBER', subjectId: 'u1', creditType: 'PHONE', monthlyLimit: 1, setByUserId: 'a', setAt: now }] }),
        intent({ amount: 2 }),
        'BUDGET_EXCEEDED',
      ],
      [
        '[BIL-07] over the fair-use cap',
        account({ ownerType: 'USER', buckets: [bucket('u', 50_000, { unlimited: true })], usage: { '2026-11': { 'FAIR_USE~u1': { PHONE: 10_000 } } } }),
        intent(),
        'FAIR_USE_CAP_REACHED',
      ],
    ] as const)('[CON-04] refused: %s -> %s', (_name, view, spend, reason) => {
      expect(decideSpend(view, spend, now)).toMatchObject({ ok: false, reason });
    });

    it('a budget is checked on the pool only: personal credits are the user\'s own (BIL-08)', () => {
      const budgets = [{ subjectType: 'MEMBER' as const, subjectId: 'u1', creditType: 'PHONE' as const, monthlyLimit: 0, setByUserId: 'a', setAt: now }];
      expect(decideSpend(account({ ownerType: 'USER', budgets }), intent(), now)).toMatchObject({ ok: true, increments: [] });
    });

    it('[BIL-07] unlimited credits drawn count toward the fair-use counter, with the cap as ceiling', () => {
      const decision = decideSpend(account({ ownerType: 'USER', buckets: [bucket('u', 50_000, { unlimited: true })] }), intent({ amount: 5 }), now);
      expect(decision).toMatchObject({ ok: true, increments: [{ counterId: 'FAIR_USE~u1', amount: 5, ceiling: 10_000 }] });
    });

    it('a staff correction is held by neither budgets nor fair use', () => {
      const budgets = [{ subjectType: 'MEMBER' as const, subjectId: 'staff', creditType: 'PHONE' as const, monthlyLimit: 0, setByUserId: 'a', setAt: now }];
      const view = account({ budgets, buckets: [bucket('u', 50_000, { unlimited: true })], usage: { '2026-11': { 'FAIR_USE~staff': { PHONE: 10_000 } } } });
      expect(decideSpend(view, intent({ actor: { userId: 'staff', apiTokenId: null }, limits: 'NONE', amount: 3 }), now)).toMatchObject({
        ok: true,
        increments: [],
        budgets: [],
      });
    });
  });

  it('[BIL-07] what a caller may draw: limited credits, unlimited ones within fair use (never through a token), within budgets', () => {
    const view = account({
      buckets: [bucket('u', 50_000, { unlimited: true }), bucket('addon', 4)],
      usage: { '2026-11': { 'FAIR_USE~u1': { PHONE: 9_990 }, 'API_TOKEN~t1': { PHONE: 1 } } },
      budgets: [{ subjectType: 'API_TOKEN', subjectId: 't1', creditType: 'PHONE', monthlyLimit: 3, setByUserId: 'a', setAt: now }],
    });
    expect(availableToCaller(view, intent(), now)).toBe(14);
    expect(availableToCaller(view, intent({ actor: { userId: 'u1', apiTokenId: 't1' } }), now)).toBe(2);
    expect(availableToCaller(null, intent(), now)).toBe(0);
  });

  it('[CON-04] refusals become INSUFFICIENT_CREDITS naming the type; a budget is FORBIDDEN with its reason', () => {
    expect(spendRefusalError('INSUFFICIENT_CREDITS', 'Not enough PHONE credits', 'PHONE')).toMatchObject({
      code: ErrorCode.INSUFFICIENT_CREDITS,
      details: { creditType: 'PHONE' },
    });
    expect(spendRefusalError('FAIR_USE_CAP_REACHED', 'cap', 'PRO_EMAIL')).toMatchObject({ code: ErrorCode.INSUFFICIENT_CREDITS });
    expect(spendRefusalError('BUDGET_EXCEEDED', 'budget', 'EXPORT')).toMatchObject({
      code: ErrorCode.FORBIDDEN,
      details: { creditType: 'EXPORT', reason: 'CREDIT_BUDGET_EXCEEDED' },
    });
  });

  it('[ACC-08] a partner token spends as itself and must hold billing:read to quote', () => {
    const token = (scopes: Array<'billing:read' | 'contacts:reveal'>): Caller => ({ kind: 'apiToken', tokenId: 't1', userId: 'u1', workspaceId: 'w1', scopes });
    expect(creditCallerOf(token(['billing:read']))).toEqual({ userId: 'u1', workspaceId: 'w1', viaApiTokenId: 't1' });
    expect(() => creditCallerOf(token(['contacts:reveal']))).toThrow(DomainError);
    expect(() => creditCallerOf({ kind: 'anonymous' })).toThrow(DomainError);
  });
});
