import { DomainError, ErrorCode, type Caller } from '@leadgraph/platform';
import { MAX_REPORT_DAYS, assertMayReadWorkspaceUsage, dayBucket, dayRangeProblem, isTimeZone } from '../usage.rules';

function codeOf(run: () => void): ErrorCode | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const admin: Caller = { kind: 'user', userId: 'u1', sessionId: 's1', workspaceId: 'w1', workspaceRole: 'ADMIN', staffRoles: [], scopes: [] };

describe('usage rules', () => {
  it('[ANA-02] an instant is counted on its calendar day in the reporting time zone', () => {
    // 23:30 UTC on 22 November is 00:30 on the 23rd in Paris (UTC+1 in winter).
    expect(dayBucket(new Date('2026-11-22T23:30:00.000Z'), 'Europe/Paris')).toBe('2026-11-23');
    expect(dayBucket(new Date('2026-11-22T23:30:00.000Z'), 'UTC')).toBe('2026-11-22');
    // Summer time: UTC+2, so 22:30 UTC is already the next day.
    expect(dayBucket(new Date('2026-07-14T22:30:00.000Z'), 'Europe/Paris')).toBe('2026-07-15');
    expect(dayBucket(new Date('2026-01-01T04:00:00.000Z'), 'America/New_York')).toBe('2025-12-31');
  });

  it('[ANA-02] only IANA time zones are accepted', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('[ANA-02] a report range is two calendar days, in order, at most a year apart', () => {
    expect(dayRangeProblem('2026-11-01', '2026-11-30')).toBeNull();
    expect(dayRangeProblem('2026-11-01', '2026-11-01')).toBeNull();
    expect(dayRangeProblem('2026-11-1', '2026-11-30')).toEqual({ field: 'from', message: expect.stringMatching(/YYYY-MM-DD/) });
    expect(dayRangeProblem('2026-11-01', '2026-02-30')).toEqual({ field: 'to', message: expect.stringMatching(/YYYY-MM-DD/) });
    expect(dayRangeProblem('2026-11-30', '2026-11-01')).toEqual({ field: 'to', message: 'must not be before from' });
    expect(dayRangeProblem('2024-01-01', '2024-12-31')).toBeNull();
    expect(dayRangeProblem('2024-01-01', '2025-01-01')).toEqual({ field: 'to', message: `must be at most ${MAX_REPORT_DAYS} days after from` });
  });

  it('[ANA-02] a workspace usage is read by its administrators only', () => {
    expect(codeOf(() => assertMayReadWorkspaceUsage(admin, 'w1'))).toBeNull();
    expect(codeOf(() => assertMayReadWorkspaceUsage(admin, 'w2'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertMayReadWorkspaceUsage({ ...admin, workspaceRole: 'MEMBER' }, 'w1'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertMayReadWorkspaceUsage({ kind: 'anonymous' }, 'w1'))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('[ACC-08] a partner token reads its own workspace usage with analytics:read only', () => {
    const token = (workspaceId: string, scopes: Array<'analytics:read' | 'billing:read'>): Caller => ({
      kind: 'apiToken',
      tokenId: 't1',
      userId: 'u1',
      workspaceId,
      scopes,
    });
    expect(codeOf(() => assertMayReadWorkspaceUsage(token('w1', ['analytics:read']), 'w1'))).toBeNull();
    expect(codeOf(() => assertMayReadWorkspaceUsage(token('w1', ['billing:read']), 'w1'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => assertMayReadWorkspaceUsage(token('w2', ['analytics:read']), 'w1'))).toBe(ErrorCode.FORBIDDEN);
  });
});
