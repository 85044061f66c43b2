import { AckPolicy, DeliverPolicy, JSONCodec, type ConsumerMessages, type JsMsg } from 'nats';
import type { Connection } from 'mongoose';
import {
  EVENT_STREAM,
  deadLetterSubject,
  eventSubject,
  parseEvent,
  type EventName,
  type LeadgraphEvent,
  type ServiceName,
} from '@leadgraph/events';
import type { Clock } from '../clock/clock';
import type { Logger } from '../logging/logger';
import { isDuplicateKeyError } from '../mongo/connection';
import type { EventBus } from './event-bus';
import { processedEventModel } from './processed-event.model';

const NANOS_PER_MS = 1_000_000;

export type EventHandler<N extends EventName> = (event: LeadgraphEvent<N>) => Promise<void>;

export interface EventConsumerOptions<N extends EventName> {
  bus: EventBus;
  /** Service that owns this consumer; names the durable and the dead-letter subject. */
  service: ServiceName | 'gateway';
  event: N;
  handler: EventHandler<N>;
  /** Database where handled event ids are remembered. */
  connection: Connection;
  clock: Clock;
  logger: Logger;
  /** Deliveries before the message is moved to the dead-letter subject. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Distinguishes two consumers of the same event in one service. */
  name?: string;
}

/** What a service runtime needs of a consumer: start and stop, whatever event it handles. */
export interface BackgroundConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Shared wiring of one service's consumers; each `consume` call adds one typed handler. */
export type ConsumerWiring = Pick<EventConsumerOptions<EventName>, 'bus' | 'service' | 'connection' | 'clock' | 'logger'>;

export function consumerFactory(wiring: ConsumerWiring) {
  return <N extends EventName>(event: N, handler: EventHandler<N>, name?: string): BackgroundConsumer =>
    new EventConsumer<N>({ ...wiring, event, handler, name });
}

export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Durable JetStream consumer of one event type: explicit ack after the handler succeeded, retry
 * with exponential backoff, dead-letter after maxAttempts, and a second delivery of an already
 * handled event id is acknowledged without effect.
 */
export class EventConsumer<N extends EventName> implements BackgroundConsumer {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  readonly durableName: string;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: EventConsumerOptions<N>) {
    // Handled event ids live in the service's database, so the durable belongs to that database:
    // deployments sharing a NATS server but not a database (test runs, staging) never share one.
    const database = options.connection.name.replace(/[^A-Za-z0-9_-]/g, '_');
    this.durableName = `${options.service}__${options.name ?? options.event}__${database}`;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    const config = {
      durable_name: this.durableName,
      filter_subject: eventSubject(this.options.event),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30_000 * NANOS_PER_MS,
      max_deliver: -1,
    };
    try {
      await bus.manager.consumers.info(EVENT_STREAM, this.durableName);
    } catch {
      await bus.manager.consumers.add(EVENT_STREAM, config);
    }
    const consumer = await bus.jetstream.consumers.get(EVENT_STREAM, this.durableName);
    this.messages = await consumer.consume({ max_messages: 32 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const message of messages) await this.handle(message);
    })().catch((error: unknown) => this.options.logger.error({ err: error }, 'consumer loop ended'));
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
    this.messages = null;
    this.loop = null;
  }

  private async handle(message: JsMsg): Promise<void> {
    const { logger, connection, clock } = this.options;
    let event: LeadgraphEvent;
    try {
      event = parseEvent(JSONCodec().decode(message.data));
    } catch (error) {
      // A message that breaks the contract can never succeed: dead-letter it at once.
      await this.deadLetter(message, error, 'unparseable');
      return;
    }
    const processed = processedEventModel(connection);
    const key = `${this.durableName}:${event.id}`;
    if (await processed.exists({ _id: key })) {
      message.ack();
      return;
    }
    try {
      await this.options.handler(event as LeadgraphEvent<N>);
    } catch (error) {
      const attempt = message.info.redeliveryCount;
      if (attempt >= this.maxAttempts) {
        await this.deadLetter(message, error, event.id);
      } else {
        logger.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'event handler failed; will retry');
        message.nak(retryDelayMs(attempt, this.backoffMs, this.maxBackoffMs));
      }
      return;
    }
    try {
      await processed.create({ _id: key, consumer: this.durableName, eventId: event.id, handledAt: clock.now() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    message.ack();
  }

  private async deadLetter(message: JsMsg, error: unknown, idHint: string): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const subject = deadLetterSubject(this.options.service, this.options.event);
    try {
      await this.options.bus.publishRaw(
        subject,
        message.data,
        {
          'Leadgraph-Dlq-Reason': reason.slice(0, 500),
          'Leadgraph-Dlq-Consumer': this.durableName,
          'Leadgraph-Dlq-Attempts': String(message.info.redeliveryCount),
        },
        `dlq:${this.durableName}:${idHint}:${message.seq}`,
      );
      this.options.logger.error({ subject, eventId: idHint, reason }, 'event moved to dead-letter subject');
      message.term();
    } catch (publishError) {
      this.options.logger.error({ err: publishError }, 'dead-letter publish failed; will retry');
      message.nak(this.maxBackoffMs);
    }
  }
}
