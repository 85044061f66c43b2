import { z } from 'zod';
import { DAY_MS } from '@leadgraph/platform';

/**
 * Invoice rules: how long invoices are kept (BIL-17) and what a late payment costs (BIL-14).
 * Pure: plain inputs, time passed in. Money in integer cents.
 */

// ---------------------------------------------------------------------------------------------
// Retention (BIL-17)
// ---------------------------------------------------------------------------------------------

/** Invoices and billing records are kept this many years after the end of their fiscal year. */
export const INVOICE_RETENTION_YEARS = 10;

/** Last day of the fiscal year (month 1-12, day of month); the calendar year by default. */
export interface FiscalYearEnd {
  month: number;
  day: number;
}

export const CALENDAR_FISCAL_YEAR: FiscalYearEnd = { month: 12, day: 31 };

/**
 * End (exclusive, UTC midnight after its last day) of the fiscal year `at` belongs to. UTC
 * midnight comes an hour or two after Paris midnight: the retention errs on the long side.
 */
export function fiscalYearEndOf(at: Date, fiscalYearEnd: FiscalYearEnd): Date {
  const endIn = (year: number) => new Date(Date.UTC(year, fiscalYearEnd.month - 1, fiscalYearEnd.day + 1));
  const sameYear = endIn(at.getUTCFullYear());
  return at.getTime() < sameYear.getTime() ? sameYear : endIn(at.getUTCFullYear() + 1);
}

/** The first moment an invoice issued at `issuedAt` may be deleted: 10 years after its fiscal year ended. */
export function invoiceRetainedUntil(issuedAt: Date, fiscalYearEnd: FiscalYearEnd = CALENDAR_FISCAL_YEAR): Date {
  const end = fiscalYearEndOf(issuedAt, fiscalYearEnd);
  return new Date(Date.UTC(end.getUTCFullYear() + INVOICE_RETENTION_YEARS, end.getUTCMonth(), end.getUTCDate()));
}

export function mayPurgeInvoice(invoice: { retainedUntil: Date }, now: Date): boolean {
  return now.getTime() >= invoice.retainedUntil.getTime();
}

// ---------------------------------------------------------------------------------------------
// Late payment (BIL-14)
// ---------------------------------------------------------------------------------------------

/** Late interest is 3 x the legal rate + 5 percentage points, a year. */
export const LATE_INTEREST_LEGAL_RATE_MULTIPLIER = 3;
export const LATE_INTEREST_MARGIN_BASIS_POINTS = 500;
/** Interest runs from this day of delay (the day itself included). */
export const LATE_INTEREST_FROM_DAY = 10;
/** Flat recovery fee owed by a business paying late: EUR 40. */
export const RECOVERY_FEE_CENTS = 4000;
const DAYS_PER_YEAR = 365;

/** The legal interest rate for professional creditors, by half-year (data: `legal-interest-rates.json`). */
export const legalInterestRateSchema = z.object({
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  rateBasisPoints: z.number().int().min(0).max(10_000),
});
export type LegalInterestRate = z.infer<typeof legalInterestRateSchema>;

/** The legal rate in force on the (UTC) day of `at`. */
export function legalRateOn(rates: readonly LegalInterestRate[], at: Date): number {
  const day = at.toISOString().slice(0, 10);
  let inForce: LegalInterestRate | null = null;
  for (const rate of rates) {
    if (rate.effectiveFrom <= day && (!inForce || rate.effectiveFrom > inForce.effectiveFrom)) inForce = rate;
  }
  if (!inForce) throw new Error(`no legal interest rate in force on ${day}`);
  return inForce.rateBasisPoints;
}

export function lateInterestRateBasisPoints(legalRateBasisPoints: number): number {
  return LATE_INTEREST_LEGAL_RATE_MULTIPLIER * legalRateBasisPoints + LATE_INTEREST_MARGIN_BASIS_POINTS;
}

/** Whole days between the due date and `at` (0 before the due date). */
export function daysLate(dueAt: Date, at: Date): number {
  return Math.max(0, Math.floor((at.getTime() - dueAt.getTime()) / DAY_MS));
}

