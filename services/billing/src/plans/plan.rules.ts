import type { VatDecision } from '../vat/vat.rules';
import { vatAmountCents } from '../vat/vat.rules';
import { addOnCreditTypes, type AddOnCreditType, type AddOnPriceDocument, type CreditType, type PlanDocument, type PriceRevisionDocument } from './plan.model';

/** Beyond this a sale goes through a custom contract, not the self-service catalogue. */
export const MAX_SEATS = 1000;

/** Why `seats` cannot be bought on the plan, or null when it can. */
export function seatsProblem(plan: Pick<PlanDocument, 'kind'>, seats: number): string | null {
  if (!Number.isInteger(seats) || seats < 1) return 'must be a whole number of at least 1';
  // FREEMIUM credits are personal and cannot be shared (BIL-08): it is never bought by seats.
  if (plan.kind === 'FREEMIUM' && seats !== 1) return 'a FREEMIUM plan has exactly 1 seat';
  if (seats > MAX_SEATS) return `at most ${MAX_SEATS} seats`;
  return null;
}

export interface QuotedCredits {
  creditType: CreditType;
  /** Credits per billing period for all seats; null when unlimited. */
  amountPerPeriod: number | null;
  unlimited: boolean;
}

export interface PriceQuote {
  seats: number;
  pricePerSeatCents: number;
  /** seats x price per seat, excluding VAT. */
  subtotalCents: number;
  vat: VatDecision;
  vatCents: number;
  totalCents: number;
  credits: QuotedCredits[];
}

/** Price and credits of `seats` seats for one billing period (BIL-02: both scale with the seats). */
export function quotePrice(plan: Pick<PlanDocument, 'pricePerSeatCents' | 'credits'>, seats: number, vat: VatDecision): PriceQuote {
  const subtotalCents = plan.pricePerSeatCents * seats;
  const vatCents = vatAmountCents(subtotalCents, vat.rateBasisPoints);
  return {
    seats,
    pricePerSeatCents: plan.pricePerSeatCents,
    subtotalCents,
    vat,
    vatCents,
    totalCents: subtotalCents + vatCents,
    credits: plan.credits.map((allowance) => ({
      creditType: allowance.creditType,
      amountPerPeriod: allowance.unlimited || allowance.perSeat === null ? null : allowance.perSeat * seats,
      unlimited: allowance.unlimited,
    })),
  };
}

/**
 * Price per seat of a plan at `at` (BIL-15): the latest revision in effect by then, otherwise
 * the catalogue price. Existing subscriptions keep their locked price until a renewal.
 */
export function pricePerSeatAt(
  plan: Pick<PlanDocument, '_id' | 'pricePerSeatCents'>,
  revisions: ReadonlyArray<Pick<PriceRevisionDocument, 'planId' | 'newPricePerSeatCents' | 'effectiveFrom'>>,
  at: Date,
): number {
  let latest: Pick<PriceRevisionDocument, 'newPricePerSeatCents' | 'effectiveFrom'> | null = null;
  for (const revision of revisions) {
    if (revision.planId !== plan._id || revision.effectiveFrom.getTime() > at.getTime()) continue;
    if (!latest || revision.effectiveFrom.getTime() > latest.effectiveFrom.getTime()) latest = revision;
  }
  return latest ? latest.newPricePerSeatCents : plan.pricePerSeatCents;
}

/** Why a price revision cannot be announced, or null (BIL-15: the price is data, changes are announced). */
export function priceRevisionProblem(
  plan: Pick<PlanDocument, 'kind' | 'pricePerSeatCents'> | null,
  revision: { newPricePerSeatCents: number; effectiveFrom: Date },
  now: Date,
): { field: 'planId' | 'newPricePerSeatCents' | 'effectiveFrom'; message: string } | null {
  if (!plan) return { field: 'planId', message: 'planId: no such plan' };
  if (plan.kind !== 'PREMIUM') return { field: 'planId', message: 'planId: only PREMIUM plans have a price' };
  if (revision.effectiveFrom.getTime() <= now.getTime()) return { field: 'effectiveFrom', message: 'effectiveFrom: must be in the future' };
  return null;
}

/** Price of add-on credits (BIL-01), excluding VAT: quantity x unit price. */
export function addOnPriceCents(price: Pick<AddOnPriceDocument, 'unitPriceCents'>, quantity: number): number {
  return price.unitPriceCents * quantity;
}

/** Add-ons exist for phone, direct e-mail and export credits only (BIL-01). */
export function isAddOnCreditType(creditType: CreditType): creditType is AddOnCreditType {
  return (addOnCreditTypes as readonly CreditType[]).includes(creditType);
}

export interface PlanEditProblem {
  field: string;
  message: string;
}

/**
 * What billing staff may change on a plan that exists. Its price only moves through a price
 * revision announced before a renewal (BIL-15), and its kind and billing period stay, since
 * live subscriptions are bound to them.
 */
export function planEditProblem(
  existing: Pick<PlanDocument, 'kind' | 'billingPeriod' | 'pricePerSeatCents'> | null,
  edit: Pick<PlanDocument, 'kind' | 'billingPeriod' | 'pricePerSeatCents'>,
): PlanEditProblem | null {
  if (!existing) return null;
  if (edit.pricePerSeatCents !== existing.pricePerSeatCents) {
    return { field: 'pricePerSeatCents', message: 'pricePerSeatCents: announce a price revision to change the price of an existing plan (BIL-15)' };
  }
  if (edit.kind !== existing.kind) return { field: 'kind', message: 'kind: an existing plan keeps its kind' };
  if (edit.billingPeriod !== existing.billingPeriod) {
    return { field: 'billingPeriod', message: 'billingPeriod: an existing plan keeps its billing period' };
  }
  return null;
}

/** Names of the fields an edit changes, for the plan's edit history. */
export function changedPlanFields<T extends Record<string, unknown>>(existing: T | null, edit: T): string[] {
  if (!existing) return ['created'];
  return Object.keys(edit).filter((key) => JSON.stringify(existing[key]) !== JSON.stringify(edit[key]));
}
