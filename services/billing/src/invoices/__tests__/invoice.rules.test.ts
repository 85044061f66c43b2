import { z } from 'zod';
import shippedRates from '../legal-interest-rates.json';
import {
  CALENDAR_FISCAL_YEAR,
  RECOVERY_FEE_CENTS,
  invoiceRetainedUntil,
  lateCharges,
  lateChargesLines,
  lateInterestRateBasisPoints,
  legalInterestRateSchema,
  legalRateOn,
  mayMoveInvoiceStatus,
  mayPurgeInvoice,
} from '../invoice.rules';

const at = (iso: string) => new Date(iso);
const legalRates = z.array(legalInterestRateSchema).parse(shippedRates);

describe('invoice rules: retention (BIL-17)', () => {
  it.each([
    ['2026-11-23T09:00:00.000Z', CALENDAR_FISCAL_YEAR, '2037-01-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', CALENDAR_FISCAL_YEAR, '2037-01-01T00:00:00.000Z'],
    ['2027-01-01T00:00:00.000Z', CALENDAR_FISCAL_YEAR, '2038-01-01T00:00:00.000Z'],
    ['2026-11-23T09:00:00.000Z', { month: 6, day: 30 }, '2037-07-01T00:00:00.000Z'],
    ['2026-06-30T12:00:00.000Z', { month: 6, day: 30 }, '2036-07-01T00:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', CALENDAR_FISCAL_YEAR, '2039-01-01T00:00:00.000Z'],
  ])('[BIL-17] an invoice issued %s (fiscal year ending %j) is kept until %s', (issuedAt, fiscalYearEnd, retainedUntil) => {
    expect(invoiceRetainedUntil(at(issuedAt), fiscalYearEnd).toISOString()).toBe(retainedUntil);
  });

  it.each([
    ['2036-12-31T23:59:59.999Z', false],
    ['2037-01-01T00:00:00.000Z', true],
  ])('[BIL-17] an invoice kept until 2037-01-01 may be purged at %s: %s', (now, allowed) => {
    expect(mayPurgeInvoice({ retainedUntil: at('2037-01-01T00:00:00.000Z') }, at(now))).toBe(allowed);
  });
});

describe('invoice rules: late payment (BIL-14)', () => {
  it.each([
    ['2025-03-01', 371],
    ['2025-07-01', 276],
    ['2027-06-01', 276],
  ])('the legal rate in force on %s is %i basis points (data, by half-year)', (day, rate) => {
    expect(legalRateOn(legalRates, at(`${day}T00:00:00.000Z`))).toBe(rate);
  });

  it('[BIL-14] late interest is 3 x the legal rate + 5 percentage points', () => {
    expect(lateInterestRateBasisPoints(371)).toBe(1613);
    expect(lateInterestRateBasisPoints(276)).toBe(1328);
  });

  const dueAt = at('2025-02-01T00:00:00.000Z');
  const day = (n: number, hours = 0) => new Date(dueAt.getTime() + n * 86_400_000 + hours * 3_600_000);
  it.each([
    ['on the due date', 100_000, day(0), null, { daysLate: 0, interestDays: 0, interestCents: 0, recoveryFeeCents: 0 }],
    ['one day late: the EUR 40 fee, no interest yet', 100_000, day(1), null, { daysLate: 1, interestDays: 0, interestCents: 0, recoveryFeeCents: RECOVERY_FEE_CENTS }],
    ['9 days and 23 hours late: still no interest', 100_000, day(9, 23), null, { daysLate: 9, interestDays: 0, interestCents: 0, recoveryFeeCents: 4000 }],
    ['the 10th day of delay: one day of interest (44.19 -> 44)', 100_000, day(10), null, { daysLate: 10, interestDays: 1, interestCents: 44, recoveryFeeCents: 4000 }],
    ['40 days late: 31 days of interest (1369.95 -> 1370)', 100_000, day(40), null, { daysLate: 40, interestDays: 31, interestCents: 1370, recoveryFeeCents: 4000 }],
    ['paid on day 20, looked at on day 40: the payment stopped the clock', 100_000, day(40), day(20), { daysLate: 20, interestDays: 11, interestCents: 486, recoveryFeeCents: 4000 }],
    ['nothing due, nothing owed', 0, day(40), null, { daysLate: 40, interestDays: 31, interestCents: 0, recoveryFeeCents: 0 }],
  ])('[BIL-14] %s', (_label, amountDueCents, now, paidAt, expected) => {
    expect(lateCharges({ amountDueCents, dueAt, paidAt }, now, legalRates)).toEqual({ ...expected, annualRateBasisPoints: 1613 });
  });

  it('[BIL-14] the rate is the one in force on the due date', () => {
    const charges = lateCharges({ amountDueCents: 250_000, dueAt: at('2025-07-15T00:00:00.000Z'), paidAt: null }, at('2025-08-14T00:00:00.000Z'), legalRates);
    expect(charges).toEqual({ daysLate: 30, interestDays: 21, annualRateBasisPoints: 1328, interestCents: 1910, recoveryFeeCents: 4000 });
  });
});

describe('invoice rules: billing late charges (BIL-14)', () => {
  const dueAt = at('2027-10-01T08:00:00.000Z');
  const day = (n: number) => new Date(dueAt.getTime() + n * 86_400_000);
  it.each([
    ['paid on the due date: nothing to bill', 23_760, day(0), []],
    ['paid on day 1: only the EUR 40 fee', 23_760, day(1), [4000]],
    ['paid on day 9: still only the fee', 23_760, day(9), [4000]],
    ['paid on day 10: one day of interest and the fee', 23_760, day(10), [9, 4000]],
    ['paid on day 12: 3 days of interest and the fee', 23_760, day(12), [26, 4000]],
    ['terminated unpaid on day 15: 6 days of interest and the fee', 23_760, day(15), [52, 4000]],
    ['nothing was due: nothing to bill', 0, day(15), []],
  ])('[BIL-14] %s', (_label, amountDueCents, paidAt, amounts) => {
    const lines = lateChargesLines(lateCharges({ amountDueCents, dueAt, paidAt }, paidAt, legalRates), 'INV-0042');
    expect(lines.map((line) => line.amountCents)).toEqual(amounts);
    expect(lines.every((line) => line.description.includes('INV-0042') && line.description.includes('not subject to VAT'))).toBe(true);
  });

  it('[BIL-14] the interest line names its days and annual rate', () => {
    const [interest] = lateChargesLines({ daysLate: 12, interestDays: 3, annualRateBasisPoints: 1328, interestCents: 26, recoveryFeeCents: 4000 }, null);
    expect(interest).toEqual({ description: 'Late payment interest: 3 day(s) at 13.28 % a year (not subject to VAT)', amountCents: 26 });
  });
});

describe('invoice rules: mirrored status (BIL-16)', () => {
  it.each([
    ['DRAFT', 'OPEN', true],
    ['OPEN', 'PAID', true],
    ['OPEN', 'OPEN', true],
    ['UNCOLLECTIBLE', 'PAID', true],
    ['PAID', 'OPEN', false],
    ['PAID', 'VOID', false],
    ['VOID', 'PAID', false],
    ['OPEN', 'DRAFT', false],
  ] as const)('[BIL-16] a webhook may move an invoice from %s to %s: %s (late, older events never undo a payment)', (from, to, allowed) => {
    expect(mayMoveInvoiceStatus(from, to)).toBe(allowed);
  });
});
