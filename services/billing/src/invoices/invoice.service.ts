import { z } from 'zod';
import { checkPageSize, decodeCursor, encodeCursor, isDuplicateKeyError, type Clock, type Logger } from '@leadgraph/platform';
import type { InvoiceFacts } from '../stripe/stripe.rules';
import type { SubscriptionDocument, SubscriptionOwner } from '../subscriptions/subscription.model';
import type { InvoiceDocument, InvoiceModel, LateChargesBilling } from './invoice.model';
import {
  invoiceRetainedUntil,
  invoiceStatuses,
  lateCharges,
  mayMoveInvoiceStatus,
  type FiscalYearEnd,
  type LateCharges,
  type LegalInterestRate,
} from './invoice.rules';

const invoiceCursorSchema = z.object({ i: z.number().int(), id: z.string().min(1) });

export interface InvoicePage {
  invoices: Array<{ invoice: InvoiceDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Mirrors Stripe invoices locally (BIL-16), keeps them for the legal period (BIL-17), prices late payment (BIL-14). */
export class InvoiceService {
  constructor(
    private readonly invoices: InvoiceModel,
    private readonly clock: Clock,
    private readonly legalRates: readonly LegalInterestRate[],
    private readonly fiscalYearEnd: FiscalYearEnd,
    private readonly logger: Logger,
  ) {}

  /**
   * Inserts or refreshes the mirror of a Stripe invoice. The status only moves forward, so an
   * older webhook arriving late never turns a paid invoice back to open.
   */
  async mirror(facts: InvoiceFacts, subscription: Pick<SubscriptionDocument, '_id' | 'owner' | 'billing'>): Promise<InvoiceDocument> {
    const now = this.clock.now();
    const fields = {
      subscriptionId: subscription._id,
      owner: subscription.owner,
      purpose: facts.purpose,
      operationId: facts.operationId,
      number: facts.number,
      status: facts.status,
      currency: facts.currency,
      subtotalCents: facts.subtotalCents,
      vatCents: facts.vatCents,
      totalCents: facts.totalCents,
      amountDueCents: facts.amountDueCents,
      amountPaidCents: facts.amountPaidCents,
      amountRemainingCents: facts.amountRemainingCents,
      // Late charges are indemnities, not subject to VAT in France (BIL-14): billed without any rate.
      vatTreatment: facts.purpose === 'LATE_CHARGES' ? 'OUT_OF_SCOPE' : (subscription.billing?.vatTreatment ?? 'OUT_OF_SCOPE'),
      vatRateBasisPoints: facts.purpose === 'LATE_CHARGES' ? 0 : (subscription.billing?.vatRateBasisPoints ?? 0),
      periodStart: facts.periodStart,
      periodEnd: facts.periodEnd,
      issuedAt: facts.issuedAt,
      dueAt: facts.dueAt,
      paidAt: facts.paidAt,
      hostedInvoiceUrl: facts.hostedInvoiceUrl,
      invoicePdfUrl: facts.invoicePdfUrl,
      // Finalisation can only move the issue date later: the retention never shortens.
      retainedUntil: invoiceRetainedUntil(facts.issuedAt, this.fiscalYearEnd),
      updatedAt: now,
    };
    try {
      const created = await this.invoices.create({
        _id: facts.stripeInvoiceId,
        ...fields,
        paymentFailedAt: null,
        lateChargesBilling: null,
        createdAt: now,
      });
      return created.toObject<InvoiceDocument>();
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const movableFrom = invoiceStatuses.filter((from) => mayMoveInvoiceStatus(from, facts.status));
    const updated = await this.invoices
      .findOneAndUpdate({ _id: facts.stripeInvoiceId, status: { $in: movableFrom } }, { $set: fields }, { new: true })
      .lean<InvoiceDocument>();
    if (updated) return updated;
    const current = await this.invoices.findById(facts.stripeInvoiceId).lean<InvoiceDocument>();
    if (!current) throw new Error(`invoice ${facts.stripeInvoiceId} vanished`);
    this.logger.info({ invoiceId: facts.stripeInvoiceId, from: current.status, to: facts.status }, 'older invoice state ignored');
    return current;
  }

  /** The first failed payment of an invoice (BIL-14), recorded once. */
  async markPaymentFailed(invoiceId: string, at: Date): Promise<void> {
    await this.invoices.updateOne({ _id: invoiceId, paymentFailedAt: null }, { $set: { paymentFailedAt: at, updatedAt: at } });
  }

  async findById(invoiceId: string): Promise<InvoiceDocument | null> {
    return this.invoices.findById(invoiceId).lean<InvoiceDocument>();
  }

  /** The owner's invoices, newest first, as a cursor page. */
  async listFor(owner: SubscriptionOwner, first: number | null | undefined, after: string | null | undefined): Promise<InvoicePage> {
    const size = checkPageSize(first);
    const filter: Record<string, unknown> = { 'owner.ownerType': owner.ownerType, 'owner.ownerId': owner.ownerId };
    if (after) {
      const cursor = decodeCursor(after, invoiceCursorSchema);
      const issuedAt = new Date(cursor.i);
      filter.$or = [{ issuedAt: { $lt: issuedAt } }, { issuedAt, _id: { $lt: cursor.id } }];
    }
    const rows = await this.invoices
      .find(filter)
      .sort({ issuedAt: -1, _id: -1 })
      .limit(size + 1)
      .lean<InvoiceDocument[]>();
    const page = rows.slice(0, size).map((invoice) => ({ invoice, cursor: encodeCursor({ i: invoice.issuedAt.getTime(), id: invoice._id }) }));
    return { invoices: page, hasNextPage: rows.length > size, endCursor: page.at(-1)?.cursor ?? null };
  }

  /** What a late invoice owes on top of itself now (BIL-14); null for an invoice that is not late. */
  lateChargesOf(
    invoice: Pick<InvoiceDocument, 'purpose' | 'status' | 'amountRemainingCents' | 'amountDueCents' | 'dueAt' | 'paidAt' | 'paymentFailedAt'>,
  ): LateCharges | null {
    // No late charges on late charges: interest is owed on the price of the service (BIL-14).
    if (invoice.purpose === 'LATE_CHARGES') return null;
    if (!invoice.paymentFailedAt || invoice.status === 'VOID' || invoice.status === 'DRAFT') return null;
    const unpaid = invoice.status === 'PAID' ? invoice.amountDueCents : invoice.amountRemainingCents;
    return lateCharges({ amountDueCents: unpaid, dueAt: invoice.dueAt, paidAt: invoice.paidAt }, this.clock.now(), this.legalRates);
  }

  /**
   * Claims the late charges of an overdue subscription invoice for billing (BIL-14), counted to
   * `countedTo` (its payment, or the termination for non-payment), in one guarded update: the
   * first claim wins and is frozen, later calls get it back unchanged. Null when the invoice is
   * not an overdue subscription invoice or nothing is owed.
   */
  async claimLateCharges(invoiceId: string, countedTo: Date): Promise<LateChargesBilling | null> {
    const invoice = await this.findById(invoiceId);
    if (!invoice || invoice.purpose !== 'SUBSCRIPTION') return null;
    if (invoice.lateChargesBilling) return invoice.lateChargesBilling;
    // Only an invoice whose payment failed is overdue (not a draft or a voided one).
    if (!this.lateChargesOf(invoice)) return null;
    const counted = lateCharges(
      { amountDueCents: invoice.status === 'PAID' ? invoice.amountDueCents : invoice.amountRemainingCents, dueAt: invoice.dueAt, paidAt: invoice.paidAt },
      countedTo,
      this.legalRates,
    );
    if (counted.interestCents + counted.recoveryFeeCents === 0) return null;
    const now = this.clock.now();
    const claim: LateChargesBilling = {
      operationId: `late-charges:${invoiceId}`,
      countedTo: invoice.paidAt && invoice.paidAt.getTime() < countedTo.getTime() ? invoice.paidAt : countedTo,
      daysLate: counted.daysLate,
      interestDays: counted.interestDays,
      annualRateBasisPoints: counted.annualRateBasisPoints,
      interestCents: counted.interestCents,
      recoveryFeeCents: counted.recoveryFeeCents,
      claimedAt: now,
      invoiceId: null,
      billedAt: null,
    };
    const claimed = await this.invoices
      .findOneAndUpdate({ _id: invoiceId, lateChargesBilling: null }, { $set: { lateChargesBilling: claim, updatedAt: now } }, { new: true })
      .lean<InvoiceDocument>();
    if (claimed?.lateChargesBilling) return claimed.lateChargesBilling;
    return (await this.findById(invoiceId))?.lateChargesBilling ?? null;
  }

  /** Records the LATE_CHARGES invoice Stripe issued for a claim (once). */
  async markLateChargesBilled(invoiceId: string, lateChargesInvoiceId: string): Promise<void> {
    const now = this.clock.now();
    await this.invoices.updateOne(
      { _id: invoiceId, 'lateChargesBilling.invoiceId': null },
      { $set: { 'lateChargesBilling.invoiceId': lateChargesInvoiceId, 'lateChargesBilling.billedAt': now, updatedAt: now } },
    );
  }

  /** Overdue invoices whose late charges were claimed but not yet issued (a crash or a Stripe failure). */
  async lateChargesToBill(): Promise<Array<{ invoiceId: string; countedTo: Date }>> {
    const rows = await this.invoices
      .find({ 'lateChargesBilling.operationId': { $exists: true }, 'lateChargesBilling.invoiceId': null }, { _id: 1, lateChargesBilling: 1 })
      .lean<Array<Pick<InvoiceDocument, '_id' | 'lateChargesBilling'>>>();
    return rows.flatMap((row) => (row.lateChargesBilling ? [{ invoiceId: row._id, countedTo: row.lateChargesBilling.countedTo }] : []));
  }

  /** How many invoices a purge at `now` would delete (PRV-07 dry runs): the purge's own filter. */
  async countExpired(now: Date = this.clock.now()): Promise<number> {
    return this.invoices.countDocuments({ retainedUntil: { $lte: now } });
  }

  /**
   * Deletes the invoices whose legal retention is over (BIL-17). The filter is the retention
   * itself: no invoice can leave before its date, whatever calls this.
   */
  async purgeExpired(now: Date = this.clock.now()): Promise<number> {
    const result = await this.invoices.deleteMany({ retainedUntil: { $lte: now } });
    if (result.deletedCount > 0) this.logger.info({ purged: result.deletedCount }, 'invoices past their retention purged');
    return result.deletedCount;
  }
}
