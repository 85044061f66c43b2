import type Stripe from 'stripe';

/**
 * The objects the local server stores and returns, in Stripe's wire shape (snake_case, unix
 * seconds, ids as strings where Stripe returns unexpanded ids). Fields are picked from the SDK's
 * own types so they stay in line with the API version the SDK pins; `expand[]` swaps id strings
 * for objects when rendering. Decimal strings stay strings on the wire (the SDK coerces them).
 */

export interface ListWire<Item> {
  object: 'list';
  data: Item[];
  has_more: boolean;
  total_count?: number;
  url: string;
}

export type Metadata = Record<string, string>;

export type TaxIdWire = Pick<Stripe.TaxId, 'id' | 'object' | 'country' | 'created' | 'livemode' | 'type' | 'value'> & {
  customer: string;
  verification: { status: 'pending' | 'verified' | 'unverified' | 'unavailable'; verified_address: null; verified_name: null };
};

export type CustomerWire = Pick<
  Stripe.Customer,
  'id' | 'object' | 'balance' | 'created' | 'default_source' | 'livemode' | 'shipping' | 'test_clock'
> & {
  address: Stripe.Address | null;
  currency: string | null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: string | null; footer: string | null; rendering_options: null };
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  tax_exempt: 'none' | 'exempt' | 'reverse';
  /** Real Stripe only includes this with expand[]=tax_ids; always included here (harmless). */
  tax_ids: ListWire<TaxIdWire>;
};

export interface DeletedWire {
  id: string;
  object: string;
  deleted: true;
}

export type CardWire = Pick<
  Stripe.PaymentMethod.Card,
  'brand' | 'country' | 'display_brand' | 'exp_month' | 'exp_year' | 'fingerprint' | 'funding' | 'last4' | 'generated_from' | 'wallet'
> & {
  checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' | null };
  networks: { available: string[]; preferred: null };
  three_d_secure_usage: { supported: boolean };
};

export type PaymentMethodWire = Pick<Stripe.PaymentMethod, 'id' | 'object' | 'created' | 'livemode'> & {
  type: 'card' | 'sepa_debit';
  billing_details: {
    address: Stripe.Address | null;
    email: string | null;
    name: string | null;
    phone: string | null;
    tax_id: string | null;
  };
  customer: string | null;
  metadata: Metadata;
  allow_redisplay: 'always' | 'limited' | 'unspecified';
  card?: CardWire;
  sepa_debit?: Pick<Stripe.PaymentMethod.SepaDebit, 'bank_code' | 'branch_code' | 'country' | 'fingerprint' | 'generated_from' | 'last4'>;
};

export type ProductWire = Pick<
  Stripe.Product,
  | 'id'
  | 'object'
  | 'created'
  | 'images'
  | 'livemode'
  | 'marketing_features'
  | 'package_dimensions'
  | 'shippable'
  | 'tax_details'
  | 'type'
  | 'updated'
  | 'url'
> & {
  active: boolean;
  default_price: string | null;
  description: string | null;
  metadata: Metadata;
  name: string;
  statement_descriptor: string | null;
  unit_label: string | null;
};

export type RecurringInterval = 'day' | 'week' | 'month' | 'year';

export type PriceWire = Pick<
  Stripe.Price,
  'id' | 'object' | 'billing_scheme' | 'created' | 'custom_unit_amount' | 'livemode' | 'tiers_mode' | 'transform_quantity'
> & {
  active: boolean;
  currency: string;
  lookup_key: string | null;
  metadata: Metadata;
  nickname: string | null;
  product: string;
  recurring: { interval: RecurringInterval; interval_count: number; meter: null; trial_period_days: number | null; usage_type: 'licensed' } | null;
  tax_behavior: 'exclusive' | 'inclusive' | 'unspecified';
  type: 'one_time' | 'recurring';
  unit_amount: number;
  unit_amount_decimal: string;
};

/** The deprecated `plan` view Stripe still puts on subscription items, derived from the price. */
export type PlanWire = Pick<
  Stripe.Plan,
  'id' | 'object' | 'active' | 'amount' | 'billing_scheme' | 'created' | 'currency' | 'interval_count' | 'livemode' | 'nickname'
> & {
  amount_decimal: string;
  interval: RecurringInterval;
  metadata: Metadata;
  product: string;
  usage_type: 'licensed';
};

