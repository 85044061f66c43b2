import { Schema, type Connection, type Model } from 'mongoose';

/** A scope's CRM webhook (CON-06): `_id` is the scope (`ws:<id>` or `user:<id>`). The secret is kept so the service can sign. */
export interface CrmWebhookDocument {
  _id: string;
  url: string;
  secret: string;
  configuredBy: string;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date;
}

/** What a delivery tells the CRM. */
export const crmEvents = ['contacts.exported', 'contact.opted_out'] as const;
export type CrmEvent = (typeof crmEvents)[number];

export const deliveryStatuses = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** One push of an export to the CRM; its body is kept verbatim for retries and replays. */
export interface CrmDeliveryDocument {
  _id: string;
  scope: string;
  event: CrmEvent;
  /** The paid export behind a push; null for notices (opt-outs), which are free. */
  exportId: string | null;
  userId: string | null;
  contactCount: number;
  creditsCharged: number;
  /** The request body, verbatim; null once dropped because the erasure of a person in it could not rewrite it (PRV-05). */
  body: string | null;
  /**
   * Contacts whose rows are in `body` (kept in sync at write time), so an erasure / opt-out finds the
   * deliveries holding a person without scanning bodies. Absent on deliveries stored before it existed.
   */
  contactIds?: string[];
  /** Contacts erased from `body` after the person's erasure / objection / opt-out (PRV-05, CON-08): the answer's count. */
  erasedContactIds?: string[];
  /** False once the body was dropped: nothing left to replay or retry. */
  replayable?: boolean;
  status: DeliveryStatus;
  attempts: number;
  /** When the retry job may (re)try; pushed forward while an attempt is in flight (a lease). Null once settled. */
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export const attemptTriggers = ['PUSH', 'RETRY', 'REPLAY'] as const;
export type AttemptTrigger = (typeof attemptTriggers)[number];

/** The delivery log: one record per HTTP attempt. */
export interface CrmDeliveryAttemptDocument {
  _id: string;
  deliveryId: string;
  scope: string;
  trigger: AttemptTrigger;
  url: string;
  at: Date;
  statusCode: number | null;
  error: string | null;
  ok: boolean;
  durationMs: number;
}

const webhookSchema = new Schema<CrmWebhookDocument>(
  {
    _id: { type: String, required: true },
    url: { type: String, required: true },
    secret: { type: String, required: true },
    configuredBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    secretRotatedAt: { type: Date, required: true },
  },
  { collection: 'crm_webhooks', versionKey: false },
);

const deliverySchema = new Schema<CrmDeliveryDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    event: { type: String, enum: crmEvents, default: 'contacts.exported' },
    exportId: { type: String, default: null },
    userId: { type: String, default: null },
    contactCount: { type: Number, required: true },
    creditsCharged: { type: Number, required: true },
    body: { type: String, default: null },
    contactIds: { type: [String], default: undefined },
    erasedContactIds: { type: [String], default: undefined },
    replayable: { type: Boolean, default: true },
    status: { type: String, enum: deliveryStatuses, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: 'crm_deliveries', versionKey: false },
);
deliverySchema.index({ scope: 1, createdAt: -1, _id: -1 });
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
// Sparse: notices and deliveries older than these fields are not indexed.
deliverySchema.index({ contactIds: 1 }, { sparse: true });
deliverySchema.index({ erasedContactIds: 1 }, { sparse: true });

const attemptSchema = new Schema<CrmDeliveryAttemptDocument>(
  {
    _id: { type: String, required: true },
    deliveryId: { type: String, required: true },
    scope: { type: String, required: true },
    trigger: { type: String, enum: attemptTriggers, required: true },
    url: { type: String, required: true },
    at: { type: Date, required: true },
    statusCode: { type: Number, default: null },
    error: { type: String, default: null },
    ok: { type: Boolean, required: true },
    durationMs: { type: Number, required: true },
  },
  { collection: 'crm_delivery_attempts', versionKey: false },
);
attemptSchema.index({ deliveryId: 1, at: 1 });

export type CrmWebhookModel = Model<CrmWebhookDocument>;
export type CrmDeliveryModel = Model<CrmDeliveryDocument>;
export type CrmDeliveryAttemptModel = Model<CrmDeliveryAttemptDocument>;

export function crmWebhookModel(connection: Connection): CrmWebhookModel {
  return (connection.models.CrmWebhook as CrmWebhookModel | undefined) ?? connection.model<CrmWebhookDocument>('CrmWebhook', webhookSchema);
}

export function crmDeliveryModel(connection: Connection): CrmDeliveryModel {
  return (connection.models.CrmDelivery as CrmDeliveryModel | undefined) ?? connection.model<CrmDeliveryDocument>('CrmDelivery', deliverySchema);
}

export function crmDeliveryAttemptModel(connection: Connection): CrmDeliveryAttemptModel {
  return (connection.models.CrmDeliveryAttempt as CrmDeliveryAttemptModel | undefined) ?? connection.model<CrmDeliveryAttemptDocument>('CrmDeliveryAttempt', attemptSchema);
}
