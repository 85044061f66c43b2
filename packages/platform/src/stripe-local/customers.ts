/** Customers, their tax ids, payment methods (card test tokens, SEPA debit) and setup intents. */
import { z } from 'zod';
import { isValidIban } from './billing-math';
import {
  addressParam,
  mergeMetadata,
  pageParams,
  requireAttachedPaymentMethod,
  requireCustomer,
  requirePaymentMethod,
  toAddress,
} from './common';
import { previousAttributes, type StripeEngine } from './engine';
import { StripeApiError, badState, invalidParam, noSuch } from './errors';
import { baseParams, formBool, formClearable, formMetadata, formPositiveInt, parseParams } from './form';
import { pathParam, type Route, type RouteContext } from './route';
import { isDeleted, newId, newestFirst, paginate, randomToken } from './state';
import type { CardWire, CustomerWire, DeletedWire, PaymentMethodWire, SetupIntentWire, TaxIdWire } from './wire';

// ---- test cards ----

interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex';
  funding: 'credit' | 'debit';
  /** Why charges to it fail, or null when they succeed. */
  declineCode: string | null;
}

/** Stripe's documented test cards, by the name used in `pm_card_<name>` / `tok_<name>`. */
const TEST_CARDS: Record<string, TestCard> = {
  visa: { number: '4242424242424242', brand: 'visa', funding: 'credit', declineCode: null },
  visa_debit: { number: '4000056655665556', brand: 'visa', funding: 'debit', declineCode: null },
  mastercard: { number: '5555555555554444', brand: 'mastercard', funding: 'credit', declineCode: null },
  amex: { number: '378282246310005', brand: 'amex', funding: 'credit', declineCode: null },
  chargeDeclined: { number: '4000000000000002', brand: 'visa', funding: 'credit', declineCode: 'generic_decline' },
  chargeDeclinedInsufficientFunds: { number: '4000000000009995', brand: 'visa', funding: 'credit', declineCode: 'insufficient_funds' },
  chargeDeclinedExpiredCard: { number: '4000000000000069', brand: 'visa', funding: 'credit', declineCode: 'expired_card' },
  chargeDeclinedFraudulent: { number: '4100000000000019', brand: 'visa', funding: 'credit', declineCode: 'fraudulent' },
  chargeCustomerFail: { number: '4000000000000341', brand: 'visa', funding: 'credit', declineCode: 'generic_decline' },
};

/** Stripe's SEPA test IBANs whose debits fail (the last four digits identify them here). */
const FAILING_SEPA_LAST4 = new Set(['3001', '3202', '2607']);

function luhnValid(number: string): boolean {
  let sum = 0;
  [...number].reverse().forEach((char, index) => {
    let digit = Number(char);
    if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  });
  return sum % 10 === 0;
}

/** Why a charge to this payment method fails by itself (test card or IBAN), or null. */
export function paymentMethodDeclineCode(paymentMethod: PaymentMethodWire): string | null {
  if (paymentMethod.card) {
    const card = Object.values(TEST_CARDS).find(
      (candidate) => candidate.number.endsWith(paymentMethod.card?.last4 ?? '') && candidate.brand === paymentMethod.card?.brand,
    );
    return card?.declineCode ?? null;
  }
  if (paymentMethod.sepa_debit && FAILING_SEPA_LAST4.has(paymentMethod.sepa_debit.last4 ?? '')) return 'insufficient_funds';
  return null;
}

