import { Schema, type Connection, type Model } from 'mongoose';

/** Event ids a consumer already handled, so a redelivered event has no second effect. */
export interface ProcessedEvent {
  _id: string;
  consumer: string;
  eventId: string;
  handledAt: Date;
}

const processedEventSchema = new Schema<ProcessedEvent>(
  {
    _id: { type: String, required: true },
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    handledAt: { type: Date, required: true },
  },
  { collection: 'processed_events', versionKey: false },
);

export function processedEventModel(connection: Connection): Model<ProcessedEvent> {
  return (connection.models.ProcessedEvent as Model<ProcessedEvent> | undefined) ?? connection.model('ProcessedEvent', processedEventSchema);
}
