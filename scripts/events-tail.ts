/**
 * `npm run events:tail -- [--type ContactOptedOut]... [--since 1h|ISO date] [--json]`
 *
 * Follows the LEADGRAPH_EVENTS stream for an operator: readable lines (or NDJSON with --json).
 * Reads through an ephemeral ordered consumer, never a durable one: it leaves nothing on the
 * server and cannot take messages from a service's consumer. Does not create the stream.
 * Exit codes: 0 after Ctrl-C, 1 when NATS or the stream is unavailable, 2 on a bad command line.
 */
import { connect, DeliverPolicy, type ConsumerMessages, type NatsConnection } from 'nats';
import { EVENT_STREAM } from '@leadgraph/events';
import { TAIL_USAGE, TailUsageError, formatEventJson, formatEventLine, parseTailArgs, serverFilter, wantsSubject, type TailOptions } from './events-tail-lib';

async function follow(options: TailOptions): Promise<number> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: options.natsUrl, name: 'events-tail', maxReconnectAttempts: 10, reconnectTimeWait: 1000 });
  } catch (error) {
    process.stderr.write(`events:tail: cannot connect to NATS at ${options.natsUrl}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const manager = await connection.jetstreamManager();
  try {
    await manager.streams.info(EVENT_STREAM);
  } catch {
    process.stderr.write(`events:tail: no stream ${EVENT_STREAM} on ${options.natsUrl} (no service has started there yet?)\n`);
    await connection.close();
    return 1;
  }
  const filter = serverFilter(options.types, connection.info?.version ?? '0.0.0');
  const consumer = await connection.jetstream().consumers.get(EVENT_STREAM, {
    filterSubjects: filter,
    ...(options.since ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.since.toISOString() } : { deliver_policy: DeliverPolicy.New }),
  });

  let messages: ConsumerMessages | null = null;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    messages?.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  messages = await consumer.consume({ max_messages: 256 });
  // Printed once the server-side consumer exists: from here on, no new event is missed.
  process.stderr.write(
    `events:tail: following ${EVENT_STREAM} on ${options.natsUrl}; types: ${options.types.length > 0 ? options.types.join(', ') : 'all'}; ` +
      `${options.since ? `since ${options.since.toISOString()}` : 'new events only'} (Ctrl-C to stop)\n`,
  );
  if (stopping) messages.stop();
  for await (const message of messages) {
    if (!wantsSubject(options.types, message.subject)) continue;
    const read = { subject: message.subject, seq: message.seq, storedAt: new Date(Math.floor(message.info.timestampNanos / 1_000_000)), data: message.data };
    process.stdout.write(`${options.json ? formatEventJson(read) : formatEventLine(read)}\n`);
  }
  await connection.close();
  return 0;
}

async function main(): Promise<number> {
  let options: TailOptions;
  try {
    options = parseTailArgs(process.argv.slice(2), process.env, new Date());
  } catch (error) {
    if (error instanceof TailUsageError) {
      process.stderr.write(`events:tail: ${error.message}\n\n${TAIL_USAGE}\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${TAIL_USAGE}\n`);
    return 0;
  }
  return follow(options);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`events:tail: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
