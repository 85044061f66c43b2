import Stripe from 'stripe';
import { badInput, isDuplicateKeyError, type Clock } from '@leadgraph/platform';
import type { BillingPeriod } from '../plans/plan.model';
import type { InvoicePurpose } from '../invoices/invoice.rules';
import type { StripeCatalogueEntryModel, StripeCustomerModel } from './stripe.model';
import { METADATA, STRIPE_INTERVAL, paymentMethodSummaryFrom, taxRatePercentage, type PaymentMethodSummary } from './stripe.rules';

/** The Stripe SDK pointed at `STRIPE_API_BASE` (the local Stripe-compatible server in tests). */
export function createStripeClient(config: { STRIPE_API_BASE: string; STRIPE_SECRET_KEY: string }): Stripe {
  const base = new URL(config.STRIPE_API_BASE);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.STRIPE_SECRET_KEY, {
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    protocol,
    // Retries are safe: every call that creates something carries an idempotency key.
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
  });
}

export interface BuyerDetails {
  email: string;
  country: string;
  /** Reverse-charged EU business: Stripe marks its invoices as such. */
  reverseCharge: boolean;
}

/** Metadata key of the billing contact's full name on a Stripe customer. */
export const CONTACT_NAME_METADATA = 'leadgraph_contact_name';

/** What Stripe keeps about a customer, as an access export shows it (PRV-02). */
export interface StripeCustomerProfile {
  name: string | null;
  contactName: string | null;
  email: string | null;
  phone: string | null;
  address: { line1: string | null; line2: string | null; postalCode: string | null; city: string | null; state: string | null; country: string | null } | null;
  taxIds: Array<{ type: string; value: string }>;
}

export interface OneOffLine {
  description: string;
  amountCents: number;
}

/** A one-off invoice after a payment attempt: paid, or open with the decline reason. */
export interface OneOffCharge {
  invoice: Stripe.Invoice;
  declineCode: string | null;
}

export interface NewStripeSubscription {
  subscription: Stripe.Subscription;
  latestInvoice: Stripe.Invoice | null;
  declineCode: string | null;
}

function isCardError(error: unknown): error is Stripe.errors.StripeCardError {
  return error instanceof Stripe.errors.StripeCardError;
}

