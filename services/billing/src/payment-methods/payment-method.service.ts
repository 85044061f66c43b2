import { parseInput, type Caller, type Clock } from '@leadgraph/platform';
import type { StripeBilling } from '../stripe/stripe.service';
import type { PaymentMethodSummary } from '../stripe/stripe.rules';
import { liveKeyOf, type SubscriptionOwner } from '../subscriptions/subscription.model';
import { assertMayReadBilling, workspaceAdminOf } from '../subscriptions/subscription.rules';
import type { PaymentMethodDocument, PaymentMethodModel } from './payment-method.model';
import { attachPaymentMethodInputSchema, type AttachPaymentMethodInput } from './payment-method.rules';

/** Payment methods of workspaces (card, SEPA debit) through Stripe; only ids, brand and last 4 kept (BIL-16). */
export class PaymentMethodService {
  constructor(
    private readonly paymentMethods: PaymentMethodModel,
    private readonly stripe: StripeBilling,
    private readonly clock: Clock,
  ) {}

  /** An administrator attaches a tokenised payment method to the workspace's Stripe customer. */
  async attach(caller: Caller, rawInput: AttachPaymentMethodInput): Promise<PaymentMethodDocument> {
    const input = parseInput(attachPaymentMethodInputSchema, rawInput);
    const { workspaceId } = workspaceAdminOf(caller);
    const owner: SubscriptionOwner = { ownerType: 'WORKSPACE', ownerId: workspaceId };
    const customerId = await this.stripe.customerFor(liveKeyOf(owner));
    const summary = await this.stripe.attachPaymentMethod(customerId, input.paymentMethodId, input.makeDefault);
    return this.remember(owner, summary, input.makeDefault);
  }

  /** Records what Stripe accepted; the new default first, then the others lose the flag (never none). */
  async remember(owner: SubscriptionOwner, summary: PaymentMethodSummary, makeDefault: boolean): Promise<PaymentMethodDocument> {
    const saved = await this.paymentMethods
      .findOneAndUpdate(
        { _id: summary.stripePaymentMethodId },
        {
          $set: { owner, kind: summary.kind, brand: summary.brand, last4: summary.last4, ...(makeDefault ? { isDefault: true } : {}) },
          $setOnInsert: { attachedAt: this.clock.now(), ...(makeDefault ? {} : { isDefault: false }) },
        },
        { upsert: true, new: true },
      )
      .lean<PaymentMethodDocument>();
    if (!saved) throw new Error(`payment method ${summary.stripePaymentMethodId} vanished`);
    if (makeDefault) {
      await this.paymentMethods.updateMany(
        { 'owner.ownerType': owner.ownerType, 'owner.ownerId': owner.ownerId, _id: { $ne: saved._id }, isDefault: true },
        { $set: { isDefault: false } },
      );
    }
    return saved;
  }

  async listFor(caller: Caller, owner: SubscriptionOwner): Promise<PaymentMethodDocument[]> {
    assertMayReadBilling(caller, owner);
    return this.paymentMethods
      .find({ 'owner.ownerType': owner.ownerType, 'owner.ownerId': owner.ownerId })
      .sort({ isDefault: -1, attachedAt: -1 })
      .lean<PaymentMethodDocument[]>();
  }
}
