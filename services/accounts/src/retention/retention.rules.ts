import { addCalendarMonths, DAY_MS } from '@leadgraph/platform';
import { REFERRAL_RETENTION_DAYS } from '../referrals/referral.rules';

/**
 * PRV-07: the retention schedule's categories that accounts enforces, with the limits of the
 * privacy service's schedule (`services/privacy/src/retention-schedule/retention-schedule.json`,
 * `enforcedBy: accounts`). Services never read each other's data (EVT-01), so the limits are
 * mirrored here; a test pins them. Pure.
 */
export const accountsRetentionCategories = ['ENQUIRIES', 'ACCOUNT_DATA', 'MARKETING', 'REFERRAL_INVITATIONS'] as const;
export type AccountsRetentionCategory = (typeof accountsRetentionCategories)[number];

/** Enquiries: 5 years after the last contact. */
export const ENQUIRIES_RETENTION_MONTHS = 60;
/** Account data: 5 years after the relationship ends (the account's or workspace's deletion). */
export const ACCOUNT_DATA_RETENTION_MONTHS = 60;
/** Marketing data: 3 years after the relationship ends (at opt-out, marketing stops at once: PRV-08). */
export const MARKETING_RETENTION_MONTHS = 36;

/**
 * Records whose trigger (relationship end, last contact, invitation sent) is at or before the
 * cut-off are due for deletion at `now`.
 */
export function retentionCutoff(category: AccountsRetentionCategory, now: Date): Date {
  switch (category) {
    case 'ENQUIRIES':
      return addCalendarMonths(now, -ENQUIRIES_RETENTION_MONTHS);
    case 'ACCOUNT_DATA':
      return addCalendarMonths(now, -ACCOUNT_DATA_RETENTION_MONTHS);
    case 'MARKETING':
      return addCalendarMonths(now, -MARKETING_RETENTION_MONTHS);
    case 'REFERRAL_INVITATIONS':
      // The referral feature's own limit (about 3 months), fixed on each invitation as expiresAt.
      return new Date(now.getTime() - REFERRAL_RETENTION_DAYS * DAY_MS);
  }
}
