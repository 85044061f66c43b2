import { Schema, type Connection } from 'mongoose';
import { JSONCodec, type ConsumerMessages } from 'nats';
import { EVENT_STREAM, createEvent, deadLetterSubject, eventSubject, type LeadgraphEvent } from '@leadgraph/events';
import {
  EventConsumer,
  OutboxRelay,
  addOutboxIndex,
  outboxSchemaFields,
  pushToOutbox,
  type EventBus,
  type OutboxModel,
  type WithOutbox,
} from '../src';
import { connectTestBus, connectTestDatabase, eventually, testClock, testLogger, uniqueName } from '../src/testing';

interface Widget extends WithOutbox {
  _id: string;
  name: string;
}

/** Collects every message JetStream holds on a subject, via an ephemeral ordered consumer. */
async function messagesOn(bus: EventBus, subject: string): Promise<LeadgraphEvent[]> {
  const consumer = await bus.jetstream.consumers.get(EVENT_STREAM, { filterSubjects: subject });
  const received: LeadgraphEvent[] = [];
  const messages: ConsumerMessages = await consumer.fetch({ max_messages: 100, expires: 1000 });
  for await (const message of messages) received.push(JSONCodec<LeadgraphEvent>().decode(message.data));
  return received;
}

describe('event bus: outbox relay and durable consumers', () => {
  let bus: EventBus;
  let db: { connection: Connection; drop(): Promise<void> };
  let Widgets: OutboxModel;
  const clock = testClock();
  const logger = testLogger();

  beforeAll(async () => {
    bus = await connectTestBus('event-bus-test');
    db = await connectTestDatabase('bus');
    const schema = new Schema<Widget>({ _id: String, name: String, ...outboxSchemaFields });
    addOutboxIndex(schema);
    Widgets = db.connection.model('Widget', schema) as unknown as OutboxModel;
  });
  afterAll(async () => {
    await bus.close();
    await db.drop();
  });

  function suspensionEvent(userId: string) {
    return createEvent(
      'AccountSuspended',
      { userId, reason: 'breach', suspendedAt: clock.now().toISOString(), regulariseBy: clock.now().toISOString() },
      { subject: userId, time: clock.now() },
    );
  }

  it('[EVT-02] an event written with its change while the relay is stopped is published once the relay restarts', async () => {
    const userId = uniqueName('user');
    const event = suspensionEvent(userId);
    const relay = new OutboxRelay(bus, [Widgets], logger, 50);
    // Relay is not started: the change and its event are committed together, nothing is published yet.
    await Widgets.create({ _id: userId, name: 'w', outbox: pushToOutbox(event).outbox.$each });
    expect((await messagesOn(bus, eventSubject('AccountSuspended'))).filter((e) => e.id === event.id)).toHaveLength(0);

    relay.start();
    await eventually(async () => {
      const stored = await Widgets.findById(userId).lean<Widget>();
      expect(stored?.outbox).toHaveLength(0);
    });
    await relay.stop();
    const seen = (await messagesOn(bus, eventSubject('AccountSuspended'))).filter((e) => e.id === event.id);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.data).toMatchObject({ userId, reason: 'breach' });
  });

  it('[EVT-02] a relay that crashed after publishing but before marking sent re-publishes, and the event still arrives once', async () => {
    const userId = uniqueName('user');
    const event = suspensionEvent(userId);
    await Widgets.updateOne({ _id: userId }, { $set: { name: 'w' }, $push: pushToOutbox(event) }, { upsert: true });
    // Simulate the crash: published, but the outbox entry was never removed.
    await bus.publish(event);
    const relay = new OutboxRelay(bus, [Widgets], logger, 50);
    expect(await relay.flush()).toBe(1);
    const seen = (await messagesOn(bus, eventSubject('AccountSuspended'))).filter((e) => e.id === event.id);
    expect(seen).toHaveLength(1);
    expect((await Widgets.findById(userId).lean<Widget>())?.outbox).toHaveLength(0);
  });

  it('[EVT-02] a consumer handles an event delivered twice only once', async () => {
    const userId = uniqueName('user');
    const effects: string[] = [];
    const consumer = new EventConsumer({
      bus,
      service: 'billing',
      name: uniqueName('dedupe'),
      event: 'AccountSuspended',
      connection: db.connection,
      clock,
      logger,
      handler: async (event) => {
        if (event.data.userId === userId) effects.push(event.id);
      },
    });
    await consumer.start();
    const event = suspensionEvent(userId);
    await bus.publish(event);
    await eventually(() => expect(effects).toHaveLength(1));
    // Same event id published again outside the de-dup window's protection (different msg id):
    // the consumer's handled-ids record must stop a second effect.
    await bus.jetstream.publish(eventSubject('AccountSuspended'), JSONCodec().encode(event), { msgID: `${event.id}-replay` });
    const marker = suspensionEvent(userId);
    await bus.publish(marker);
    await eventually(() => expect(effects).toContain(marker.id));
    expect(effects.filter((id) => id === event.id)).toHaveLength(1);
    await consumer.stop();
  });

  it('[EVT-02] a failing handler is retried with backoff, then the message goes to the dead-letter subject', async () => {
    const userId = uniqueName('user');
    const name = uniqueName('dlq');
    const attempts: number[] = [];
    const consumer = new EventConsumer({
      bus,
      service: 'contacts',
      name,
      event: 'AccountSuspended',
      connection: db.connection,
      clock,
      logger,
      maxAttempts: 3,
      backoffMs: 20,
      handler: async (event) => {
        if (event.data.userId !== userId) return;
        attempts.push(Date.now());
        throw new Error('downstream unavailable');
      },
    });
    await consumer.start();
    const event = suspensionEvent(userId);
    await bus.publish(event);
    await eventually(async () => {
      const dead = await messagesOn(bus, deadLetterSubject('contacts', 'AccountSuspended'));
      expect(dead.map((e) => e.id)).toContain(event.id);
    }, 15_000);
    expect(attempts).toHaveLength(3);
    await consumer.stop();
  });

  it('[EVT-02] a handler that fails once succeeds on redelivery and is acknowledged', async () => {
    const userId = uniqueName('user');
    let calls = 0;
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus,
      service: 'privacy',
      name: uniqueName('retry'),
      event: 'AccountSuspended',
      connection: db.connection,
      clock,
      logger,
      backoffMs: 20,
      handler: async (event) => {
        if (event.data.userId !== userId) return;
        calls += 1;
        if (calls === 1) throw new Error('transient');
        handled.push(event.id);
      },
    });
    await consumer.start();
    const event = suspensionEvent(userId);
    await bus.publish(event);
    await eventually(() => expect(handled).toEqual([event.id]));
    expect(calls).toBe(2);
    await consumer.stop();
  });
});
