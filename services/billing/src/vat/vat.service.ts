import { z } from 'zod';
import { badInput, seedReferenceData, type Clock } from '@leadgraph/platform';
import vatNumberFormats from './vat-number-formats.json';
import shippedVatCountries from './vat-rates.json';
import { vatCountryRecordSchema, type VatCountryDocument, type VatCountryModel } from './vat.model';
import { decideVat, vatNumberProblem, type VatDecision } from './vat.rules';

export class VatService {
  constructor(
    private readonly countries: VatCountryModel,
    private readonly sellerCountry: string,
    private readonly clock: Clock,
  ) {}

  /** Idempotent start-up seeding of the shipped VAT table (newer revisions replace older rows). */
  async seedCountries(): Promise<void> {
    const records = z.array(vatCountryRecordSchema).parse(shippedVatCountries);
    await seedReferenceData(this.countries, records);
    if (!(await this.countries.exists({ _id: this.sellerCountry }))) {
      throw new Error(`no VAT data for the seller country ${this.sellerCountry}`);
    }
  }

  /**
   * VAT for a buyer in `buyerCountry` (ISO alpha-2, capitals) with an optional normalised VAT
   * number, at the rates in force now.
   */
  async decide(buyerCountry: string, vatNumber: string | null): Promise<VatDecision> {
    const [seller, buyer] = await Promise.all([
      this.countries.findById(this.sellerCountry).lean<VatCountryDocument>(),
      this.countries.findById(buyerCountry).lean<VatCountryDocument>(),
    ]);
    if (!seller) throw new Error(`no VAT data for the seller country ${this.sellerCountry}`);
    // Outside the EU a VAT number changes nothing, so only EU numbers are checked.
    if (vatNumber && buyer?.euMember) {
      const formats: Record<string, string | undefined> = vatNumberFormats;
      const problem = vatNumberProblem(vatNumber, buyer, formats[buyer.vatNumberPrefix] ?? null);
      if (problem) throw badInput('vatNumber', `vatNumber: ${problem}`);
    }
    return decideVat({ seller, buyerCountry, buyer, vatNumber, at: this.clock.now() });
  }
}
