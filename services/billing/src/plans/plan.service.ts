import { z } from 'zod';
import { badInput, fromZodError, seedReferenceData } from '@leadgraph/platform';
import type { VatService } from '../vat/vat.service';
import { normaliseVatNumber } from '../vat/vat.rules';
import shippedCatalogue from './plan-catalogue.json';
import { planRecordSchema, type PlanDocument, type PlanModel } from './plan.model';
import { quotePrice, seatsProblem, type PriceQuote } from './plan.rules';

const quoteInputSchema = z.object({
  planId: z.string().trim().min(1, 'is required'),
  seats: z.number().int('must be a whole number'),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'),
  vatNumber: z
    .string()
    .max(30, 'is too long')
    .transform((raw) => normaliseVatNumber(raw) || null)
    .nullable()
    .optional(),
});
export type QuoteInput = z.input<typeof quoteInputSchema>;

export class PlanService {
  constructor(
    private readonly plans: PlanModel,
    private readonly vat: VatService,
  ) {}

  /** Idempotent start-up seeding of the shipped catalogue (BIL-02: the catalogue is data). */
  async seedCatalogue(): Promise<void> {
    await seedReferenceData(this.plans, z.array(planRecordSchema).parse(shippedCatalogue));
  }

  async listAvailable(): Promise<PlanDocument[]> {
    return this.plans.find({ available: true }).sort({ sortOrder: 1, _id: 1 }).lean<PlanDocument[]>();
  }

  async findById(id: string): Promise<PlanDocument | null> {
    return this.plans.findById(id).lean<PlanDocument>();
  }

  /** Price of `seats` seats of an offered plan for a buyer, VAT included at the rate in force. */
  async quote(input: QuoteInput): Promise<{ plan: PlanDocument; quote: PriceQuote }> {
    const parsed = quoteInputSchema.safeParse(input);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { planId, seats, country, vatNumber } = parsed.data;
    const plan = await this.findById(planId);
    if (!plan || !plan.available) throw badInput('planId', 'planId: no such plan is offered');
    const problem = seatsProblem(plan, seats);
    if (problem) throw badInput('seats', `seats: ${problem}`);
    const vat = await this.vat.decide(country, vatNumber ?? null);
    return { plan, quote: quotePrice(plan, seats, vat) };
  }
}
