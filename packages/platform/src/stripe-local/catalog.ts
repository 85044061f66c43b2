/** Products, prices (one-time and recurring, in cents) and tax rates. */
import { z } from 'zod';
import { mergeMetadata, pageParams, requirePrice, requireProduct } from './common';
import type { StripeEngine } from './engine';
import { badState, noSuch } from './errors';
import { baseParams, formBool, formClearable, formInt, formMetadata, formNumber, formPositiveInt, parseParams } from './form';
import { pathParam, type Route, type RouteContext } from './route';
import { isDeleted, newId, newestFirst, paginate } from './state';
import type { DeletedWire, PriceWire, ProductWire, TaxRateWire } from './wire';

const recurringParam = z
  .object({
    interval: z.enum(['day', 'week', 'month', 'year']),
    interval_count: formPositiveInt.optional(),
    trial_period_days: formPositiveInt.optional(),
    usage_type: z.literal('licensed').optional(),
  })
  .strict();

const currencyParam = z
  .string()
  .regex(/^[a-zA-Z]{3}$/)
  .transform((currency) => currency.toLowerCase());

const priceDataFields = {
  currency: currencyParam,
  unit_amount: formInt.optional(),
  unit_amount_decimal: formNumber.optional(),
  recurring: recurringParam.optional(),
  tax_behavior: z.enum(['exclusive', 'inclusive', 'unspecified']).optional(),
};

