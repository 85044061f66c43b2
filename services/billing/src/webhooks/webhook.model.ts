import { Schema, type Connection, type Model } from 'mongoose';

export const webhookEventStatuses = ['RECEIVED', 'PROCESSED', 'IGNORED', 'FAILED'] as const;
export type WebhookEventStatus = (typeof webhookEventStatuses)[number];

/**
 * A verified Stripe webhook event, stored under Stripe's event id before it is processed
 * (BIL-16): a redelivery finds it and has no second effect; a crash mid-way is resumed by the
 * lifecycle job. Kept with the billing records.
 */
export interface WebhookEventDocument {
  /** Stripe's event id (`evt_...`). */
  _id: string;
  type: string;
  /** The object the event is about (invoice, subscription...). */
  objectId: string | null;
  stripeCreatedAt: Date;
  receivedAt: Date;
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  processedAt: Date | null;
  /** Another delivery is processing it until then. */
  lockedUntil: Date | null;
  /** The event as Stripe signed it. */
  payload: Record<string, unknown>;
}

const webhookEventSchema = new Schema<WebhookEventDocument>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    objectId: { type: String, default: null },
    stripeCreatedAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    status: { type: String, enum: webhookEventStatuses, required: true },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    processedAt: { type: Date, default: null },
    lockedUntil: { type: Date, default: null },
    payload: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'webhook_events', versionKey: false, minimize: false },
);
webhookEventSchema.index({ status: 1, receivedAt: 1 });

export type WebhookEventModel = Model<WebhookEventDocument>;

export function webhookEventModel(connection: Connection): WebhookEventModel {
  return (
    (connection.models.WebhookEvent as WebhookEventModel | undefined) ??
    connection.model<WebhookEventDocument>('WebhookEvent', webhookEventSchema)
  );
}