export interface LateCharges {
  daysLate: number;
  /** Days interest is charged for: from the 10th day of delay on. */
  interestDays: number;
  annualRateBasisPoints: number;
  interestCents: number;
  recoveryFeeCents: number;
}

/**
 * What an unpaid (or late-paid) amount owes on top of itself at `at` (BIL-14): simple interest at
 * 3 x the legal rate in force on the due date + 5 points, from the 10th day of delay, on a
 * 365-day year, rounded half up to the cent; the EUR 40 recovery fee from the first day of delay.
 * A payment stops the clock.
 */
export function lateCharges(
  debt: { amountDueCents: number; dueAt: Date; paidAt: Date | null },
  at: Date,
  legalRates: readonly LegalInterestRate[],
): LateCharges {
  const settledOrNow = debt.paidAt && debt.paidAt.getTime() < at.getTime() ? debt.paidAt : at;
  const late = daysLate(debt.dueAt, settledOrNow);
  const interestDays = late >= LATE_INTEREST_FROM_DAY ? late - LATE_INTEREST_FROM_DAY + 1 : 0;
  const annualRateBasisPoints = lateInterestRateBasisPoints(legalRateOn(legalRates, debt.dueAt));
  return {
    daysLate: late,
    interestDays,
    annualRateBasisPoints,
    interestCents: Math.round((debt.amountDueCents * annualRateBasisPoints * interestDays) / (10_000 * DAYS_PER_YEAR)),
    recoveryFeeCents: late >= 1 && debt.amountDueCents > 0 ? RECOVERY_FEE_CENTS : 0,
  };
}

/** One line of the one-off invoice that bills late charges. */
export interface LateChargesLine {
  description: string;
  amountCents: number;
}

/**
 * The lines of the one-off LATE_CHARGES invoice billing what a late payment owes (BIL-14): the
 * late interest (only from the 10th day of delay, so possibly none) and the flat EUR 40 recovery
 * fee (any delay after the due date). Empty when nothing is owed. No VAT on either: late interest
 * and the recovery fee are indemnities, not the price of a service, and are not subject to VAT in
 * France; the caller bills them without any tax rate.
 */
export function lateChargesLines(charges: LateCharges, overdueInvoiceNumber: string | null): LateChargesLine[] {
  const of = overdueInvoiceNumber ? ` on invoice ${overdueInvoiceNumber}` : '';
  const lines: LateChargesLine[] = [];
  if (charges.interestCents > 0) {
    const rate = (charges.annualRateBasisPoints / 100).toFixed(2);
    lines.push({
      description: `Late payment interest${of}: ${charges.interestDays} day(s) at ${rate} % a year (not subject to VAT)`,
      amountCents: charges.interestCents,
    });
  }
  if (charges.recoveryFeeCents > 0) {
    lines.push({ description: `Flat recovery fee${of} (not subject to VAT)`, amountCents: charges.recoveryFeeCents });
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Mirror of Stripe invoices (BIL-16)
// ---------------------------------------------------------------------------------------------

export const invoiceStatuses = ['DRAFT', 'OPEN', 'UNCOLLECTIBLE', 'PAID', 'VOID'] as const;
export type InvoiceStatus = (typeof invoiceStatuses)[number];

/**
 * SUBSCRIPTION: a period of the plan; UPGRADE: a one-off price difference (BIL-09); ADD_ON: bought
 * credits (BIL-01); LATE_CHARGES: late interest and the recovery fee of an overdue invoice (BIL-14).
 */
export const invoicePurposes = ['SUBSCRIPTION', 'UPGRADE', 'ADD_ON', 'LATE_CHARGES'] as const;
export type InvoicePurpose = (typeof invoicePurposes)[number];

const statusRank: Readonly<Record<InvoiceStatus, number>> = { DRAFT: 0, OPEN: 1, UNCOLLECTIBLE: 2, PAID: 3, VOID: 3 };

/**
 * Whether a webhook may move the mirrored status from `from` to `to`: statuses only move forward
 * (draft, open, uncollectible, then paid or void), so a late, older event never undoes a payment.
 */
export function mayMoveInvoiceStatus(from: InvoiceStatus, to: InvoiceStatus): boolean {
  return statusRank[to] > statusRank[from] || from === to;
}
