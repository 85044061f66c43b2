import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JSONCodec } from 'nats';
import { EVENT_STREAM, eventSubject, type EventData, type EventName, type LeadgraphEvent } from '@leadgraph/events';
import { startNatsServer } from '../infra/processes';
import type { Connection } from 'mongoose';
import { ManualClock } from '../clock/clock';
import { EventBus } from '../bus/event-bus';
import { createLogger, type Logger } from '../logging/logger';
import { MailSinkClient } from '../mail/mail-sink';
import { connectMongo } from '../mongo/connection';

/** Where jest's globalSetup started the real servers (read by every test worker). */
export interface TestInfra {
  mongoUrl: string;
  natsUrl: string;
  smtpUrl: string;
  mailApiUrl: string;
}

export const TEST_INFRA_ENV = {
  mongoUrl: 'LEADGRAPH_TEST_MONGO_URL',
  natsUrl: 'LEADGRAPH_TEST_NATS_URL',
  smtpUrl: 'LEADGRAPH_TEST_SMTP_URL',
  mailApiUrl: 'LEADGRAPH_TEST_MAIL_API_URL',
} as const;

export function testInfra(): TestInfra {
  const read = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: tests must run through jest's globalSetup (npm test)`);
    return value;
  };
  return {
    mongoUrl: read(TEST_INFRA_ENV.mongoUrl),
    natsUrl: read(TEST_INFRA_ENV.natsUrl),
    smtpUrl: read(TEST_INFRA_ENV.smtpUrl),
    mailApiUrl: read(TEST_INFRA_ENV.mailApiUrl),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export function testLogger(name = 'test'): Logger {
  return createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export function testClock(start = '2026-11-23T09:00:00.000Z'): ManualClock {
  return new ManualClock(start);
}

/** A fresh database on the shared test server, dropped by the returned cleanup. */
export async function connectTestDatabase(prefix: string): Promise<{ connection: Connection; dbName: string; drop(): Promise<void> }> {
  const dbName = uniqueName(prefix);
  const connection = await connectMongo(testInfra().mongoUrl, dbName);
  return {
    connection,
    dbName,
    drop: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

export async function connectTestBus(name: string, natsUrl = testInfra().natsUrl): Promise<EventBus> {
  return EventBus.connect({ url: natsUrl, name, logger: testLogger(name) });
}

export function testMailbox(): MailSinkClient {
  return new MailSinkClient(testInfra().mailApiUrl);
}

/** Polls until the check passes (events and mail are asynchronous) or fails with its last error. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * A NATS server of its own for one test file. Services answer RPCs in a queue group and
 * consume through named durables, so two instances of a service on one server (another test
 * file, another database) would answer each other's requests and split each other's events.
 */
export async function startIsolatedNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadgraph-nats-'));
  const nats = await startNatsServer(dir);
  return {
    url: nats.url,
    stop: async () => {
      await nats.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every event of one type on the stream so far (ephemeral ordered consumer), oldest first. */
export async function publishedEvents<N extends EventName>(
  bus: EventBus,
  name: N,
  matching: (data: EventData<N>) => boolean = () => true,
): Promise<Array<LeadgraphEvent<N>>> {
  const consumer = await bus.jetstream.consumers.get(EVENT_STREAM, { filterSubjects: eventSubject(name) });
  const received: Array<LeadgraphEvent<N>> = [];
  const info = await consumer.info(true);
  if (info.num_pending === 0) return received;
  const codec = JSONCodec<LeadgraphEvent<N>>();
  const messages = await consumer.fetch({ max_messages: info.num_pending, expires: 2000 });
  for await (const message of messages) {
    const event = codec.decode(message.data);
    if (matching(event.data)) received.push(event);
    // Stop as soon as the stream is read to its end instead of waiting for the fetch to expire.
    if (message.info.pending === 0) break;
  }
  return received;
}

/** Waits until exactly `count` matching events were published (outbox relays are asynchronous). */
export async function expectEvents<N extends EventName>(
  bus: EventBus,
  name: N,
  matching: (data: EventData<N>) => boolean,
  count = 1,
): Promise<Array<LeadgraphEvent<N>>> {
  return eventually(async () => {
    const events = await publishedEvents(bus, name, matching);
    if (events.length !== count) throw new Error(`expected ${count} ${name} event(s), saw ${events.length}`);
    return events;
  }, 15_000);
}
