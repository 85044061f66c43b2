import { DomainError, ErrorCode, type Caller } from '@leadgraph/platform';
import { assertMayReadCredits, deriveBalances, type LedgerLine } from '../credit.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const endOfPeriod = new Date('2026-11-30T23:00:00.000Z');
const endOfNextPeriod = new Date('2026-12-31T23:00:00.000Z');

function grant(id: string, creditType: LedgerLine['creditType'], amount: number, expiresAt: Date | null, unlimited = false): LedgerLine {
  return { _id: id, kind: 'GRANT', creditType, amount, grantId: null, unlimited, expiresAt };
}
function against(id: string, kind: 'SPEND' | 'EXPIRE' | 'REFUND', grantId: string, amount: number): LedgerLine {
  return { _id: id, kind, creditType: 'PHONE', amount, grantId, unlimited: false, expiresAt: null };
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
  it('[BIL-01] an empty ledger is a zero balance for each of the four credit types', () => {
    expect(deriveBalances([], now)).toEqual([
      { creditType: 'PRO_EMAIL', balance: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'PHONE', balance: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'DIRECT_EMAIL', balance: 0, unlimited: false, nearestExpiry: null },
      { creditType: 'EXPORT', balance: 0, unlimited: false, nearestExpiry: null },
    ]);
  });

  it('[BIL-04] the balance is grants minus spends and expiries plus refunds, per type', () => {
    const balances = deriveBalances(
      [
        grant('g1', 'PHONE', 10, endOfPeriod),
        grant('g2', 'PHONE', 5, endOfNextPeriod),
        against('s1', 'SPEND', 'g1', 3),
        against('s2', 'SPEND', 'g1', 2),
        against('r1', 'REFUND', 'g1', 2),
        grant('g3', 'EXPORT', 100, endOfPeriod),
      ],
      now,
    );
    expect(balances.find((balance) => balance.creditType === 'PHONE')?.balance).toBe(12);
    expect(balances.find((balance) => balance.creditType === 'EXPORT')?.balance).toBe(100);
    expect(balances.find((balance) => balance.creditType === 'DIRECT_EMAIL')?.balance).toBe(0);
  });

  it('[BIL-05] credits past their expiry no longer count, even before an EXPIRE line is written', () => {
    const balances = deriveBalances([grant('g1', 'PHONE', 10, now), grant('g2', 'PHONE', 4, endOfPeriod)], now);
    expect(balances.find((balance) => balance.creditType === 'PHONE')).toMatchObject({ balance: 4, nearestExpiry: endOfPeriod });
  });

  it('[BIL-05] the nearest expiry is that of the first remaining credits, ignoring used-up grants', () => {
    const balances = deriveBalances(
      [
        grant('g1', 'PHONE', 2, endOfPeriod),
        grant('g2', 'PHONE', 5, endOfNextPeriod),
        grant('g3', 'PHONE', 1, null),
        against('s1', 'SPEND', 'g1', 2),
      ],
      now,
    );
    expect(balances.find((balance) => balance.creditType === 'PHONE')).toMatchObject({ balance: 6, nearestExpiry: endOfNextPeriod });
    const expired = deriveBalances([grant('g1', 'PHONE', 2, endOfPeriod), against('x1', 'EXPIRE', 'g1', 2), grant('g2', 'PHONE', 1, null)], now);
    expect(expired.find((balance) => balance.creditType === 'PHONE')).toMatchObject({ balance: 1, nearestExpiry: null });
  });

  it('[BIL-07] a live fair-use grant marks the balance unlimited', () => {
    const balances = deriveBalances([grant('g1', 'PRO_EMAIL', 10_000, endOfPeriod, true)], now);
    expect(balances.find((balance) => balance.creditType === 'PRO_EMAIL')).toMatchObject({ balance: 10_000, unlimited: true });
  });

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
