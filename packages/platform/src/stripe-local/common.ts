import { z } from 'zod';
import { invalidParam, noSuch } from './errors';
import type { StripeEngine } from './engine';
import { formMetadata, formPositiveInt } from './form';
import { isDeleted } from './state';
import type { CustomerWire, Metadata, PaymentMethodWire, PriceWire, ProductWire, SubscriptionWire, TaxRateWire } from './wire';

export const pageParams = {
  limit: formPositiveInt.optional(),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
};

export const addressParam = z.union([
  z.literal(''),
  z
    .object({
      city: z.string(),
      country: z.string(),
      line1: z.string(),
      line2: z.string(),
      postal_code: z.string(),
      state: z.string(),
    })
    .partial()
    .strict(),
]);

export type AddressInput = z.output<typeof addressParam>;

export function toAddress(input: AddressInput): CustomerWire['address'] {
  if (input === '') return null;
  return {
    city: input.city ?? null,
    country: input.country ?? null,
    line1: input.line1 ?? null,
    line2: input.line2 ?? null,
    postal_code: input.postal_code ?? null,
    state: input.state ?? null,
  };
}

/** Stripe metadata semantics: `metadata=` clears, `metadata[key]=` removes a key, others merge. */
export function mergeMetadata(current: Metadata, update: z.output<typeof formMetadata> | undefined): Metadata {
  if (update === undefined) return current;
  if (update === '') return {};
  const merged: Metadata = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function requireCustomer(engine: StripeEngine, id: string, param = 'customer'): CustomerWire {
  const customer = engine.state.customers.get(id);
  if (!customer || isDeleted(customer)) throw noSuch('customer', id, param);
  return customer;
}

export function requirePaymentMethod(engine: StripeEngine, id: string, param = 'payment_method'): PaymentMethodWire {
  const paymentMethod = engine.state.paymentMethods.get(id);
  if (!paymentMethod) throw noSuch('PaymentMethod', id, param);
  return paymentMethod;
}

/** A payment method usable for the customer's charges: it must be attached to that customer. */
export function requireAttachedPaymentMethod(engine: StripeEngine, customerId: string, id: string, param: string): PaymentMethodWire {
  const paymentMethod = engine.state.paymentMethods.get(id);
  if (!paymentMethod || paymentMethod.customer !== customerId) {
    throw invalidParam(
      param,
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      'resource_missing',
    );
  }
  return paymentMethod;
}

export function requireProduct(engine: StripeEngine, id: string, param = 'product'): ProductWire {
  const product = engine.state.products.get(id);
  if (!product || isDeleted(product)) throw noSuch('product', id, param);
  return product;
}

export function requirePrice(engine: StripeEngine, id: string, param = 'price'): PriceWire {
  const price = engine.state.prices.get(id);
  if (!price) throw noSuch('price', id, param);
  return price;
}

export function requireTaxRates(engine: StripeEngine, ids: readonly string[], param: string): TaxRateWire[] {
  return ids.map((id) => {
    const rate = engine.state.taxRates.get(id);
    if (!rate) throw noSuch('tax rate', id, param);
    return structuredClone(rate);
  });
}

export function requireSubscription(engine: StripeEngine, id: string, param = 'subscription'): SubscriptionWire {
  const subscription = engine.state.subscriptions.get(id);
  if (!subscription) throw noSuch('subscription', id, param);
  return subscription;
}
