import { Schema, type Connection, type Model } from 'mongoose';
import type { SubscriptionOwner } from '../subscriptions/subscription.model';
import type { PaymentMethodKind } from '../stripe/stripe.rules';

/**
 * A payment method of a subscriber as we may keep it (BIL-16): the Stripe id, the kind, the brand
 * and the last 4 digits. The card or account number itself never reaches us.
 */
export interface PaymentMethodDocument {
  /** The Stripe payment method id (`pm_...`). */
  _id: string;
  owner: SubscriptionOwner;
  kind: PaymentMethodKind;
  brand: string | null;
  last4: string | null;
  isDefault: boolean;
  attachedAt: Date;
}

const paymentMethodSchema = new Schema<PaymentMethodDocument>(
  {
    _id: { type: String, required: true },
    owner: {
      type: new Schema<SubscriptionOwner>({ ownerType: String, ownerId: String }, { _id: false }),
      required: true,
    },
    kind: { type: String, enum: ['CARD', 'SEPA_DEBIT'], required: true },
    brand: { type: String, default: null },
    last4: { type: String, default: null },
    isDefault: { type: Boolean, required: true },
    attachedAt: { type: Date, required: true },
  },
  { collection: 'payment_methods', versionKey: false },
);
paymentMethodSchema.index({ 'owner.ownerType': 1, 'owner.ownerId': 1, attachedAt: -1 });

export type PaymentMethodModel = Model<PaymentMethodDocument>;

export function paymentMethodModel(connection: Connection): PaymentMethodModel {
  return (
    (connection.models.PaymentMethod as PaymentMethodModel | undefined) ??
    connection.model<PaymentMethodDocument>('PaymentMethod', paymentMethodSchema)
  );
}
