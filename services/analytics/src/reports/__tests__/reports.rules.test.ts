import { DomainError, ErrorCode, type Caller, type StaffRole } from '@leadgraph/platform';

const userCallerFixture = (staffRoles: StaffRole[]): Caller => ({ kind: 'user', userId: 'u1', sessionId: 's1', workspaceId: null, workspaceRole: null, staffRoles, scopes: [] });
import { addDays, assertMayReadPlatformReports, checkTimeZone, funnelCohorts, funnelDepth, pageOfDays, rollUpDays, startOfDay, zoneOffsetMs } from '../reports.rules';

function failure(run: () => unknown): { code: ErrorCode; field?: string } | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, ...(error.details.field ? { field: error.details.field } : {}) };
    throw error;
  }
}

describe('report rules', () => {
  it('[ANA-02] a report time zone must be an IANA zone, else BAD_USER_INPUT naming the field', () => {
    expect(checkTimeZone('America/New_York')).toBe('America/New_York');
    expect(failure(() => checkTimeZone('Mars/Olympus_Mons'))).toEqual({ code: ErrorCode.BAD_USER_INPUT, field: 'timeZone' });
    expect(failure(() => checkTimeZone(''))).toEqual({ code: ErrorCode.BAD_USER_INPUT, field: 'timeZone' });
  });

  it('[ANA-02] a day starts at local midnight, DST included', () => {
    expect(zoneOffsetMs(new Date('2026-01-15T12:00:00Z'), 'Europe/Paris')).toBe(3_600_000);
    expect(startOfDay('2026-11-23', 'Europe/Paris')).toEqual(new Date('2026-11-22T23:00:00.000Z'));
    expect(startOfDay('2026-07-14', 'Europe/Paris')).toEqual(new Date('2026-07-13T22:00:00.000Z'));
    // 29 March 2026: Paris switches to summer time at 02:00; midnight is still UTC+1.
    expect(startOfDay('2026-03-29', 'Europe/Paris')).toEqual(new Date('2026-03-28T23:00:00.000Z'));
    expect(startOfDay('2026-03-30', 'Europe/Paris')).toEqual(new Date('2026-03-29T22:00:00.000Z'));
    expect(startOfDay('2026-11-23', 'America/New_York')).toEqual(new Date('2026-11-23T05:00:00.000Z'));
    expect(startOfDay('2026-11-23', 'UTC')).toEqual(new Date('2026-11-23T00:00:00.000Z'));
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('[ANA-02] report days are paged with a cursor day', () => {
    expect(pageOfDays('2026-11-01', '2026-11-05', null, 2)).toEqual({ days: ['2026-11-01', '2026-11-02'], hasNextPage: true });
    expect(pageOfDays('2026-11-01', '2026-11-05', '2026-11-02', 2)).toEqual({ days: ['2026-11-03', '2026-11-04'], hasNextPage: true });
    expect(pageOfDays('2026-11-01', '2026-11-05', '2026-11-04', 2)).toEqual({ days: ['2026-11-05'], hasNextPage: false });
    expect(pageOfDays('2026-11-01', '2026-11-05', '2026-11-05', 2)).toEqual({ days: [], hasNextPage: false });
  });

  it('[ANA-02] hourly counters roll up into the days of the asked time zone', () => {
    const buckets = [
      { hour: new Date('2026-11-22T23:00:00.000Z'), metric: 'SEARCHES' as const, count: 2 },
      { hour: new Date('2026-11-23T04:00:00.000Z'), metric: 'SEARCHES' as const, count: 3 },
    ];
    const paris = rollUpDays(buckets, ['2026-11-22', '2026-11-23'], 'Europe/Paris');
    expect(paris.get('2026-11-22')?.SEARCHES).toBe(0);
    expect(paris.get('2026-11-23')?.SEARCHES).toBe(5);
    const newYork = rollUpDays(buckets, ['2026-11-22', '2026-11-23'], 'America/New_York');
    expect(newYork.get('2026-11-22')?.SEARCHES).toBe(5);
    expect(newYork.get('2026-11-23')?.SEARCHES).toBe(0);
  });

  it('[ANA-02] the sign-up funnel counts steps in order, by sign-up day', () => {
    const at = (iso: string) => new Date(iso);
    expect(funnelDepth({ signedUpAt: at('2026-11-01T10:00:00Z'), firstRevealAt: at('2026-11-02T10:00:00Z') })).toBe(1);
    const cohorts = funnelCohorts(
      [
        { signedUpAt: at('2026-11-01T10:00:00Z') },
        { signedUpAt: at('2026-11-01T11:00:00Z'), firstSearchAt: at('2026-11-01T12:00:00Z'), firstRevealAt: at('2026-11-02T10:00:00Z'), subscribedAt: at('2026-11-03T10:00:00Z') },
        { signedUpAt: at('2026-11-01T23:30:00Z'), firstSearchAt: at('2026-11-02T12:00:00Z') },
        { firstSearchAt: at('2026-11-01T12:00:00Z') },
      ],
      ['2026-11-01', '2026-11-02'],
      'Europe/Paris',
    );
    expect(cohorts).toEqual([
      { cohortDay: '2026-11-01', signedUp: 2, searched: 1, revealed: 1, subscribed: 1 },
      // 23:30 UTC is the 2nd in Paris.
      { cohortDay: '2026-11-02', signedUp: 1, searched: 1, revealed: 0, subscribed: 0 },
    ]);
  });

  it('[ANA-02] platform reports are for internal staff only', () => {
    expect(failure(() => assertMayReadPlatformReports(userCallerFixture([])))).toEqual({ code: ErrorCode.FORBIDDEN });
    expect(failure(() => assertMayReadPlatformReports({ kind: 'anonymous' }))).toEqual({ code: ErrorCode.UNAUTHENTICATED });
    expect(failure(() => assertMayReadPlatformReports(userCallerFixture(['SUPPORT'])))).toBeNull();
    expect(failure(() => assertMayReadPlatformReports(userCallerFixture(['SUPER_ADMIN'])))).toBeNull();
  });
});
