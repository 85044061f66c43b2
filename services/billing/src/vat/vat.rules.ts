import type { VatCountryDocument, VatRateChange } from './vat.model';

/**
 * How VAT applies to a sale by the platform (BIL-02: prices exclude VAT, VAT is added at the
 * rate in force):
 * - DOMESTIC: buyer in the seller's country, seller's rate, VAT number or not;
 * - REVERSE_CHARGE: business in another EU member state with a VAT number, no VAT invoiced;
 * - DESTINATION_RATE: buyer in another EU member state without a VAT number, that state's rate;
 * - OUT_OF_SCOPE: buyer outside the EU, no EU VAT.
 */
export type VatTreatment = 'DOMESTIC' | 'REVERSE_CHARGE' | 'DESTINATION_RATE' | 'OUT_OF_SCOPE';

export interface VatDecision {
  treatment: VatTreatment;
  rateBasisPoints: number;
}

const ISO_DAY_LENGTH = 10;

/** The standard rate in force on the (UTC) day of `at`: the latest change that took effect by then. */
export function rateInForce(rates: readonly VatRateChange[], at: Date): number {
  const day = at.toISOString().slice(0, ISO_DAY_LENGTH);
  const inForce = rates
    .filter((change) => change.effectiveFrom <= day)
    .reduce<VatRateChange | null>((latest, change) => (!latest || change.effectiveFrom > latest.effectiveFrom ? change : latest), null);
  if (!inForce) throw new Error(`no VAT rate in force on ${day}`);
  return inForce.rateBasisPoints;
}

/** `fr 12 345.678.901` -> `FR12345678901`: what customers type, as tax authorities write it. */
export function normaliseVatNumber(raw: string): string {
  return raw.replace(/[\s.\-]/g, '').toUpperCase();
}

/**
 * Why a (normalised) VAT number cannot belong to a business of that country, or null when it can.
 * `nationalFormat` is the country's pattern after the prefix (data: vat-number-formats.json, the
 * VIES formats); without one only the general shape is checked.
 */
export function vatNumberProblem(vatNumber: string, buyer: Pick<VatCountryDocument, 'vatNumberPrefix'>, nationalFormat: string | null = null): string | null {
  if (!/^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(vatNumber)) return 'is not a VAT number';
  if (!vatNumber.startsWith(buyer.vatNumberPrefix)) return `must start with ${buyer.vatNumberPrefix} for this country`;
  if (nationalFormat && !new RegExp(`^(?:${nationalFormat})$`).test(vatNumber.slice(buyer.vatNumberPrefix.length))) {
    return `is not a well-formed ${buyer.vatNumberPrefix} VAT number`;
  }
  return null;
}

export interface VatSituation {
  seller: Pick<VatCountryDocument, 'country' | 'standardRates'>;
  buyerCountry: string;
  /** The buyer country's row, or null when it has none (outside the EU). */
  buyer: Pick<VatCountryDocument, 'euMember' | 'standardRates'> | null;
  /** Normalised and checked VAT number, or null when the buyer gave none. */
  vatNumber: string | null;
  at: Date;
}

export function decideVat(situation: VatSituation): VatDecision {
  const { seller, buyer, buyerCountry, vatNumber, at } = situation;
  if (buyerCountry === seller.country) return { treatment: 'DOMESTIC', rateBasisPoints: rateInForce(seller.standardRates, at) };
  if (!buyer || !buyer.euMember) return { treatment: 'OUT_OF_SCOPE', rateBasisPoints: 0 };
  if (vatNumber) return { treatment: 'REVERSE_CHARGE', rateBasisPoints: 0 };
  return { treatment: 'DESTINATION_RATE', rateBasisPoints: rateInForce(buyer.standardRates, at) };
}

/** VAT in cents on an amount in cents, rounded half up to the cent. */
export function vatAmountCents(amountCents: number, rateBasisPoints: number): number {
  return Math.round((amountCents * rateBasisPoints) / 10_000);
}
