/**
 * Pure billing arithmetic of the local Stripe server: billing periods, prorations and taxes.
 * Amounts are integers in the currency's minor unit (cents), times unix seconds.
 */
import type { RecurringInterval, TaxAmountWire, TaxRateWire } from './wire';

export const DAY_SECONDS = 86_400;

function daysInUtcMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `anchor` moved by `count` intervals. Months and years keep the anchor's day of month, clamped
 * to the month's last day (an anchor on the 31st bills on Feb 28/29), as Stripe does; computing
 * every boundary from the anchor (never from the previous boundary) keeps the day from drifting.
 */
export function addIntervals(anchor: number, interval: RecurringInterval, intervalCount: number, count: number): number {
  const date = new Date(anchor * 1000);
  switch (interval) {
    case 'day':
      return anchor + count * intervalCount * DAY_SECONDS;
    case 'week':
      return anchor + count * intervalCount * 7 * DAY_SECONDS;
    case 'month':
    case 'year': {
      const months = (interval === 'year' ? 12 : 1) * intervalCount * count;
      const targetMonth = date.getUTCMonth() + months;
      const year = date.getUTCFullYear() + Math.floor(targetMonth / 12);
      const monthIndex = ((targetMonth % 12) + 12) % 12;
      const day = Math.min(date.getUTCDate(), daysInUtcMonth(year, monthIndex));
      return (
        Date.UTC(year, monthIndex, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000
      );
    }
  }
}

/** The first period boundary of the anchor's schedule strictly after `after`. */
export function nextBoundaryAfter(anchor: number, interval: RecurringInterval, intervalCount: number, after: number): number {
  if (anchor > after) return anchor;
  for (let count = 1; count < 10_000; count += 1) {
    const boundary = addIntervals(anchor, interval, intervalCount, count);
    if (boundary > after) return boundary;
  }
  throw new Error('billing period out of range');
}

/** Share of a period still ahead at `at` (0..1): what prorations charge or credit. */
export function remainingShare(period: { start: number; end: number }, at: number): number {
  const length = period.end - period.start;
  if (length <= 0) return 0;
  return Math.min(Math.max((period.end - at) / length, 0), 1);
}

/** Half away from zero, to the cent (prorations and taxes). */
export function roundCents(amount: number): number {
  return Math.sign(amount) * Math.round(Math.abs(amount));
}

export function prorate(fullAmount: number, share: number): number {
  return roundCents(fullAmount * share);
}

/** Taxes of one line: exclusive rates add to the line, inclusive rates are carved out of it. */
export function lineTaxes(amount: number, rates: readonly TaxRateWire[]): TaxAmountWire[] {
  const inclusivePercent = rates.filter((rate) => rate.inclusive).reduce((sum, rate) => sum + rate.percentage, 0);
  const taxableAmount = inclusivePercent > 0 ? roundCents(amount / (1 + inclusivePercent / 100)) : amount;
  return rates.map((rate) => ({
    amount: roundCents((taxableAmount * rate.percentage) / 100),
    tax_behavior: rate.inclusive ? 'inclusive' : 'exclusive',
    tax_rate_details: { tax_rate: rate.id },
    taxability_reason: 'standard_rated',
    taxable_amount: taxableAmount,
    type: 'tax_rate_details',
  }));
}

export interface InvoiceTotals {
  subtotal: number;
  subtotalExcludingTax: number;
  tax: number;
  total: number;
  totalExcludingTax: number;
  totalTaxes: TaxAmountWire[];
}

/** Invoice totals from its lines (amount + taxes each), with taxes summed per rate and behaviour. */
export function invoiceTotals(lines: ReadonlyArray<{ amount: number; taxes: readonly TaxAmountWire[] }>): InvoiceTotals {
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const byRate = new Map<string, TaxAmountWire>();
  for (const tax of lines.flatMap((line) => line.taxes)) {
    const key = `${tax.tax_rate_details.tax_rate}/${tax.tax_behavior}`;
    const existing = byRate.get(key);
    byRate.set(
      key,
      existing ? { ...existing, amount: existing.amount + tax.amount, taxable_amount: existing.taxable_amount + tax.taxable_amount } : { ...tax },
    );
  }
  const totalTaxes = [...byRate.values()];
  const exclusiveTax = totalTaxes.filter((tax) => tax.tax_behavior === 'exclusive').reduce((sum, tax) => sum + tax.amount, 0);
  const inclusiveTax = totalTaxes.filter((tax) => tax.tax_behavior === 'inclusive').reduce((sum, tax) => sum + tax.amount, 0);
  const total = subtotal + exclusiveTax;
  return {
    subtotal,
    subtotalExcludingTax: subtotal - inclusiveTax,
    tax: exclusiveTax + inclusiveTax,
    total,
    totalExcludingTax: total - exclusiveTax - inclusiveTax,
    totalTaxes,
  };
}

/** ISO 13616 IBAN check (mod 97), as Stripe validates `sepa_debit[iban]`. */
export function isValidIban(raw: string): boolean {
  const iban = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
