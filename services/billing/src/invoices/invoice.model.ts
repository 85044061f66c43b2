import { Schema, type Connection, type Model } from 'mongoose';
import { invoicePurposes, invoiceStatuses, type InvoicePurpose, type InvoiceStatus } from './invoice.rules';
import type { SubscriptionOwner } from '../subscriptions/subscription.model';
import type { VatTreatment } from '../vat/vat.rules';

/**
 * The late charges of an overdue invoice, frozen when they were claimed for billing (BIL-14): at
 * most one per overdue invoice, set by one guarded update. `invoiceId` is the LATE_CHARGES
 * invoice once Stripe issued it; a claim without it is resumed by the lifecycle job, with the same
 * `operationId` (Stripe idempotency keys), so it never bills twice.
 */
export interface LateChargesBilling {
  operationId: string;
  /** The payment or termination date the interest was counted to. */
  countedTo: Date;
  daysLate: number;
  interestDays: number;
  annualRateBasisPoints: number;
  interestCents: number;
  recoveryFeeCents: number;
  claimedAt: Date;
  invoiceId: string | null;
  billedAt: Date | null;
}

/**
 * Local mirror of a Stripe invoice (BIL-16): amounts in cents, VAT, status, period and links,
 * kept until `retainedUntil`, 10 years after the end of its fiscal year (BIL-17). Stripe is the
 * source of truth for amounts and status; the mirror only moves forward.
 */
export interface InvoiceDocument {
  /** The Stripe invoice id. */
  _id: string;
  subscriptionId: string;
  owner: SubscriptionOwner;
  purpose: InvoicePurpose;
  /** The upgrade or add-on purchase this invoice pays for, if any. */
  operationId: string | null;
  number: string | null;
  status: InvoiceStatus;
  currency: string;
  subtotalCents: number;
  vatCents: number;
  totalCents: number;
  amountDueCents: number;
  amountPaidCents: number;
  amountRemainingCents: number;
  vatTreatment: VatTreatment;
  vatRateBasisPoints: number;
  periodStart: Date;
  periodEnd: Date;
  issuedAt: Date;
  dueAt: Date;
  paidAt: Date | null;
  /** First failed payment attempt (BIL-14); late charges run from the due date. */
  paymentFailedAt: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  /** An overdue invoice's late charges, once claimed for billing (BIL-14). */
  lateChargesBilling: LateChargesBilling | null;
  retainedUntil: Date;
  /**
   * Set when the person it concerns asked for erasure or restriction (PRV-05): the invoice is kept
   * for its legal retention only, used for nothing but accounting and legal obligations.
   */
  processingRestrictedAt?: Date | null;
  /**
   * Why it is restricted (PRV-05): the RESTRICTION request ids and/or `LEGAL_RETENTION` (an erasure).
   * Absent on records restricted before causes were recorded: those are never lifted.
   */
  processingRestrictedBy?: string[];
  createdAt: Date;
  updatedAt: Date;
}

const invoiceSchema = new Schema<InvoiceDocument>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    owner: {
      type: new Schema<SubscriptionOwner>({ ownerType: String, ownerId: String }, { _id: false }),
      required: true,
    },
    purpose: { type: String, enum: invoicePurposes, required: true },
    operationId: { type: String, default: null },
    number: { type: String, default: null },
    status: { type: String, enum: invoiceStatuses, required: true },
    currency: { type: String, required: true },
    subtotalCents: { type: Number, required: true },
    vatCents: { type: Number, required: true },
    totalCents: { type: Number, required: true },
    amountDueCents: { type: Number, required: true },
    amountPaidCents: { type: Number, required: true },
    amountRemainingCents: { type: Number, required: true },
    vatTreatment: { type: String, required: true },
    vatRateBasisPoints: { type: Number, required: true },
    periodStart: { type: Date, required: true },
    periodEnd: { type: Date, required: true },
    issuedAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    paidAt: { type: Date, default: null },
    paymentFailedAt: { type: Date, default: null },
    hostedInvoiceUrl: { type: String, default: null },
    invoicePdfUrl: { type: String, default: null },
    lateChargesBilling: {
      type: new Schema<LateChargesBilling>(
        {
          operationId: String,
          countedTo: Date,
          daysLate: Number,
          interestDays: Number,
          annualRateBasisPoints: Number,
          interestCents: Number,
          recoveryFeeCents: Number,
          claimedAt: Date,
          invoiceId: { type: String, default: null },
          billedAt: { type: Date, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    retainedUntil: { type: Date, required: true },
    processingRestrictedAt: { type: Date, default: null },
    // No default: an absent list tells records restricted before causes were recorded.
    processingRestrictedBy: { type: [String], default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'invoices', versionKey: false },
);
// Newest first per owner, for the paginated list.
invoiceSchema.index({ 'owner.ownerType': 1, 'owner.ownerId': 1, issuedAt: -1, _id: -1 });
invoiceSchema.index({ subscriptionId: 1 });
invoiceSchema.index({ retainedUntil: 1 });
// The records one restriction request restricted, when it is lifted (PRV-05).
invoiceSchema.index({ processingRestrictedBy: 1 }, { sparse: true });

export type InvoiceModel = Model<InvoiceDocument>;

export function invoiceModel(connection: Connection): InvoiceModel {
  return (connection.models.Invoice as InvoiceModel | undefined) ?? connection.model<InvoiceDocument>('Invoice', invoiceSchema);
}