export type TaxRateWire = Pick<
  Stripe.TaxRate,
  'id' | 'object' | 'created' | 'flat_amount' | 'jurisdiction_level' | 'livemode' | 'rate_type' | 'state'
> & {
  active: boolean;
  country: string | null;
  description: string | null;
  display_name: string;
  effective_percentage: number;
  inclusive: boolean;
  jurisdiction: string | null;
  metadata: Metadata;
  percentage: number;
  tax_type: Stripe.TaxRate.TaxType | null;
};

export type SubscriptionItemWire = Pick<Stripe.SubscriptionItem, 'id' | 'object' | 'created' | 'billing_thresholds'> & {
  current_period_end: number;
  current_period_start: number;
  discounts: string[];
  metadata: Metadata;
  plan: PlanWire;
  price: PriceWire;
  quantity: number;
  subscription: string;
  tax_rates: TaxRateWire[];
};

export type SubscriptionStatus = 'active' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'past_due' | 'trialing' | 'unpaid';

export type SubscriptionWire = Pick<
  Stripe.Subscription,
  | 'id'
  | 'object'
  | 'application'
  | 'application_fee_percent'
  | 'billing_thresholds'
  | 'created'
  | 'customer_account'
  | 'days_until_due'
  | 'default_source'
  | 'livemode'
  | 'next_pending_invoice_item_invoice'
  | 'on_behalf_of'
  | 'pause_collection'
  | 'pending_invoice_item_interval'
  | 'pending_setup_intent'
  | 'pending_update'
  | 'schedule'
  | 'test_clock'
  | 'transfer_data'
> & {
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: string | null; feedback: string | null; reason: 'cancellation_requested' | 'payment_failed' | null };
  collection_method: 'charge_automatically' | 'send_invoice';
  currency: string;
  customer: string;
  default_payment_method: string | null;
  default_tax_rates: TaxRateWire[];
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  invoice_settings: { account_tax_ids: null; issuer: { type: 'self' } };
  items: ListWire<SubscriptionItemWire>;
  latest_invoice: string | null;
  metadata: Metadata;
  start_date: number;
  status: SubscriptionStatus;
  trial_end: number | null;
  trial_start: number | null;
  /** Pre-2025 API versions had the period on the subscription; kept for such clients (same as items'). */
  current_period_start: number;
  current_period_end: number;
};

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface TaxAmountWire {
  amount: number;
  tax_behavior: 'exclusive' | 'inclusive';
  tax_rate_details: { tax_rate: string };
  taxability_reason: 'standard_rated';
  taxable_amount: number;
  type: 'tax_rate_details';
}

export type LineParentWire =
  | {
      type: 'subscription_item_details';
      invoice_item_details: null;
      subscription_item_details: {
        invoice_item: string | null;
        proration: boolean;
        proration_details: { credited_items: null } | null;
        subscription: string;
        subscription_item: string;
      };
    }
  | {
      type: 'invoice_item_details';
      subscription_item_details: null;
      invoice_item_details: { invoice_item: string; proration: boolean; proration_details: { credited_items: null } | null; subscription: string | null };
    };

export interface InvoiceLineWire {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  discount_amounts: [];
  discountable: boolean;
  discounts: string[];
  invoice: string;
  livemode: false;
  metadata: Metadata;
  parent: LineParentWire;
  period: { start: number; end: number };
  pretax_credit_amounts: [];
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string | null } | null;
  quantity: number | null;
  subscription: string | null;
  subtotal: number;
  taxes: TaxAmountWire[];
  /** Tax rates applied to the line (ids resolved at invoice time). */
  tax_rates: TaxRateWire[];
}

