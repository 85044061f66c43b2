import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The Stripe customer of a subscriber (BIL-16). One per owner key (`WORKSPACE:<id>`); only ids
 * and what invoices need are kept, never card data.
 */
export interface StripeCustomerDocument {
  /** Owner key: `WORKSPACE:<workspaceId>`. */
  _id: string;
  stripeCustomerId: string;
  createdAt: Date;
}

const stripeCustomerSchema = new Schema<StripeCustomerDocument>(
  {
    _id: { type: String, required: true },
    stripeCustomerId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'stripe_customers', versionKey: false },
);
stripeCustomerSchema.index({ stripeCustomerId: 1 }, { unique: true });

export type StripeCustomerModel = Model<StripeCustomerDocument>;

export function stripeCustomerModel(connection: Connection): StripeCustomerModel {
  return (
    (connection.models.StripeCustomer as StripeCustomerModel | undefined) ??
    connection.model<StripeCustomerDocument>('StripeCustomer', stripeCustomerSchema)
  );
}

/**
 * Stripe objects made once from our catalogue (a product per plan, a price per plan and price per
 * seat, a tax rate per VAT rate), keyed by what they stand for so they are created only once.
 */
export interface StripeCatalogueEntryDocument {
  /** `product:<planId>`, `price:<planId>:<cents>`, `tax-rate:<basis points>`. */
  _id: string;
  stripeId: string;
  createdAt: Date;
}

const stripeCatalogueEntrySchema = new Schema<StripeCatalogueEntryDocument>(
  {
    _id: { type: String, required: true },
    stripeId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'stripe_catalogue', versionKey: false },
);

export type StripeCatalogueEntryModel = Model<StripeCatalogueEntryDocument>;

export function stripeCatalogueEntryModel(connection: Connection): StripeCatalogueEntryModel {
  return (
    (connection.models.StripeCatalogueEntry as StripeCatalogueEntryModel | undefined) ??
    connection.model<StripeCatalogueEntryDocument>('StripeCatalogueEntry', stripeCatalogueEntrySchema)
  );
}
