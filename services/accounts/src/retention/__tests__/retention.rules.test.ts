import { DAY_MS, addCalendarMonths } from '@leadgraph/platform';
import {
  ACCOUNT_DATA_RETENTION_MONTHS,
  ENQUIRIES_RETENTION_MONTHS,
  MARKETING_RETENTION_MONTHS,
  accountsRetentionCategories,
  retentionCutoff,
} from '../retention.rules';

describe('accounts retention rules (PRV-07)', () => {
  const now = new Date('2026-11-23T09:00:00.000Z');

  it('[PRV-07] enforces the schedule\'s accounts categories with its limits (enquiries 5 y, account data 5 y, marketing 3 y, referrals 3 months)', () => {
    expect([...accountsRetentionCategories].sort()).toEqual(['ACCOUNT_DATA', 'ENQUIRIES', 'MARKETING', 'REFERRAL_INVITATIONS']);
    expect([ENQUIRIES_RETENTION_MONTHS, ACCOUNT_DATA_RETENTION_MONTHS, MARKETING_RETENTION_MONTHS]).toEqual([60, 60, 36]);
  });

  it('[PRV-07] cut-offs: account data 5 years, marketing 3 years, enquiries 5 years, referral invitations about 3 months before now', () => {
    expect(retentionCutoff('ACCOUNT_DATA', now).toISOString()).toBe('2021-11-23T09:00:00.000Z');
    expect(retentionCutoff('ENQUIRIES', now).toISOString()).toBe('2021-11-23T09:00:00.000Z');
    expect(retentionCutoff('MARKETING', now).toISOString()).toBe('2023-11-23T09:00:00.000Z');
    const referral = retentionCutoff('REFERRAL_INVITATIONS', now);
    expect(now.getTime() - referral.getTime()).toBe(92 * DAY_MS);
    expect(referral.getTime()).toBeLessThanOrEqual(addCalendarMonths(now, -3).getTime());
  });

  it('[PRV-07] calendar months in UTC: a missing day becomes the month\'s last day, leap days included', () => {
    expect(addCalendarMonths(new Date('2026-05-31T10:00:00.000Z'), -3).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addCalendarMonths(new Date('2029-02-28T00:00:00.000Z'), -60).toISOString()).toBe('2024-02-28T00:00:00.000Z');
    expect(addCalendarMonths(new Date('2024-02-29T12:00:00.000Z'), 12).toISOString()).toBe('2025-02-28T12:00:00.000Z');
    expect(addCalendarMonths(new Date('2026-01-15T00:00:00.000Z'), -1).toISOString()).toBe('2025-12-15T00:00:00.000Z');
  });
});
