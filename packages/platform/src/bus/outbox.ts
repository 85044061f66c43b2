import { Schema, type Model } from 'mongoose';
import type { LeadgraphEvent } from '@leadgraph/events';

/**
 * Transactional outbox kept inside the aggregate document: the state change and the event it
 * implies are written by one single-document update, so neither exists without the other.
 */
export interface OutboxEntry {
  _id: string;
  event: LeadgraphEvent;
  attempts: number;
}

export interface WithOutbox {
  outbox: OutboxEntry[];
}

export const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    _id: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    attempts: { type: Number, default: 0 },
  },
  { _id: false },
);

/** Schema fragment every aggregate that publishes events adds. */
export const outboxSchemaFields = {
  outbox: { type: [outboxEntrySchema], default: [] },
};

/** Index so the relay finds pending events without a collection scan. */
export function addOutboxIndex(schema: Schema): void {
  schema.index({ 'outbox._id': 1 }, { sparse: true });
}

export function outboxEntry(event: LeadgraphEvent): OutboxEntry {
  return { _id: event.id, event, attempts: 0 };
}

/** `$push` clause that appends events to a document's outbox inside a guarded update. */
export function pushToOutbox(...events: LeadgraphEvent[]): { outbox: { $each: OutboxEntry[] } } {
  return { outbox: { $each: events.map(outboxEntry) } };
}

// eslint-style escape hatch avoided: relays work on any model whose documents carry an outbox.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OutboxModel = Model<WithOutbox & { _id: unknown }>;
