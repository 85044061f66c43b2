import { randomBytes } from 'node:crypto';
import type {
  CustomerWire,
  DeletedWire,
  EventWire,
  InvoiceItemWire,
  InvoiceWire,
  ListWire,
  PaymentIntentWire,
  PaymentMethodWire,
  PriceWire,
  ProductWire,
  SetupIntentWire,
  SubscriptionWire,
  TaxRateWire,
} from './wire';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 characters, as in Stripe ids (`cus_Nffr3FeUfNV2Hi`). */
export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += ID_ALPHABET[byte % ID_ALPHABET.length];
  return token;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

/** What the test-control API queued for a customer's next charges (consumed one per attempt). */
export interface ForcedChargeOutcome {
  outcome: 'fail' | 'succeed';
  declineCode: string;
}

/**
 * Everything the Stripe API can observe. Plain data (Maps of wire objects) so a request can run
 * against a snapshot and be rolled back on error, like Stripe's all-or-nothing API calls.
 */
export interface StoreState {
  customers: Map<string, CustomerWire | DeletedWire>;
  paymentMethods: Map<string, PaymentMethodWire>;
  setupIntents: Map<string, SetupIntentWire>;
  products: Map<string, ProductWire | DeletedWire>;
  prices: Map<string, PriceWire>;
  taxRates: Map<string, TaxRateWire>;
  subscriptions: Map<string, SubscriptionWire>;
  invoices: Map<string, InvoiceWire | DeletedWire>;
  invoiceItems: Map<string, InvoiceItemWire | DeletedWire>;
  paymentIntents: Map<string, PaymentIntentWire>;
  events: Map<string, EventWire>;
  forcedChargeOutcomes: Map<string, ForcedChargeOutcome[]>;
}

export function emptyState(): StoreState {
  return {
    customers: new Map(),
    paymentMethods: new Map(),
    setupIntents: new Map(),
    products: new Map(),
    prices: new Map(),
    taxRates: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    invoiceItems: new Map(),
    paymentIntents: new Map(),
    events: new Map(),
    forcedChargeOutcomes: new Map(),
  };
}

export function isDeleted<Live extends { id: string }>(value: Live | DeletedWire): value is DeletedWire {
  return 'deleted' in value && value.deleted === true;
}

/** Which collection holds an id, by its prefix: how `expand[]` resolves ids. */
export function lookupById(state: StoreState, id: string): { id: string } | undefined {
  const prefix = id.slice(0, id.indexOf('_') + 1);
  switch (prefix) {
    case 'cus_':
      return state.customers.get(id);
    case 'pm_':
      return state.paymentMethods.get(id);
    case 'seti_':
      return state.setupIntents.get(id);
    case 'prod_':
      return state.products.get(id);
    case 'price_':
      return state.prices.get(id);
    case 'txr_':
      return state.taxRates.get(id);
    case 'sub_':
      return state.subscriptions.get(id);
    case 'in_':
      return state.invoices.get(id);
    case 'ii_':
      return state.invoiceItems.get(id);
    case 'pi_':
      return state.paymentIntents.get(id);
    case 'evt_':
      return state.events.get(id);
    default:
      return undefined;
  }
}

export interface PageParams {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

/**
 * Stripe list pagination over items already sorted newest first: `limit` (1..100, default 10),
 * `starting_after` / `ending_before` cursors by id.
 */
export function paginate<Item extends { id: string }>(items: Item[], page: PageParams, url: string): ListWire<Item> {
  const limit = Math.min(Math.max(page.limit ?? 10, 1), 100);
  if (page.starting_after) {
    const index = items.findIndex((item) => item.id === page.starting_after);
    const rest = index < 0 ? [] : items.slice(index + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (page.ending_before) {
    const index = items.findIndex((item) => item.id === page.ending_before);
    const before = index < 0 ? [] : items.slice(0, index);
    return { object: 'list', data: before.slice(-limit), has_more: before.length > limit, url };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

/** Newest first, as Stripe lists; insertion order breaks ties (the server clock can stand still). */
export function newestFirst<Item>(collection: Map<string, Item>): Item[] {
  return [...collection.values()].reverse();
}
