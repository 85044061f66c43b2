import {
  connect,
  headers as natsHeaders,
  JSONCodec,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { EVENT_STREAM, EVENT_STREAM_SUBJECTS, eventSubject, type LeadgraphEvent } from '@leadgraph/events';
import type { Logger } from '../logging/logger';

const NANOS_PER_MS = 1_000_000;

/** One NATS connection per service: JetStream for events, core request/reply for internal calls. */
export class EventBus {
  private constructor(
    readonly connection: NatsConnection,
    readonly jetstream: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly logger: Logger,
  ) {}

  static async connect(options: { url: string; name: string; logger: Logger }): Promise<EventBus> {
    const connection = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    const manager = await connection.jetstreamManager();
    const bus = new EventBus(connection, connection.jetstream(), manager, options.logger);
    await bus.ensureStream();
    return bus;
  }

  /** Creates the shared stream if missing. Duplicate window makes re-publishing by event id idempotent. */
  async ensureStream(): Promise<void> {
    const config = {
      name: EVENT_STREAM,
      subjects: EVENT_STREAM_SUBJECTS,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 10 * 60 * 1000 * NANOS_PER_MS,
      max_age: 30 * 24 * 3600 * 1000 * NANOS_PER_MS,
    };
    try {
      await this.manager.streams.info(EVENT_STREAM);
    } catch {
      try {
        await this.manager.streams.add(config);
      } catch (error) {
        // Another service created it concurrently.
        await this.manager.streams.info(EVENT_STREAM).catch(() => {
          throw error;
        });
      }
    }
  }

  /** Publishes with `Nats-Msg-Id` = event id, so JetStream drops a re-publication of the same event. */
  async publish(event: LeadgraphEvent): Promise<{ duplicate: boolean; seq: number }> {
    const ack = await this.jetstream.publish(eventSubject(event.type), JSONCodec().encode(event), {
      msgID: event.id,
    });
    return { duplicate: ack.duplicate, seq: ack.seq };
  }

  /** Raw publish to any stream subject (dead letters carry the failure reason in headers). */
  async publishRaw(subject: string, payload: Uint8Array, headerValues: Record<string, string>, msgID: string) {
    const h = natsHeaders();
    for (const [key, value] of Object.entries(headerValues)) h.set(key, value);
    return this.jetstream.publish(subject, payload, { headers: h, msgID });
  }

  isConnected(): boolean {
    return !this.connection.isClosed();
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}
