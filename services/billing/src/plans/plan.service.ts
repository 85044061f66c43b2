import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  badInput,
  conflict,
  fromZodError,
  isDuplicateKeyError,
  parseInput,
  requireStaffRole,
  seedReferenceData,
  type Caller,
  type Clock,
} from '@leadgraph/platform';
import type { VatService } from '../vat/vat.service';
import { normaliseVatNumber } from '../vat/vat.rules';
import shippedAddOnPrices from './add-on-prices.json';
import shippedCatalogue from './plan-catalogue.json';
import {
  addOnPriceRecordSchema,
  planEditSchema,
  planRecordSchema,
  type AddOnCreditType,
  type AddOnPriceDocument,
  type AddOnPriceModel,
  type PlanDocument,
  type PlanModel,
  type PriceRevisionDocument,
  type PriceRevisionModel,
} from './plan.model';
import { changedPlanFields, planEditProblem, priceRevisionProblem, pricePerSeatAt, quotePrice, seatsProblem, type PriceQuote } from './plan.rules';

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

const priceRevisionInputSchema = z.object({
  planId: z.string().trim().min(1, 'is required'),
  newPricePerSeatCents: z.number().int('must be a whole number of cents').positive('must be positive').max(10_000_000, 'is absurd'),
  effectiveFrom: z.date({ message: 'must be a date' }),
});
export type PriceRevisionInput = z.input<typeof priceRevisionInputSchema>;
export type PlanEditInput = z.input<typeof planEditSchema>;

export class PlanService {
  constructor(
    private readonly plans: PlanModel,
    private readonly vat: VatService,
    private readonly addOnPrices: AddOnPriceModel,
    private readonly priceRevisions: PriceRevisionModel,
    private readonly clock: Clock,
  ) {}

  /** Idempotent start-up seeding of the shipped catalogue (BIL-02: the catalogue is data). */
  async seedCatalogue(): Promise<void> {
    await seedReferenceData(this.plans, z.array(planRecordSchema).parse(shippedCatalogue));
    await seedReferenceData(this.addOnPrices, z.array(addOnPriceRecordSchema).parse(shippedAddOnPrices));
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
    const priced = { ...plan, pricePerSeatCents: await this.pricePerSeatNow(plan) };
    return { plan: priced, quote: quotePrice(priced, seats, vat) };
  }

  /** What a new subscription pays per seat now: the catalogue price or its latest revision in effect (BIL-15). */
  async pricePerSeatNow(plan: Pick<PlanDocument, '_id' | 'pricePerSeatCents'>): Promise<number> {
    return pricePerSeatAt(plan, await this.revisionsOf(plan._id), this.clock.now());
  }

  async revisionsOf(planId: string): Promise<PriceRevisionDocument[]> {
    return this.priceRevisions.find({ planId }).sort({ effectiveFrom: 1 }).lean<PriceRevisionDocument[]>();
  }

  /** Every announced revision, oldest effective date first. */
  async allRevisions(): Promise<PriceRevisionDocument[]> {
    return this.priceRevisions.find().sort({ effectiveFrom: 1 }).lean<PriceRevisionDocument[]>();
  }

  async addOnPrice(creditType: AddOnCreditType): Promise<AddOnPriceDocument | null> {
    return this.addOnPrices.findById(creditType).lean<AddOnPriceDocument>();
  }

  /**
   * Billing staff announce a new price for a plan (BIL-15). Subscribers are then told by the
   * lifecycle job and get it from a renewal at least 15 days after being told.
   */
  async announcePriceRevision(caller: Caller, rawInput: PriceRevisionInput): Promise<PriceRevisionDocument> {
    const staff = requireStaffRole(caller, 'BILLING_ADMIN');
    const input = parseInput(priceRevisionInputSchema, rawInput);
    const now = this.clock.now();
    const plan = await this.findById(input.planId);
    const problem = priceRevisionProblem(plan, input, now);
    if (problem) throw badInput(problem.field, problem.message);
    try {
      const created = await this.priceRevisions.create({
        _id: randomUUID(),
        planId: input.planId,
        newPricePerSeatCents: input.newPricePerSeatCents,
        effectiveFrom: input.effectiveFrom,
        announcedAt: now,
        announcedByUserId: staff.userId,
      });
      return created.toObject<PriceRevisionDocument>();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('effectiveFrom: this plan already has a revision on that date', 'effectiveFrom');
      throw error;
    }
  }

  /**
   * Billing staff create or change a plan of the catalogue (BIL-02: data, editable). An edit
   * bumps the row's revision, so start-up seeding never reverts it; concurrent edits of one plan
   * conflict instead of overwriting each other.
   */
  async savePlan(caller: Caller, rawInput: PlanEditInput): Promise<PlanDocument> {
    const staff = requireStaffRole(caller, 'BILLING_ADMIN');
    const edit = parseInput(planEditSchema, rawInput);
    const existing = await this.findById(edit.id);
    const problem = planEditProblem(existing, edit);
    if (problem) throw badInput(problem.field, problem.message);
    const { id: _id, ...fields } = edit;
    const history = {
      at: this.clock.now(),
      byUserId: staff.userId,
      fields: changedPlanFields<Record<string, unknown>>(existing ? { ...existing } : null, { ...fields }),
    };
    if (!existing) {
      try {
        const created = await this.plans.create({ _id, ...fields, revision: 1, edits: [history] });
        return created.toObject<PlanDocument>();
      } catch (error) {
        if (isDuplicateKeyError(error)) throw conflict('id: a plan with this id was created at the same time', 'id');
        throw error;
      }
    }
    const saved = await this.plans
      .findOneAndUpdate(
        { _id, revision: existing.revision },
        { $set: { ...fields, revision: existing.revision + 1 }, $push: { edits: history } },
        { new: true },
      )
      .lean<PlanDocument>();
    if (!saved) throw conflict('id: the plan changed meanwhile; reload it and try again', 'id');
    return saved;
  }
}
