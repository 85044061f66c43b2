import { INVOICE_RETENTION_YEARS, mayPurgeInvoice } from '../invoices/invoice.rules';

/**
 * Retention of billing's data (PRV-07, BIL-17). Pure: time passed in.
 *
 * Billing enforces one category of the retention schedule: ACCOUNTING, invoices and billing
 * records kept 10 years after the end of their fiscal year. Each invoice carries the first moment
 * it may go (`retainedUntil`, see `invoiceRetainedUntil`), so a pass at `now` deletes exactly the
 * invoices whose `retainedUntil` is at or before `now`.
 */

/** The retention schedule's category billing enforces (`retention-schedule.json`). */
export const ACCOUNTING_DATA_CATEGORY = 'ACCOUNTING';

/**
 * The cut-off a pass at `now` reports: records whose trigger (the end of their fiscal year) is at
 * or before it are due, i.e. `now` minus 10 years, day for day in UTC (a 29 February goes back to
 * 1 March when the target year has none, as `Date.UTC` does).
 */
export function accountingCutoff(now: Date): Date {
  return new Date(
    Date.UTC(
      now.getUTCFullYear() - INVOICE_RETENTION_YEARS,
      now.getUTCMonth(),
      now.getUTCDate(),
      now.getUTCHours(),
      now.getUTCMinutes(),
      now.getUTCSeconds(),
      now.getUTCMilliseconds(),
    ),
  );
}

/** Whether an invoice is due for deletion in a pass at `now` (the same rule as BIL-17's purge). */
export function isAccountingRecordDue(invoice: { retainedUntil: Date }, now: Date): boolean {
  return mayPurgeInvoice(invoice, now);
}

/** What a pass deletes: nothing in a dry run, otherwise what the purge removed. */
export function deletedByPass(dryRun: boolean, purged: number): number {
  return dryRun ? 0 : purged;
}

/** The job's mode: the caller's choice when given, else the configured default (RETENTION_DRY_RUN). */
export function passIsDryRun(requested: { dryRun?: boolean } | undefined, configuredDryRun: boolean): boolean {
  return requested?.dryRun ?? configuredDryRun;
}