function cardDetails(card: TestCard, expMonth: number, expYear: number): CardWire {
  return {
    brand: card.brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
    country: 'US',
    display_brand: card.brand,
    exp_month: expMonth,
    exp_year: expYear,
    fingerprint: card.number.slice(-8) + randomToken(8),
    funding: card.funding,
    generated_from: null,
    last4: card.number.slice(-4),
    networks: { available: [card.brand], preferred: null },
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

function testCardByName(name: string, param: string): TestCard {
  const card = TEST_CARDS[name];
  if (!card) throw invalidParam(param, `No such test card token: '${name}' (known: ${Object.keys(TEST_CARDS).join(', ')})`, 'resource_missing');
  return card;
}

// ---- customers ----

const taxIdInput = z.object({ type: z.string(), value: z.string() }).strict();

const customerFields = {
  ...baseParams,
  address: addressParam.optional(),
  balance: z.string().regex(/^-?\d+$/).transform(Number).optional(),
  description: formClearable.optional(),
  email: formClearable.optional(),
  invoice_prefix: z.string().regex(/^[A-Z0-9]{3,12}$/, 'must be 3-12 uppercase letters or digits').optional(),
  invoice_settings: z.object({ default_payment_method: formClearable.optional(), footer: formClearable.optional() }).strict().optional(),
  metadata: formMetadata.optional(),
  name: formClearable.optional(),
  phone: formClearable.optional(),
  preferred_locales: z.array(z.string()).optional(),
  tax_exempt: z.enum(['none', 'exempt', 'reverse']).optional(),
};

const customerCreateSchema = z.object({ ...customerFields, payment_method: z.string().optional(), tax_id_data: z.array(taxIdInput).optional() }).strict();
const customerUpdateSchema = z.object(customerFields).strict();

/** The country a tax id type implies (eu_vat: its two-letter prefix, with EL for Greece). */
function taxIdCountry(type: string, value: string): string | null {
  if (type === 'eu_vat') {
    const prefix = value.slice(0, 2).toUpperCase();
    return prefix === 'EL' ? 'GR' : prefix;
  }
  const byType: Record<string, string> = { gb_vat: 'GB', ch_vat: 'CH', no_vat: 'NO', us_ein: 'US' };
  return byType[type] ?? null;
}

function newTaxId(engine: StripeEngine, customerId: string, input: z.output<typeof taxIdInput>): TaxIdWire {
  if (input.type === 'eu_vat' && !/^[A-Z]{2}[0-9A-Z]{2,13}$/.test(input.value.replace(/[\s.-]/g, '').toUpperCase())) {
    throw invalidParam('tax_id_data[0][value]', `Invalid value for eu_vat.`, 'tax_id_invalid');
  }
  return {
    id: newId('txi'),
    object: 'tax_id',
    country: taxIdCountry(input.type, input.value),
    created: engine.now(),
    customer: customerId,
    livemode: false,
    type: input.type,
    value: input.value,
    verification: { status: 'pending', verified_address: null, verified_name: null },
  };
}

function applyCustomerFields(engine: StripeEngine, customer: CustomerWire, params: z.output<typeof customerUpdateSchema>): void {
  if (params.address !== undefined) customer.address = toAddress(params.address);
  if (params.balance !== undefined) customer.balance = params.balance;
  if (params.description !== undefined) customer.description = params.description;
  if (params.email !== undefined) customer.email = params.email;
  if (params.invoice_prefix !== undefined) customer.invoice_prefix = params.invoice_prefix;
  if (params.name !== undefined) customer.name = params.name;
  if (params.phone !== undefined) customer.phone = params.phone;
  if (params.preferred_locales !== undefined) customer.preferred_locales = params.preferred_locales;
  if (params.tax_exempt !== undefined) customer.tax_exempt = params.tax_exempt;
  customer.metadata = mergeMetadata(customer.metadata, params.metadata);
  const settings = params.invoice_settings;
  if (settings?.footer !== undefined) customer.invoice_settings.footer = settings.footer;
  if (settings?.default_payment_method !== undefined) {
    const id = settings.default_payment_method;
    if (id !== null) requireAttachedPaymentMethod(engine, customer.id, id, 'invoice_settings[default_payment_method]');
    customer.invoice_settings.default_payment_method = id;
  }
}

function createCustomer(context: RouteContext): CustomerWire {
  const { engine } = context;
  const params = parseParams(customerCreateSchema, context.params);
  const id = newId('cus');
  const customer: CustomerWire = {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created: engine.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    tax_ids: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/customers/${id}/tax_ids` },
    test_clock: null,
  };
  engine.state.customers.set(id, customer);
  if (params.payment_method) attachPaymentMethod(engine, params.payment_method, id);
  applyCustomerFields(engine, customer, params);
  for (const input of params.tax_id_data ?? []) customer.tax_ids.data.push(newTaxId(engine, id, input));
  customer.tax_ids.total_count = customer.tax_ids.data.length;
  engine.emit('customer.created', customer);
  return customer;
}

function updateCustomer(context: RouteContext): CustomerWire {
  const { engine } = context;
  const customer = requireCustomer(context.engine, pathParam(context, 'id'), 'id');
  const params = parseParams(customerUpdateSchema, context.params);
  const before = structuredClone(customer);
  applyCustomerFields(engine, customer, params);
  const previous = previousAttributes(before, customer);
  if (Object.keys(previous).length > 0) engine.emit('customer.updated', customer, previous);
  return customer;
}

function retrieveCustomer(context: RouteContext): CustomerWire | DeletedWire {
  parseParams(z.object(baseParams).strict(), context.params);
  const id = pathParam(context, 'id');
  const customer = context.engine.state.customers.get(id);
  if (!customer) throw noSuch('customer', id, 'id');
  return customer;
}

function deleteCustomer(context: RouteContext): DeletedWire {
  const { engine } = context;
  const customer = requireCustomer(engine, pathParam(context, 'id'), 'id');
  // Deleting a customer ends its subscriptions at once, as Stripe does.
  for (const subscription of engine.state.subscriptions.values()) {
    if (subscription.customer === customer.id && !['canceled', 'incomplete_expired'].includes(subscription.status)) {
      subscription.status = 'canceled';
      subscription.canceled_at = engine.now();
      subscription.ended_at = engine.now();
      engine.emit('customer.subscription.deleted', subscription);
    }
  }
  for (const paymentMethod of engine.state.paymentMethods.values()) if (paymentMethod.customer === customer.id) paymentMethod.customer = null;
  // Nothing is collected from a deleted customer any more.
  for (const invoice of engine.state.invoices.values()) {
    if (!isDeleted(invoice) && invoice.customer === customer.id) {
      invoice.next_payment_attempt = null;
      invoice.automatically_finalizes_at = null;
    }
  }
  const deleted: DeletedWire = { id: customer.id, object: 'customer', deleted: true };
  engine.state.customers.set(customer.id, deleted);
  engine.emit('customer.deleted', customer);
  return deleted;
}

function listCustomers(context: RouteContext) {
  const params = parseParams(z.object({ ...baseParams, ...pageParams, email: z.string().optional() }).strict(), context.params);
  const customers = newestFirst(context.engine.state.customers).filter(
    (customer): customer is CustomerWire => !isDeleted(customer) && (params.email === undefined || customer.email === params.email),
  );
  return paginate(customers, params, context.url);
}

function createTaxId(context: RouteContext): TaxIdWire {
  const customer = requireCustomer(context.engine, pathParam(context, 'customer'), 'customer');
  const params = parseParams(taxIdInput.extend(baseParams), context.params);
  const taxId = newTaxId(context.engine, customer.id, { type: params.type, value: params.value });
  customer.tax_ids.data.push(taxId);
  customer.tax_ids.total_count = customer.tax_ids.data.length;
  return taxId;
}

function findTaxId(context: RouteContext): { customer: CustomerWire; taxId: TaxIdWire } {
  const customer = requireCustomer(context.engine, pathParam(context, 'customer'), 'customer');
  const id = pathParam(context, 'id');
  const taxId = customer.tax_ids.data.find((candidate) => candidate.id === id);
  if (!taxId) throw noSuch('tax id', id);
  return { customer, taxId };
}

function deleteTaxId(context: RouteContext): DeletedWire {
  const { customer, taxId } = findTaxId(context);
  customer.tax_ids.data = customer.tax_ids.data.filter((candidate) => candidate.id !== taxId.id);
  customer.tax_ids.total_count = customer.tax_ids.data.length;
  return { id: taxId.id, object: 'tax_id', deleted: true };
}

// ---- payment methods ----

const billingDetailsParam = z
  .object({ address: addressParam, email: formClearable, name: formClearable, phone: formClearable, tax_id: formClearable })
  .partial()
  .strict();

const paymentMethodCreateSchema = z
  .object({
    ...baseParams,
    type: z.enum(['card', 'sepa_debit']),
    card: z
      .union([
        z.object({ token: z.string() }).strict(),
        z.object({ number: z.string(), exp_month: formPositiveInt, exp_year: formPositiveInt, cvc: z.string().optional() }).strict(),
      ])
      .optional(),
    sepa_debit: z.object({ iban: z.string() }).strict().optional(),
    billing_details: billingDetailsParam.optional(),
    metadata: formMetadata.optional(),
    allow_redisplay: z.enum(['always', 'limited', 'unspecified']).optional(),
  })
  .strict();

function basePaymentMethod(engine: StripeEngine, type: PaymentMethodWire['type']): PaymentMethodWire {
  return {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    created: engine.now(),
    customer: null,
    livemode: false,
    metadata: {},
    type,
  };
}

function applyBillingDetails(paymentMethod: PaymentMethodWire, details: z.output<typeof billingDetailsParam> | undefined): void {
  if (!details) return;
  const target = paymentMethod.billing_details;
  if (details.address !== undefined) target.address = toAddress(details.address);
  if (details.email !== undefined) target.email = details.email;
  if (details.name !== undefined) target.name = details.name;
  if (details.phone !== undefined) target.phone = details.phone;
  if (details.tax_id !== undefined) target.tax_id = details.tax_id;
}

/** A card payment method from a test card (the expiry Stripe gives its test tokens: a year ahead). */
function cardPaymentMethod(engine: StripeEngine, card: TestCard, expMonth?: number, expYear?: number): PaymentMethodWire {
  const paymentMethod = basePaymentMethod(engine, 'card');
  const nextYear = new Date(engine.now() * 1000).getUTCFullYear() + 1;
  paymentMethod.card = cardDetails(card, expMonth ?? 12, expYear ?? nextYear);
  return paymentMethod;
}

function createPaymentMethod(context: RouteContext): PaymentMethodWire {
  const { engine } = context;
  const params = parseParams(paymentMethodCreateSchema, context.params);
  let paymentMethod: PaymentMethodWire;
  if (params.type === 'card') {
    const card = params.card;
    if (!card) throw invalidParam('card', 'Missing required param: card.', 'parameter_missing');
    if ('token' in card) {
      paymentMethod = cardPaymentMethod(engine, testCardByName(card.token.replace(/^tok_/, ''), 'card[token]'));
    } else {
      const number = card.number.replace(/\s+/g, '');
      if (!/^\d{13,19}$/.test(number) || !luhnValid(number)) {
        throw new StripeApiError(402, { type: 'card_error', code: 'incorrect_number', param: 'card[number]', message: 'Your card number is incorrect.' });
      }
      const known = Object.values(TEST_CARDS).find((candidate) => candidate.number === number);
      const brand: TestCard['brand'] = number.startsWith('5') ? 'mastercard' : number.startsWith('3') ? 'amex' : 'visa';
      paymentMethod = cardPaymentMethod(engine, known ?? { number, brand, funding: 'credit', declineCode: null }, card.exp_month, card.exp_year);
    }
  } else {
    const iban = params.sepa_debit?.iban.replace(/\s+/g, '').toUpperCase();
    if (!iban) throw invalidParam('sepa_debit', 'Missing required param: sepa_debit.', 'parameter_missing');
    if (!isValidIban(iban)) throw invalidParam('sepa_debit[iban]', 'The IBAN you provided is invalid.', 'invalid_bank_account_iban');
    if (!params.billing_details?.name || !params.billing_details.email) {
      throw invalidParam('billing_details', 'SEPA Direct Debit payment methods require billing_details[name] and billing_details[email].', 'parameter_missing');
    }
    paymentMethod = basePaymentMethod(engine, 'sepa_debit');
    paymentMethod.sepa_debit = {
      bank_code: iban.slice(4, 12),
      branch_code: '',
      country: iban.slice(0, 2),
      fingerprint: randomToken(16),
      generated_from: null,
      last4: iban.slice(-4),
    };
  }
  applyBillingDetails(paymentMethod, params.billing_details);
  paymentMethod.metadata = mergeMetadata({}, params.metadata);
  if (params.allow_redisplay) paymentMethod.allow_redisplay = params.allow_redisplay;
  engine.state.paymentMethods.set(paymentMethod.id, paymentMethod);
  return paymentMethod;
}

/**
 * Attaches a payment method; a test id such as `pm_card_visa` or `pm_card_chargeDeclined`
 * creates a new card payment method first, as Stripe does in test mode.
 */
export function attachPaymentMethod(engine: StripeEngine, id: string, customerId: string): PaymentMethodWire {
  requireCustomer(engine, customerId);
  let paymentMethod: PaymentMethodWire;
  if (id.startsWith('pm_card_')) {
    paymentMethod = cardPaymentMethod(engine, testCardByName(id.slice('pm_card_'.length), 'payment_method'));
    engine.state.paymentMethods.set(paymentMethod.id, paymentMethod);
  } else {
    paymentMethod = requirePaymentMethod(engine, id);
  }
  if (paymentMethod.customer === customerId) return paymentMethod;
  if (paymentMethod.customer !== null) {
    throw badState('The payment method you provided has already been attached to a customer.', 'payment_method');
  }
  paymentMethod.customer = customerId;
  engine.emit('payment_method.attached', paymentMethod);
  return paymentMethod;
}

function attachRoute(context: RouteContext): PaymentMethodWire {
  const params = parseParams(z.object({ ...baseParams, customer: z.string() }).strict(), context.params);
  return attachPaymentMethod(context.engine, pathParam(context, 'id'), params.customer);
}

function detachRoute(context: RouteContext): PaymentMethodWire {
  const { engine } = context;
  parseParams(z.object(baseParams).strict(), context.params);
  const paymentMethod = requirePaymentMethod(engine, pathParam(context, 'id'), 'payment_method');
  const customerId = paymentMethod.customer;
  if (customerId === null) throw badState('The payment method you provided is not attached to a customer so detachment is impossible.');
  const customer = engine.state.customers.get(customerId);
  if (customer && !isDeleted(customer) && customer.invoice_settings.default_payment_method === paymentMethod.id) {
    const before = structuredClone(customer);
    customer.invoice_settings.default_payment_method = null;
    engine.emit('customer.updated', customer, previousAttributes(before, customer));
  }
  paymentMethod.customer = null;
  engine.emit('payment_method.detached', paymentMethod, { customer: customerId });
  return paymentMethod;
}

function updatePaymentMethod(context: RouteContext): PaymentMethodWire {
  const params = parseParams(
    z
      .object({
        ...baseParams,
        billing_details: billingDetailsParam.optional(),
        metadata: formMetadata.optional(),
        card: z.object({ exp_month: formPositiveInt, exp_year: formPositiveInt }).partial().strict().optional(),
        allow_redisplay: z.enum(['always', 'limited', 'unspecified']).optional(),
      })
      .strict(),
    context.params,
  );
  const paymentMethod = requirePaymentMethod(context.engine, pathParam(context, 'id'), 'payment_method');
  applyBillingDetails(paymentMethod, params.billing_details);
  paymentMethod.metadata = mergeMetadata(paymentMethod.metadata, params.metadata);
  if (params.allow_redisplay) paymentMethod.allow_redisplay = params.allow_redisplay;
  if (paymentMethod.card && params.card?.exp_month !== undefined) paymentMethod.card.exp_month = params.card.exp_month;
  if (paymentMethod.card && params.card?.exp_year !== undefined) paymentMethod.card.exp_year = params.card.exp_year;
  return paymentMethod;
}

const paymentMethodListSchema = z
  .object({ ...baseParams, ...pageParams, customer: z.string().optional(), type: z.enum(['card', 'sepa_debit']).optional() })
  .strict();

function listPaymentMethods(context: RouteContext, customerId: string | undefined) {
  const params = parseParams(paymentMethodListSchema, context.params);
  const customer = customerId ?? params.customer;
  if (customer !== undefined) requireCustomer(context.engine, customer);
  const methods = newestFirst(context.engine.state.paymentMethods).filter(
    (paymentMethod) =>
      (customer === undefined || paymentMethod.customer === customer) && (params.type === undefined || paymentMethod.type === params.type),
  );
  return paginate(methods, params, context.url);
}

// ---- setup intents ----

const setupIntentCreateSchema = z
  .object({
    ...baseParams,
    customer: z.string().optional(),
    payment_method: z.string().optional(),
    /** Older API versions' name of allowed_payment_method_types. */
    payment_method_types: z.array(z.enum(['card', 'sepa_debit'])).optional(),
    allowed_payment_method_types: z.array(z.enum(['card', 'sepa_debit'])).optional(),
    payment_method_options: z.record(z.string(), z.unknown()).optional(),
    return_url: z.string().optional(),
    usage: z.enum(['off_session', 'on_session']).optional(),
    confirm: formBool.optional(),
    description: z.string().optional(),
    metadata: formMetadata.optional(),
    mandate_data: z.record(z.string(), z.unknown()).optional(),
    automatic_payment_methods: z.object({ enabled: formBool, allow_redirects: z.enum(['always', 'never']).optional() }).strict().optional(),
  })
  .strict();

/** Confirms a setup intent: the payment method is attached to the customer (a SEPA one gets a mandate). */
function confirmSetupIntent(engine: StripeEngine, setupIntent: SetupIntentWire): void {
  if (!setupIntent.payment_method) throw badState('You must provide a payment_method to confirm this SetupIntent.', 'payment_method');
  let paymentMethod = setupIntent.payment_method.startsWith('pm_card_')
    ? null
    : requirePaymentMethod(engine, setupIntent.payment_method, 'payment_method');
  if (setupIntent.customer) {
    paymentMethod = attachPaymentMethod(engine, setupIntent.payment_method, setupIntent.customer);
    setupIntent.payment_method = paymentMethod.id;
  }
  if (paymentMethod?.type === 'sepa_debit') setupIntent.mandate = newId('mandate');
  setupIntent.status = 'succeeded';
  engine.emit('setup_intent.succeeded', setupIntent);
}

function createSetupIntent(context: RouteContext): SetupIntentWire {
  const { engine } = context;
  const params = parseParams(setupIntentCreateSchema, context.params);
  if (params.customer) requireCustomer(engine, params.customer);
  const id = newId('seti');
  const setupIntent: SetupIntentWire = {
    id,
    object: 'setup_intent',
    client_secret: `${id}_secret_${randomToken(24)}`,
    created: engine.now(),
    customer: params.customer ?? null,
    description: params.description ?? null,
    last_setup_error: null,
    livemode: false,
    mandate: null,
    metadata: mergeMetadata({}, params.metadata),
    payment_method: params.payment_method ?? null,
    allowed_payment_method_types: params.allowed_payment_method_types ?? params.payment_method_types ?? null,
    payment_method_types: params.allowed_payment_method_types ?? params.payment_method_types ?? ['card'],
    status: params.payment_method ? 'requires_confirmation' : 'requires_payment_method',
    usage: params.usage ?? 'off_session',
  };
  engine.state.setupIntents.set(id, setupIntent);
  if (params.confirm) confirmSetupIntent(engine, setupIntent);
  return setupIntent;
}

function requireSetupIntent(context: RouteContext): SetupIntentWire {
  const id = pathParam(context, 'id');
  const setupIntent = context.engine.state.setupIntents.get(id);
  if (!setupIntent) throw noSuch('setupintent', id, 'intent');
  return setupIntent;
}

function confirmSetupIntentRoute(context: RouteContext): SetupIntentWire {
  const params = parseParams(
    z.object({ ...baseParams, payment_method: z.string().optional(), mandate_data: z.record(z.string(), z.unknown()).optional() }).strict(),
    context.params,
  );
  const setupIntent = requireSetupIntent(context);
  if (setupIntent.status === 'succeeded' || setupIntent.status === 'canceled') {
    throw badState(`You cannot confirm this SetupIntent because it has a status of ${setupIntent.status}.`);
  }
  if (params.payment_method) setupIntent.payment_method = params.payment_method;
  confirmSetupIntent(context.engine, setupIntent);
  return setupIntent;
}

function cancelSetupIntent(context: RouteContext): SetupIntentWire {
  parseParams(z.object({ ...baseParams, cancellation_reason: z.string().optional() }).strict(), context.params);
  const setupIntent = requireSetupIntent(context);
  if (setupIntent.status === 'succeeded') throw badState('You cannot cancel this SetupIntent because it has a status of succeeded.');
  setupIntent.status = 'canceled';
  return setupIntent;
}

const retrieveOnly = z.object(baseParams).strict();

export const customerRoutes: Route[] = [
  { method: 'POST', pattern: '/v1/customers', handle: createCustomer },
  { method: 'GET', pattern: '/v1/customers', handle: listCustomers },
  { method: 'GET', pattern: '/v1/customers/:id', handle: retrieveCustomer },
  { method: 'POST', pattern: '/v1/customers/:id', handle: updateCustomer },
  { method: 'DELETE', pattern: '/v1/customers/:id', handle: deleteCustomer },
  { method: 'POST', pattern: '/v1/customers/:customer/tax_ids', handle: createTaxId },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/tax_ids',
    handle: (context) => {
      const params = parseParams(z.object({ ...baseParams, ...pageParams }).strict(), context.params);
      const customer = requireCustomer(context.engine, pathParam(context, 'customer'), 'customer');
      return paginate([...customer.tax_ids.data].reverse(), params, context.url);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/tax_ids/:id',
    handle: (context) => (parseParams(retrieveOnly, context.params), findTaxId(context).taxId),
  },
  { method: 'DELETE', pattern: '/v1/customers/:customer/tax_ids/:id', handle: deleteTaxId },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/payment_methods',
    handle: (context) => listPaymentMethods(context, pathParam(context, 'customer')),
  },
  {
    method: 'GET',
    pattern: '/v1/customers/:customer/payment_methods/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const customer = pathParam(context, 'customer');
      return requireAttachedPaymentMethod(context.engine, customer, pathParam(context, 'id'), 'payment_method');
    },
  },
  { method: 'POST', pattern: '/v1/payment_methods', handle: createPaymentMethod },
  { method: 'GET', pattern: '/v1/payment_methods', handle: (context) => listPaymentMethods(context, undefined) },
  {
    method: 'GET',
    pattern: '/v1/payment_methods/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const id = pathParam(context, 'id');
      // A test id (`pm_card_visa`) names a fresh unattached card each time, as in Stripe's test mode.
      if (id.startsWith('pm_card_')) {
        const paymentMethod = cardPaymentMethod(context.engine, testCardByName(id.slice('pm_card_'.length), 'payment_method'));
        context.engine.state.paymentMethods.set(paymentMethod.id, paymentMethod);
        return paymentMethod;
      }
      return requirePaymentMethod(context.engine, id, 'payment_method');
    },
  },
  { method: 'POST', pattern: '/v1/payment_methods/:id', handle: updatePaymentMethod },
  { method: 'POST', pattern: '/v1/payment_methods/:id/attach', handle: attachRoute },
  { method: 'POST', pattern: '/v1/payment_methods/:id/detach', handle: detachRoute },
  { method: 'POST', pattern: '/v1/setup_intents', handle: createSetupIntent },
  { method: 'GET', pattern: '/v1/setup_intents/:id', handle: (context) => (parseParams(retrieveOnly, context.params), requireSetupIntent(context)) },
  { method: 'POST', pattern: '/v1/setup_intents/:id/confirm', handle: confirmSetupIntentRoute },
  { method: 'POST', pattern: '/v1/setup_intents/:id/cancel', handle: cancelSetupIntent },
];