function newPrice(
  engine: StripeEngine,
  productId: string,
  data: { currency: string; unit_amount?: number | undefined; unit_amount_decimal?: number | undefined; recurring?: z.output<typeof recurringParam> | undefined; tax_behavior?: PriceWire['tax_behavior'] | undefined },
): PriceWire {
  const unitAmount = data.unit_amount ?? (data.unit_amount_decimal !== undefined ? Math.round(data.unit_amount_decimal) : undefined);
  if (unitAmount === undefined) throw badState('Missing required param: unit_amount.', 'unit_amount');
  if (unitAmount < 0) throw badState('unit_amount must be at least 0.', 'unit_amount');
  return {
    id: newId('price'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: engine.now(),
    currency: data.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: productId,
    recurring: data.recurring
      ? {
          interval: data.recurring.interval,
          interval_count: data.recurring.interval_count ?? 1,
          meter: null,
          trial_period_days: data.recurring.trial_period_days ?? null,
          usage_type: 'licensed',
        }
      : null,
    tax_behavior: data.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: data.recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  };
}

export function createPriceFromData(
  engine: StripeEngine,
  productId: string,
  data: Parameters<typeof newPrice>[2],
): PriceWire {
  requireProduct(engine, productId);
  const price = newPrice(engine, productId, data);
  engine.state.prices.set(price.id, price);
  return price;
}

// ---- products ----

const productFields = {
  ...baseParams,
  active: formBool.optional(),
  description: formClearable.optional(),
  metadata: formMetadata.optional(),
  name: z.string().min(1).optional(),
  statement_descriptor: formClearable.optional(),
  unit_label: formClearable.optional(),
  url: formClearable.optional(),
  images: z.array(z.string()).optional(),
  tax_code: z.string().optional(),
};

function newProduct(engine: StripeEngine, id: string, name: string): ProductWire {
  return {
    id,
    object: 'product',
    active: true,
    created: engine.now(),
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: engine.now(),
    url: null,
  };
}

function applyProductFields(product: ProductWire, params: z.output<z.ZodObject<typeof productFields>>): void {
  if (params.active !== undefined) product.active = params.active;
  if (params.description !== undefined) product.description = params.description;
  if (params.name !== undefined) product.name = params.name;
  if (params.statement_descriptor !== undefined) product.statement_descriptor = params.statement_descriptor;
  if (params.unit_label !== undefined) product.unit_label = params.unit_label;
  if (params.url !== undefined) product.url = params.url;
  if (params.images !== undefined) product.images = params.images;
  product.metadata = mergeMetadata(product.metadata, params.metadata);
}

function createProduct(context: RouteContext): ProductWire {
  const { engine } = context;
  const params = parseParams(
    z
      .object({
        ...productFields,
        id: z.string().optional(),
        name: z.string().min(1),
        default_price_data: z.object(priceDataFields).strict().optional(),
      })
      .strict(),
    context.params,
  );
  const id = params.id ?? newId('prod');
  if (engine.state.products.has(id)) throw badState(`Product already exists.`, 'id');
  const product = newProduct(engine, id, params.name);
  applyProductFields(product, params);
  engine.state.products.set(id, product);
  if (params.default_price_data) product.default_price = createPriceFromData(engine, id, params.default_price_data).id;
  return product;
}

function updateProduct(context: RouteContext): ProductWire {
  const params = parseParams(z.object({ ...productFields, default_price: z.string().optional() }).strict(), context.params);
  const product = requireProduct(context.engine, pathParam(context, 'id'), 'id');
  applyProductFields(product, params);
  if (params.default_price !== undefined) product.default_price = requirePrice(context.engine, params.default_price, 'default_price').id;
  product.updated = context.engine.now();
  return product;
}

function deleteProduct(context: RouteContext): DeletedWire {
  const product = requireProduct(context.engine, pathParam(context, 'id'), 'id');
  if ([...context.engine.state.prices.values()].some((price) => price.product === product.id)) {
    throw badState('This product cannot be deleted because it has one or more user-created prices.');
  }
  const deleted: DeletedWire = { id: product.id, object: 'product', deleted: true };
  context.engine.state.products.set(product.id, deleted);
  return deleted;
}

function listProducts(context: RouteContext) {
  const params = parseParams(
    z.object({ ...baseParams, ...pageParams, active: formBool.optional(), ids: z.array(z.string()).optional() }).strict(),
    context.params,
  );
  const products = newestFirst(context.engine.state.products).filter(
    (product): product is ProductWire =>
      !isDeleted(product) &&
      (params.active === undefined || product.active === params.active) &&
      (params.ids === undefined || params.ids.includes(product.id)),
  );
  return paginate(products, params, context.url);
}

// ---- prices ----

const priceMutableFields = {
  ...baseParams,
  active: formBool.optional(),
  lookup_key: formClearable.optional(),
  metadata: formMetadata.optional(),
  nickname: formClearable.optional(),
  transfer_lookup_key: formBool.optional(),
};

function setLookupKey(engine: StripeEngine, price: PriceWire, lookupKey: string | null | undefined, transfer: boolean | undefined): void {
  if (lookupKey === undefined) return;
  if (lookupKey !== null) {
    const holder = [...engine.state.prices.values()].find((other) => other.lookup_key === lookupKey && other.id !== price.id);
    if (holder && !transfer) {
      throw badState(`A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it.`, 'lookup_key');
    }
    if (holder) holder.lookup_key = null;
  }
  price.lookup_key = lookupKey;
}

function createPrice(context: RouteContext): PriceWire {
  const { engine } = context;
  const params = parseParams(
    z
      .object({
        ...priceMutableFields,
        ...priceDataFields,
        product: z.string().optional(),
        product_data: z.object({ name: z.string().min(1), metadata: formMetadata.optional(), active: formBool.optional() }).strict().optional(),
        billing_scheme: z.literal('per_unit').optional(),
      })
      .strict(),
    context.params,
  );
  let productId = params.product;
  if (productId === undefined) {
    if (!params.product_data) throw badState('Missing required param: product.', 'product');
    const product = newProduct(engine, newId('prod'), params.product_data.name);
    product.metadata = mergeMetadata({}, params.product_data.metadata);
    if (params.product_data.active !== undefined) product.active = params.product_data.active;
    engine.state.products.set(product.id, product);
    productId = product.id;
  }
  const price = createPriceFromData(engine, productId, params);
  if (params.active !== undefined) price.active = params.active;
  if (params.nickname !== undefined) price.nickname = params.nickname;
  price.metadata = mergeMetadata({}, params.metadata);
  setLookupKey(engine, price, params.lookup_key, params.transfer_lookup_key);
  return price;
}

function updatePrice(context: RouteContext): PriceWire {
  const params = parseParams(z.object({ ...priceMutableFields, tax_behavior: z.enum(['exclusive', 'inclusive', 'unspecified']).optional() }).strict(), context.params);
  const price = requirePrice(context.engine, pathParam(context, 'id'), 'price');
  if (params.active !== undefined) price.active = params.active;
  if (params.nickname !== undefined) price.nickname = params.nickname;
  if (params.tax_behavior !== undefined) price.tax_behavior = params.tax_behavior;
  price.metadata = mergeMetadata(price.metadata, params.metadata);
  setLookupKey(context.engine, price, params.lookup_key, params.transfer_lookup_key);
  return price;
}

function listPrices(context: RouteContext) {
  const params = parseParams(
    z
      .object({
        ...baseParams,
        ...pageParams,
        active: formBool.optional(),
        currency: currencyParam.optional(),
        product: z.string().optional(),
        type: z.enum(['one_time', 'recurring']).optional(),
        lookup_keys: z.array(z.string()).optional(),
        recurring: z.object({ interval: z.enum(['day', 'week', 'month', 'year']).optional() }).strict().optional(),
      })
      .strict(),
    context.params,
  );
  const prices = newestFirst(context.engine.state.prices).filter(
    (price) =>
      (params.active === undefined || price.active === params.active) &&
      (params.currency === undefined || price.currency === params.currency) &&
      (params.product === undefined || price.product === params.product) &&
      (params.type === undefined || price.type === params.type) &&
      (params.lookup_keys === undefined || (price.lookup_key !== null && params.lookup_keys.includes(price.lookup_key))) &&
      (params.recurring?.interval === undefined || price.recurring?.interval === params.recurring.interval),
  );
  return paginate(prices, params, context.url);
}

// ---- tax rates ----

const taxRateMutableFields = {
  ...baseParams,
  active: formBool.optional(),
  country: z.string().regex(/^[A-Z]{2}$/).optional(),
  description: z.string().optional(),
  display_name: z.string().min(1).optional(),
  jurisdiction: z.string().optional(),
  metadata: formMetadata.optional(),
  state: z.string().optional(),
  tax_type: z.enum(['vat', 'sales_tax', 'gst', 'hst', 'pst', 'qst', 'rst', 'jct', 'igst', 'lease_tax', 'service_tax', 'amusement_tax', 'communications_tax', 'retail_delivery_fee']).optional(),
};

function createTaxRate(context: RouteContext): TaxRateWire {
  const params = parseParams(
    z.object({ ...taxRateMutableFields, display_name: z.string().min(1), percentage: formNumber, inclusive: formBool }).strict(),
    context.params,
  );
  const rate: TaxRateWire = {
    id: newId('txr'),
    object: 'tax_rate',
    active: params.active ?? true,
    country: params.country ?? null,
    created: context.engine.now(),
    description: params.description ?? null,
    display_name: params.display_name,
    effective_percentage: params.percentage,
    flat_amount: null,
    inclusive: params.inclusive,
    jurisdiction: params.jurisdiction ?? null,
    jurisdiction_level: null,
    livemode: false,
    metadata: mergeMetadata({}, params.metadata),
    percentage: params.percentage,
    rate_type: 'percentage',
    state: params.state ?? null,
    tax_type: params.tax_type ?? null,
  };
  context.engine.state.taxRates.set(rate.id, rate);
  return rate;
}

function requireTaxRate(context: RouteContext): TaxRateWire {
  const id = pathParam(context, 'id');
  const rate = context.engine.state.taxRates.get(id);
  if (!rate) throw noSuch('tax rate', id, 'tax_rate');
  return rate;
}

function updateTaxRate(context: RouteContext): TaxRateWire {
  const params = parseParams(z.object(taxRateMutableFields).strict(), context.params);
  const rate = requireTaxRate(context);
  if (params.active !== undefined) rate.active = params.active;
  if (params.country !== undefined) rate.country = params.country;
  if (params.description !== undefined) rate.description = params.description;
  if (params.display_name !== undefined) rate.display_name = params.display_name;
  if (params.jurisdiction !== undefined) rate.jurisdiction = params.jurisdiction;
  if (params.state !== undefined) rate.state = params.state;
  if (params.tax_type !== undefined) rate.tax_type = params.tax_type;
  rate.metadata = mergeMetadata(rate.metadata, params.metadata);
  return rate;
}

const retrieveOnly = z.object(baseParams).strict();

export const catalogRoutes: Route[] = [
  { method: 'POST', pattern: '/v1/products', handle: createProduct },
  { method: 'GET', pattern: '/v1/products', handle: listProducts },
  {
    method: 'GET',
    pattern: '/v1/products/:id',
    handle: (context) => {
      parseParams(retrieveOnly, context.params);
      const id = pathParam(context, 'id');
      const product = context.engine.state.products.get(id);
      if (!product) throw noSuch('product', id, 'id');
      return product;
    },
  },
  { method: 'POST', pattern: '/v1/products/:id', handle: updateProduct },
  { method: 'DELETE', pattern: '/v1/products/:id', handle: deleteProduct },
  { method: 'POST', pattern: '/v1/prices', handle: createPrice },
  { method: 'GET', pattern: '/v1/prices', handle: listPrices },
  {
    method: 'GET',
    pattern: '/v1/prices/:id',
    handle: (context) => (parseParams(retrieveOnly, context.params), requirePrice(context.engine, pathParam(context, 'id'), 'price')),
  },
  { method: 'POST', pattern: '/v1/prices/:id', handle: updatePrice },
  { method: 'POST', pattern: '/v1/tax_rates', handle: createTaxRate },
  {
    method: 'GET',
    pattern: '/v1/tax_rates',
    handle: (context) => {
      const params = parseParams(z.object({ ...baseParams, ...pageParams, active: formBool.optional(), inclusive: formBool.optional() }).strict(), context.params);
      const rates = newestFirst(context.engine.state.taxRates).filter(
        (rate) => (params.active === undefined || rate.active === params.active) && (params.inclusive === undefined || rate.inclusive === params.inclusive),
      );
      return paginate(rates, params, context.url);
    },
  },
  { method: 'GET', pattern: '/v1/tax_rates/:id', handle: (context) => (parseParams(retrieveOnly, context.params), requireTaxRate(context)) },
  { method: 'POST', pattern: '/v1/tax_rates/:id', handle: updateTaxRate },
];
