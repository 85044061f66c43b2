import type { VatDecision } from '../vat/vat.rules';
import { vatAmountCents } from '../vat/vat.rules';
import type { CreditType, PlanDocument } from './plan.model';

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
