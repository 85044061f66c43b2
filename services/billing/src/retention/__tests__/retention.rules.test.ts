import { CALENDAR_FISCAL_YEAR, fiscalYearEndOf, invoiceRetainedUntil } from '../../invoices/invoice.rules';
import { ACCOUNTING_DATA_CATEGORY, accountingCutoff, deletedByPass, isAccountingRecordDue, passIsDryRun } from '../retention.rules';

const at = (iso: string) => new Date(iso);

describe('retention rules: accounting (PRV-07, BIL-17)', () => {
  it('[PRV-07] billing enforces the ACCOUNTING category of the retention schedule', () => {
    expect(ACCOUNTING_DATA_CATEGORY).toBe('ACCOUNTING');
  });

  it.each([
    ['2037-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2038-06-15T10:30:00.000Z', '2028-06-15T10:30:00.000Z'],
    ['2038-02-28T00:00:00.000Z', '2028-02-28T00:00:00.000Z'],
  ])('[PRV-07] a pass at %s reports the cut-off %s: records whose fiscal year ended by then are due', (now, cutoff) => {
    expect(accountingCutoff(at(now)).toISOString()).toBe(cutoff);
  });

  it.each([
    ['2036-12-31T23:59:59.999Z', false],
    ['2037-01-01T00:00:00.000Z', true],
    ['2040-01-01T00:00:00.000Z', true],
  ])('[BIL-17] an invoice issued in 2026 (kept until 2037-01-01) is due at %s: %s', (now, due) => {
    const invoice = { retainedUntil: invoiceRetainedUntil(at('2026-05-10T12:00:00.000Z'), CALENDAR_FISCAL_YEAR) };
    expect(isAccountingRecordDue(invoice, at(now))).toBe(due);
  });

  it('[PRV-07] due by retention date exactly when its fiscal year end is at or before the reported cut-off', () => {
    for (const issued of ['2026-01-01T00:00:00.000Z', '2026-12-31T23:59:59.000Z', '2027-07-14T08:00:00.000Z']) {
      const invoice = { retainedUntil: invoiceRetainedUntil(at(issued), CALENDAR_FISCAL_YEAR) };
      for (const now of ['2036-12-31T23:59:59.999Z', '2037-01-01T00:00:00.000Z', '2038-01-01T00:00:00.000Z', '2038-01-02T00:00:00.000Z']) {
        const fiscalYearEnded = fiscalYearEndOf(at(issued), CALENDAR_FISCAL_YEAR);
        expect(isAccountingRecordDue(invoice, at(now))).toBe(fiscalYearEnded.getTime() <= accountingCutoff(at(now)).getTime());
      }
    }
  });

  it('[PRV-07] a dry run deletes nothing; a real run reports what the purge removed', () => {
    expect(deletedByPass(true, 5)).toBe(0);
    expect(deletedByPass(false, 5)).toBe(5);
  });

  it('[PRV-07] the caller chooses the mode; the scheduled job falls back on RETENTION_DRY_RUN', () => {
    expect(passIsDryRun({ dryRun: true }, false)).toBe(true);
    expect(passIsDryRun({ dryRun: false }, true)).toBe(false);
    expect(passIsDryRun(undefined, true)).toBe(true);
    expect(passIsDryRun({}, false)).toBe(false);
  });
});