export type InvoiceWire = {
  id: string;
  object: 'invoice';
  account_country: string;
  account_name: string;
  account_tax_ids: null;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  application: null;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: { disabled_reason: null; enabled: false; liability: null; provider: null; status: null };
  automatically_finalizes_at: number | null;
  billing_reason: 'manual' | 'subscription_create' | 'subscription_cycle' | 'subscription_update';
  collection_method: 'charge_automatically' | 'send_invoice';
  created: number;
  currency: string;
  custom_fields: null;
  customer: string;
  customer_account: null;
  customer_address: Stripe.Address | null;
  customer_email: string | null;
  customer_name: string | null;
  customer_phone: string | null;
  customer_shipping: null;
  customer_tax_exempt: 'none' | 'exempt' | 'reverse';
  customer_tax_ids: Array<{ type: string; value: string }>;
  default_payment_method: string | null;
  default_source: null;
  default_tax_rates: TaxRateWire[];
  description: string | null;
  discounts: string[];
  due_date: number | null;
  effective_at: number | null;
  ending_balance: number | null;
  footer: string | null;
  from_invoice: null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  issuer: { type: 'self' };
  last_finalization_error: null;
  latest_revision: null;
  lines: ListWire<InvoiceLineWire>;
  livemode: false;
  metadata: Metadata;
  next_payment_attempt: number | null;
  number: string | null;
  on_behalf_of: null;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
  } | null;
  payment_settings: { default_mandate: null; payment_method_options: null; payment_method_types: null };
  payments: ListWire<InvoicePaymentWire>;
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  receipt_number: null;
  rendering: null;
  shipping_cost: null;
  shipping_details: null;
  starting_balance: number;
  statement_descriptor: null;
  status: InvoiceStatus;
  status_transitions: { finalized_at: number | null; marked_uncollectible_at: number | null; paid_at: number | null; voided_at: number | null };
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: null;
  total: number;
  total_discount_amounts: [];
  total_excluding_tax: number;
  total_pretax_credit_amounts: [];
  total_taxes: TaxAmountWire[];
  webhooks_delivered_at: number | null;
  /** Whether it was marked paid without a charge (paid_out_of_band / the test-control call). */
  paid_out_of_band: boolean;
  /** Pre-2025 API versions: total tax, the subscription and the last payment intent of the invoice. */
  tax: number | null;
  subscription: string | null;
  payment_intent: string | null;
};

export type InvoicePaymentWire = Pick<Stripe.InvoicePayment, 'id' | 'object' | 'created' | 'livemode'> & {
  amount_paid: number | null;
  amount_requested: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  payment: { type: 'payment_intent'; payment_intent: string };
  status: 'open' | 'paid' | 'canceled';
  status_transitions: { canceled_at: number | null; paid_at: number | null };
};

export type InvoiceItemWire = {
  id: string;
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  customer_account: null;
  date: number;
  description: string | null;
  discountable: boolean;
  discounts: string[];
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  parent: {
    type: 'subscription_details';
    subscription_details: { subscription: string; subscription_item: string | null };
  } | null;
  period: { start: number; end: number };
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string | null } | null;
  proration: boolean;
  quantity: number;
  tax_rates: TaxRateWire[];
  test_clock: null;
};

export type PaymentIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'processing' | 'succeeded' | 'canceled';

export type PaymentIntentWire = Pick<Stripe.PaymentIntent, 'id' | 'object' | 'created' | 'livemode'> & {
  amount: number;
  amount_received: number;
  currency: string;
  customer: string;
  description: string | null;
  last_payment_error: { type: 'card_error' | 'invalid_request_error'; code: string; decline_code: string | null; message: string; payment_method: string | null } | null;
  latest_charge: string | null;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  status: PaymentIntentStatus;
};

export type SetupIntentWire = Pick<Stripe.SetupIntent, 'id' | 'object' | 'created' | 'livemode'> & {
  allowed_payment_method_types: string[] | null;
  client_secret: string;
  customer: string | null;
  description: string | null;
  last_setup_error: null;
  mandate: string | null;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  status: 'requires_payment_method' | 'requires_confirmation' | 'succeeded' | 'canceled';
  usage: 'off_session' | 'on_session';
};

export type EventType =
  | 'customer.created'
  | 'customer.updated'
  | 'customer.deleted'
  | 'customer.subscription.created'
  | 'customer.subscription.updated'
  | 'customer.subscription.deleted'
  | 'invoice.created'
  | 'invoice.finalized'
  | 'invoice.paid'
  | 'invoice.payment_succeeded'
  | 'invoice.payment_failed'
  | 'invoice.voided'
  | 'invoice.marked_uncollectible'
  | 'invoice.deleted'
  | 'invoiceitem.created'
  | 'payment_method.attached'
  | 'payment_method.detached'
  | 'setup_intent.succeeded';

export interface EventWire {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: EventType;
}

export type WebhookEndpointWire = {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: false;
  metadata: Metadata;
  status: 'enabled' | 'disabled';
  url: string;
  /** Returned by Stripe only on creation; the local server keeps it to sign deliveries. */
  secret?: string;
};