function isMissingResource(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

/**
 * Our side of Stripe (BIL-16): customers, payment methods, catalogue objects, subscriptions and
 * one-off invoices. Only Stripe ids leave this class; every create carries an idempotency key
 * derived from our own ids, so a retried operation never creates a second object.
 */
export class StripeBilling {
  constructor(
    private readonly stripe: Stripe,
    private readonly customers: StripeCustomerModel,
    private readonly catalogue: StripeCatalogueEntryModel,
    private readonly clock: Clock,
  ) {}

  /** The owner's Stripe customer, created on first use; `buyer` details are (re)applied when given. */
  async customerFor(ownerKey: string, buyer: BuyerDetails | null = null): Promise<string> {
    const known = await this.customers.findById(ownerKey).lean();
    const details = buyer
      ? { email: buyer.email, address: { country: buyer.country }, tax_exempt: buyer.reverseCharge ? ('reverse' as const) : ('none' as const) }
      : {};
    if (known) {
      if (buyer) await this.stripe.customers.update(known.stripeCustomerId, details);
      return known.stripeCustomerId;
    }
    const created = await this.stripe.customers.create(
      { ...details, metadata: { leadgraph_owner: ownerKey } },
      { idempotencyKey: `customer:${ownerKey}` },
    );
    try {
      await this.customers.create({ _id: ownerKey, stripeCustomerId: created.id, createdAt: this.clock.now() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return created.id;
  }

  /**
   * Attaches a payment method the client tokenised with Stripe (card or SEPA debit: we never see
   * the card) to the customer, as its default when asked. BAD_USER_INPUT naming `paymentMethodId`
   * when Stripe does not know it, it belongs to someone else, or it is of another kind.
   */
  async attachPaymentMethod(customerId: string, paymentMethodId: string, makeDefault: boolean): Promise<PaymentMethodSummary> {
    let paymentMethod: Stripe.PaymentMethod;
    try {
      paymentMethod = await this.stripe.paymentMethods.retrieve(paymentMethodId);
    } catch (error) {
      if (isMissingResource(error)) throw badInput('paymentMethodId', 'paymentMethodId: no such payment method');
      throw error;
    }
    if (!paymentMethodSummaryFrom(paymentMethod)) throw badInput('paymentMethodId', 'paymentMethodId: only cards and SEPA direct debit are accepted');
    const owner = typeof paymentMethod.customer === 'string' ? paymentMethod.customer : (paymentMethod.customer?.id ?? null);
    if (owner && owner !== customerId) throw badInput('paymentMethodId', 'paymentMethodId: this payment method belongs to another customer');
    if (!owner) {
      try {
        // Attach answers with the attached method: its id is the one to use from now on.
        paymentMethod = await this.stripe.paymentMethods.attach(paymentMethodId, { customer: customerId });
      } catch (error) {
        if (isCardError(error)) throw badInput('paymentMethodId', `paymentMethodId: refused by the bank (${error.decline_code ?? error.code ?? 'declined'})`);
        throw error;
      }
    }
    const summary = paymentMethodSummaryFrom(paymentMethod);
    if (!summary) throw badInput('paymentMethodId', 'paymentMethodId: only cards and SEPA direct debit are accepted');
    if (makeDefault) {
      await this.stripe.customers.update(customerId, { invoice_settings: { default_payment_method: summary.stripePaymentMethodId } });
    }
    return summary;
  }

  /**
   * What Stripe holds about a customer for a data-subject access request (PRV-02): name, e-mail,
   * phone, address, VAT ids and the contact name we keep in its metadata. Never card data (Stripe
   * keeps it; we cannot read it). Null when Stripe no longer knows the customer.
   */
  async customerProfile(customerId: string): Promise<StripeCustomerProfile | null> {
    let customer: Stripe.Customer | Stripe.DeletedCustomer;
    try {
      customer = await this.stripe.customers.retrieve(customerId);
    } catch (error) {
      if (isMissingResource(error)) return null;
      throw error;
    }
    if (customer.deleted) return null;
    const address = customer.address;
    return {
      name: customer.name ?? null,
      contactName: customer.metadata?.[CONTACT_NAME_METADATA] ?? null,
      email: customer.email ?? null,
      phone: customer.phone ?? null,
      address: address
        ? { line1: address.line1, line2: address.line2, postalCode: address.postal_code, city: address.city, state: address.state, country: address.country }
        : null,
      taxIds: (customer.tax_ids?.data ?? []).map((taxId) => ({ type: taxId.type, value: taxId.value })),
    };
  }

  /**
   * Rectified names for the invoices Stripe issues from now on (PRV-02): `name` is the name
   * invoices are addressed to (the company), the contact's full name rides in the metadata.
   * Issued invoices are never altered.
   */
  async rectifyCustomer(customerId: string, names: { name?: string; contactName?: string }): Promise<void> {
    await this.stripe.customers.update(customerId, {
      ...(names.name !== undefined ? { name: names.name } : {}),
      ...(names.contactName !== undefined ? { metadata: { [CONTACT_NAME_METADATA]: names.contactName } } : {}),
    });
  }

  /** Erasure (PRV-02): the customer's contact e-mail and phone go; name, address and VAT ids stay for accounting. */
  async eraseCustomerContact(customerId: string): Promise<void> {
    try {
      await this.stripe.customers.update(customerId, { email: '', phone: '', metadata: { [CONTACT_NAME_METADATA]: '' } });
    } catch (error) {
      if (!isMissingResource(error)) throw error;
    }
  }

  /** Detaches a payment method from its customer (erasure, PRV-02); one already detached or unknown is fine. */
  async detachPaymentMethod(paymentMethodId: string): Promise<void> {
    try {
      await this.stripe.paymentMethods.detach(paymentMethodId);
    } catch (error) {
      // Unknown, or no longer attached to any customer: the goal is reached.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) return;
      throw error;
    }
  }

  /** The Stripe price billing `pricePerSeatCents` per seat and period for a plan (made once). */
  async priceFor(plan: { planId: string; name: string; billingPeriod: BillingPeriod }, pricePerSeatCents: number): Promise<string> {
    const productId = await this.catalogueObject(`product:${plan.planId}`, (idempotencyKey) =>
      this.stripe.products.create({ name: `leadgraph ${plan.name}`, metadata: { leadgraph_plan_id: plan.planId } }, { idempotencyKey }),
    );
    return this.catalogueObject(`price:${plan.planId}:${pricePerSeatCents}`, (idempotencyKey) =>
      this.stripe.prices.create(
        {
          product: productId,
          currency: 'eur',
          unit_amount: pricePerSeatCents,
          recurring: { interval: STRIPE_INTERVAL[plan.billingPeriod], interval_count: 1 },
          tax_behavior: 'exclusive',
          metadata: { leadgraph_plan_id: plan.planId },
        },
        { idempotencyKey },
      ),
    );
  }

  /** The exclusive VAT rate to apply, or null when no VAT is invoiced (reverse charge, outside the EU). */
  async taxRateFor(country: string, rateBasisPoints: number): Promise<string | null> {
    if (rateBasisPoints === 0) return null;
    return this.catalogueObject(`tax-rate:${country}:${rateBasisPoints}`, (idempotencyKey) =>
      this.stripe.taxRates.create(
        {
          display_name: 'VAT',
          description: `VAT ${country}`,
          country,
          percentage: taxRatePercentage(rateBasisPoints),
          inclusive: false,
          tax_type: 'vat',
        },
        { idempotencyKey },
      ),
    );
  }

  /**
   * The Stripe subscription of a PREMIUM subscription, charged at once with the default payment
   * method. A declined first payment is not an error here: the caller decides (`declineCode`).
   */
  async createSubscription(input: {
    subscriptionId: string;
    customerId: string;
    priceId: string;
    seats: number;
    taxRateId: string | null;
    paymentMethodId: string;
  }): Promise<NewStripeSubscription> {
    try {
      const subscription = await this.stripe.subscriptions.create(
        {
          customer: input.customerId,
          items: [{ price: input.priceId, quantity: input.seats }],
          default_payment_method: input.paymentMethodId,
          ...(input.taxRateId ? { default_tax_rates: [input.taxRateId] } : {}),
          payment_behavior: 'error_if_incomplete',
          metadata: { [METADATA.subscriptionId]: input.subscriptionId, [METADATA.purpose]: 'SUBSCRIPTION' },
          expand: ['latest_invoice'],
        },
        { idempotencyKey: `subscription:${input.subscriptionId}` },
      );
      const latest = subscription.latest_invoice;
      return { subscription, latestInvoice: latest && typeof latest !== 'string' ? latest : null, declineCode: null };
    } catch (error) {
      if (!isCardError(error)) throw error;
      // Stripe refuses to create a subscription whose first payment fails: nothing was created.
      throw new PaymentDeclinedError(error.decline_code ?? error.code ?? 'card_declined');
    }
  }

  /**
   * Cancels whatever Stripe subscription carries our subscription id (found by metadata): for an
   * attempt we give up on whose Stripe id we never learnt (a call that failed after Stripe acted).
   */
  async cancelSubscriptionsFor(customerId: string, subscriptionId: string): Promise<void> {
    for await (const candidate of this.stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 100 })) {
      if (candidate.metadata?.[METADATA.subscriptionId] !== subscriptionId) continue;
      if (candidate.status !== 'canceled' && candidate.status !== 'incomplete_expired') await this.cancelNow(candidate.id);
    }
  }

  /**
   * A one-off invoice (upgrade difference, add-on credits), finalized and charged at once to the
   * customer's default payment method. `operationId` makes every step idempotent.
   */
  async chargeOneOff(input: {
    operationId: string;
    customerId: string;
    subscriptionId: string;
    purpose: Exclude<InvoicePurpose, 'SUBSCRIPTION'>;
    lines: OneOffLine[];
    taxRateId: string | null;
  }): Promise<OneOffCharge> {
    const metadata = {
      [METADATA.subscriptionId]: input.subscriptionId,
      [METADATA.purpose]: input.purpose,
      [METADATA.operationId]: input.operationId,
    };
    const draft = await this.stripe.invoices.create(
      {
        customer: input.customerId,
        collection_method: 'charge_automatically',
        auto_advance: false,
        pending_invoice_items_behavior: 'exclude',
        metadata,
      },
      { idempotencyKey: `invoice:${input.operationId}` },
    );
    const invoiceId = draft.id;
    for (const [index, line] of input.lines.entries()) {
      await this.stripe.invoiceItems.create(
        {
          customer: input.customerId,
          invoice: invoiceId,
          amount: line.amountCents,
          currency: 'eur',
          description: line.description,
          ...(input.taxRateId ? { tax_rates: [input.taxRateId] } : {}),
          metadata,
        },
        { idempotencyKey: `invoice-item:${input.operationId}:${index}` },
      );
    }
    await this.stripe.invoices.finalizeInvoice(invoiceId, { auto_advance: false }, { idempotencyKey: `finalize:${input.operationId}` });
    try {
      const paid = await this.stripe.invoices.pay(invoiceId, {}, { idempotencyKey: `pay:${input.operationId}` });
      return { invoice: paid, declineCode: null };
    } catch (error) {
      if (!isCardError(error)) throw error;
      return { invoice: await this.stripe.invoices.retrieve(invoiceId), declineCode: error.decline_code ?? error.code ?? 'card_declined' };
    }
  }

  /** A declined one-off invoice is voided: nothing stays due for a change that did not happen. */
  async voidInvoice(invoiceId: string): Promise<Stripe.Invoice> {
    return this.stripe.invoices.voidInvoice(invoiceId);
  }

  async retrieveInvoice(invoiceId: string): Promise<Stripe.Invoice> {
    return this.stripe.invoices.retrieve(invoiceId);
  }

  /**
   * What the Stripe subscription bills from its next renewal on (a downgrade, more seats, a revised
   * price): no proration, we charge differences ourselves (BIL-09) and changes wait for the renewal.
   */
  async setRenewalTerms(stripeSubscriptionId: string, priceId: string, seats: number): Promise<void> {
    const subscription = await this.stripe.subscriptions.retrieve(stripeSubscriptionId);
    const item = subscription.items.data[0];
    if (!item) throw new Error(`Stripe subscription ${stripeSubscriptionId} has no item`);
    await this.stripe.subscriptions.update(stripeSubscriptionId, {
      items: [{ id: item.id, price: priceId, quantity: seats }],
      proration_behavior: 'none',
    });
  }

  /** Non-renewal at the end of the period (BIL-10, BIL-11): Stripe must not bill the next one. */
  async setCancelAtPeriodEnd(stripeSubscriptionId: string, cancel: boolean): Promise<void> {
    await this.stripe.subscriptions.update(stripeSubscriptionId, { cancel_at_period_end: cancel });
  }

  /** Ends the Stripe subscription now, without proration or refund (BIL-11); open invoices stay due. */
  async cancelNow(stripeSubscriptionId: string): Promise<void> {
    try {
      await this.stripe.subscriptions.cancel(stripeSubscriptionId, { invoice_now: false, prorate: false });
    } catch (error) {
      // Already canceled (by Stripe's dunning or an earlier attempt): the goal is reached.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) return;
      throw error;
    }
  }

  /** Webhook events are verified against the signing secret, at the service clock's time. */
  verifyWebhook(rawBody: Buffer, signature: string, secret: string): Stripe.Event {
    // The SDK takes `receivedAt` in milliseconds; the signature's timestamp must be at most 5 minutes old.
    return this.stripe.webhooks.constructEvent(rawBody, signature, secret, 300, undefined, this.clock.now().getTime());
  }

  private async catalogueObject(key: string, create: (idempotencyKey: string) => Promise<{ id: string }>): Promise<string> {
    const known = await this.catalogue.findById(key).lean();
    if (known) return known.stripeId;
    const created = await create(`catalogue:${key}`);
    try {
      await this.catalogue.create({ _id: key, stripeId: created.id, createdAt: this.clock.now() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return created.id;
  }
}

/** The bank refused the payment; nothing was provided. */
export class PaymentDeclinedError extends Error {
  constructor(readonly declineCode: string) {
    super(`payment declined (${declineCode})`);
    this.name = 'PaymentDeclinedError';
  }
}
