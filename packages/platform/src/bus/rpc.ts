import { JSONCodec, type Msg, type Subscription } from 'nats';
import { z } from 'zod';
import { DomainError, ErrorCode, fromZodError, type DomainErrorDetails } from '../errors/errors';
import type { Logger } from '../logging/logger';
import type { EventBus } from './event-bus';

/** Internal request/reply between services over core NATS (e.g. `rpc.accounts.resolveSession`). */
type RpcReply<T> =
  | { ok: true; result: T }
  | { ok: false; error: { code: ErrorCode; message: string; details: DomainErrorDetails } };

const codec = JSONCodec<unknown>();

export function serveRpc<Req, Res>(
  bus: EventBus,
  subject: string,
  options: {
    request: z.ZodType<Req>;
    handler: (request: Req) => Promise<Res>;
    queue: string;
    logger: Logger;
    /**
     * Requests handled at once by this replica (default 32). Handlers must be safe to run
     * concurrently, which guarded single-document updates make them; 1 serialises them.
     */
    concurrency?: number;
  },
): Subscription {
  const subscription = bus.connection.subscribe(subject, { queue: options.queue });
  const answer = async (message: Msg): Promise<void> => {
    let reply: RpcReply<Res>;
    try {
      const parsed = options.request.safeParse(codec.decode(message.data));
      if (!parsed.success) throw fromZodError(parsed.error);
      reply = { ok: true, result: await options.handler(parsed.data) };
    } catch (error) {
      if (error instanceof DomainError) {
        reply = { ok: false, error: { code: error.code, message: error.message, details: error.details } };
      } else {
        options.logger.error({ err: error, subject }, 'rpc handler failed');
        reply = { ok: false, error: { code: 'INTERNAL' as ErrorCode, message: 'internal error', details: {} } };
      }
    }
    message.respond(codec.encode(reply));
  };
  const limit = Math.max(1, options.concurrency ?? 32);
  void (async () => {
    const inFlight = new Set<Promise<void>>();
    for await (const message of subscription) {
      const handling: Promise<void> = answer(message).finally(() => inFlight.delete(handling));
      inFlight.add(handling);
      // Past the limit, wait for a request to finish before taking the next one.
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
  })();
  return subscription;
}

export class RpcUnavailableError extends Error {
  constructor(subject: string, cause: unknown) {
    super(`rpc ${subject} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'RpcUnavailableError';
  }
}

export async function callRpc<Res>(
  bus: EventBus,
  subject: string,
  payload: unknown,
  response: z.ZodType<Res>,
  timeoutMs = 5000,
): Promise<Res> {
  let raw: unknown;
  try {
    const message = await bus.connection.request(subject, codec.encode(payload), { timeout: timeoutMs });
    raw = codec.decode(message.data);
  } catch (error) {
    throw new RpcUnavailableError(subject, error);
  }
  const reply = raw as RpcReply<unknown>;
  if (!reply.ok) {
    if (Object.values(ErrorCode).includes(reply.error.code)) {
      throw new DomainError(reply.error.code, reply.error.message, reply.error.details);
    }
    throw new Error(`rpc ${subject} failed: ${reply.error.message}`);
  }
  return response.parse(reply.result);
}
