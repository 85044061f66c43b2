import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { z } from 'zod';
import { catalogRoutes } from './catalog';
import { customerRoutes } from './customers';
import { StripeEngine, type DunningOptions } from './engine';
import { StripeApiError, invalidParam, noSuch, notFoundRoute, type StripeErrorBody } from './errors';
import { expandResponse, toJson } from './expand';
import { parseStripeForm, type FormRecord } from './form';
import { loadAccount, saveAccount } from './persistence';
import { invoiceRoutes, markInvoicePaid, requireInvoice } from './invoices';
import type { HttpMethod, Route } from './route';
import { randomToken } from './state';
import { advanceClockTo, subscriptionRoutes } from './subscriptions';
import { LocalStripeControl } from './test-control-client';
import { WebhookDispatcher, eventRoutes, newWebhookSecret, webhookEndpointRoutes, type WebhookDelivery } from './webhooks';

/** The API version the responses follow: the one the installed `stripe` SDK pins. */
export const LOCAL_STRIPE_API_VERSION: string = Stripe.API_VERSION;

export interface LocalStripeServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The only secret key the server accepts (default: a fresh `sk_test_local_...`). */
  secretKey?: string;
  /** Where events are POSTed (an endpoint listening to every event), signed with `webhookSecret`. */
  webhookUrl?: string;
  /** `whsec_...` secret of that endpoint (default: a fresh one, returned by start()). */
  webhookSecret?: string;
  /** Where the server clock starts (default: now); it stands still until moved through `/_test/clock`. */
  startTime?: Date | number;
  /** Draft time of renewal invoices before they are finalized and charged (Stripe: ~1 hour). */
  renewalFinalizationDelaySeconds?: number;
  /** Retry schedule of failed renewals and what follows the last failure. */
  dunning?: Partial<DunningOptions>;
  /** Pauses before webhook redeliveries (default 200 ms, 1 s, 3 s: three retries). */
  webhookRetryDelaysMs?: number[];
  /**
   * Which time signs webhooks. `wall-clock` (default) is Stripe's behaviour: right for receivers
   * that verify against real time (`constructEvent` without `receivedAt`). `server-clock` signs
   * with the simulated clock, for receivers that verify against a manual clock kept in step
   * with this server's (`constructEvent(..., 300, undefined, clock.now().getTime())`).
   */
  webhookSignatureClock?: 'wall-clock' | 'server-clock';
  /** `frozen` (default): time moves only through `/_test/clock`; `real-time`: it also runs (local runs). */
  clockMode?: 'frozen' | 'real-time';
  /** Keeps the account (objects, events, clock) in this file across restarts (local runs). */
  dataFile?: string;
}

export interface RunningLocalStripe {
  /** `http://127.0.0.1:<port>`: what STRIPE_API_BASE carries. */
  url: string;
  host: string;
  port: number;
  secretKey: string;
  webhookSecret: string;
  /** Options for `new Stripe(secretKey, { ...clientConfig })`. */
  clientConfig: { host: string; port: number; protocol: 'http' };
  /** Typed client of the `/_test/` control endpoints. */
  control: LocalStripeControl;
  stop(): Promise<void>;
}

export interface RecordedRequest {
  id: string;
  method: string;
  path: string;
  params: FormRecord;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
  /** Simulated clock at the request (unix seconds). */
  serverTime: number;
  receivedAt: string;
}

interface StoredIdempotentResponse {
  fingerprint: string;
  status: number;
  body: string;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern.replace(/:([a-z_]+)/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${source}$`), names };
}

function errorJson(body: StripeErrorBody): string {
  return JSON.stringify({ error: body }, null, 2);
}

function maskKey(key: string): string {
  return key.length <= 12 ? '*'.repeat(key.length) : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const controlSchemas = {
  advance: z.object({ seconds: z.number().int().min(0) }).strict(),
  set: z.object({ time: z.number().int() }).strict(),
  nextCharge: z.object({ outcome: z.enum(['fail', 'succeed']), declineCode: z.string().optional(), times: z.number().int().min(1).optional() }).strict(),
  drain: z.object({ timeoutMs: z.number().int().min(0).optional() }).strict(),
  endpoint: z.object({ url: z.string().url(), secret: z.string().optional(), enabledEvents: z.array(z.string()).optional() }).strict(),
};

/**
 * A stateful Stripe-compatible HTTP server for tests and local runs: the real `stripe` SDK talks
 * to it over HTTP (form bodies, Bearer keys, idempotency keys, `expand[]`, Stripe's error
 * shapes), it keeps customers, payment methods, catalog, subscriptions and invoices, moves them
 * on its own clock and POSTs signed webhooks. `/_test/...` endpoints control it (clock, charge
 * outcomes, logs, reset); they are not part of Stripe's API.
 */
export class LocalStripeServer {
  private readonly routes: CompiledRoute[];
  private readonly engine: StripeEngine;
  private readonly dispatcher: WebhookDispatcher;
  private readonly idempotency = new Map<string, StoredIdempotentResponse>();
  private readonly requests: RecordedRequest[] = [];
  private server: http.Server | null = null;
  /** The endpoint of the start options: the only one a reset keeps. */
  private startEndpointId: string | null = null;
  private ticker: NodeJS.Timeout | null = null;
  readonly secretKey: string;
  readonly webhookSecret: string;

  private constructor(private readonly options: LocalStripeServerOptions) {
    this.secretKey = options.secretKey ?? `sk_test_local_${randomToken(24)}`;
    this.webhookSecret = options.webhookSecret ?? newWebhookSecret();
    const startTime = options.startTime instanceof Date ? Math.floor(options.startTime.getTime() / 1000) : (options.startTime ?? Math.floor(Date.now() / 1000));
    this.dispatcher = new WebhookDispatcher({
      retryDelaysMs: options.webhookRetryDelaysMs ?? [200, 1000, 3000],
      timeoutMs: 10_000,
      signatureTime: () => (options.webhookSignatureClock === 'server-clock' ? this.engine.now() : Math.floor(Date.now() / 1000)),
    });
    this.engine = new StripeEngine(
      {
        apiVersion: LOCAL_STRIPE_API_VERSION,
        startTime,
        renewalFinalizationDelaySeconds: options.renewalFinalizationDelaySeconds ?? 3600,
        incompleteExpirySeconds: 23 * 3600,
        dunning: { retryDelaysDays: [3, 5, 7], afterFinalFailure: 'cancel', ...options.dunning },
        clockMode: options.clockMode ?? 'frozen',
      },
      (events) => this.dispatcher.dispatch(events),
      () => {
        if (options.dataFile) saveAccount(options.dataFile, this.engine.state, this.engine.now());
      },
    );
    const saved = options.dataFile ? loadAccount(options.dataFile) : null;
    if (saved) this.engine.restore(saved.state, Math.max(saved.now, options.clockMode === 'real-time' ? Math.floor(Date.now() / 1000) : saved.now));
    if (options.webhookUrl) {
      this.startEndpointId = this.dispatcher.addEndpoint({ url: options.webhookUrl, secret: this.webhookSecret, created: startTime }).id;
    }
    this.routes = [...customerRoutes, ...catalogRoutes, ...subscriptionRoutes, ...invoiceRoutes, ...eventRoutes, ...webhookEndpointRoutes(this.dispatcher)].map(compile);
  }

  static async start(options: LocalStripeServerOptions = {}): Promise<RunningLocalStripe> {
    const instance = new LocalStripeServer(options);
    return instance.listen();
  }

  private async listen(): Promise<RunningLocalStripe> {
    const host = this.options.host ?? '127.0.0.1';
    const server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.setHeader('content-type', 'application/json');
        response.end(errorJson({ type: 'api_error', message: error instanceof Error ? error.message : String(error) }));
      });
    });
    this.server = server;
    if (this.options.clockMode === 'real-time') {
      // What falls due while time runs (renewals, retries) happens without waiting for a request.
      this.ticker = setInterval(() => this.runDueWork(), 15_000);
      this.ticker.unref();
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host}:${port}`;
    return {
      url,
      host,
      port,
      secretKey: this.secretKey,
      webhookSecret: this.webhookSecret,
      clientConfig: { host, port, protocol: 'http' },
      control: new LocalStripeControl(url),
      stop: () => this.stop(),
    };
  }

  /** Runs what fell due up to now (a running clock); failures are left for the next tick. */
  private runDueWork(): void {
    try {
      this.engine.transaction({ requestId: null, idempotencyKey: null }, () => advanceClockTo(this.engine, this.engine.now()));
    } catch {
      // Nothing was kept (the transaction rolled back); the next tick tries again.
    }
  }

  private async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.dispatcher.idle(2_000);
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://local-stripe');
    const body = await readBody(request);
    const method = (request.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/_test/')) {
      await this.handleControl(method, url, body, response);
      return;
    }
    const requestId = `req_${randomToken(14)}`;
    const idempotencyKey = method === 'POST' ? (request.headers['idempotency-key']?.toString() ?? null) : null;
    const params = parseStripeForm(method === 'POST' ? body : url.search.slice(1));
    const record: RecordedRequest = {
      id: requestId,
      method,
      path: url.pathname,
      params,
      idempotencyKey,
      status: 0,
      replayed: false,
      serverTime: this.engine.now(),
      receivedAt: new Date().toISOString(),
    };
    this.requests.push(record);
    response.setHeader('content-type', 'application/json');
    response.setHeader('request-id', requestId);
    response.setHeader('stripe-version', request.headers['stripe-version']?.toString() ?? LOCAL_STRIPE_API_VERSION);
    if (idempotencyKey) response.setHeader('idempotency-key', idempotencyKey);
    const send = (status: number, json: string) => {
      record.status = status;
      response.statusCode = status;
      response.end(json);
    };

    const authError = this.authenticate(request.headers.authorization);
    if (authError) return send(authError.status, errorJson(authError.body));
    if (this.options.clockMode === 'real-time') this.runDueWork();

    // Same key, same request: the first answer again; same key, other parameters: refused.
    const fingerprint = `${method} ${url.pathname} ${body}`;
    if (idempotencyKey) {
      const stored = this.idempotency.get(idempotencyKey);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return send(
            400,
            errorJson({
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            }),
          );
        }
        record.replayed = true;
        response.setHeader('idempotent-replayed', 'true');
        return send(stored.status, stored.body);
      }
    }

    const { status, json } = this.execute(method, url.pathname, params, requestId, idempotencyKey);
    // Stripe saves the result once the endpoint ran: successes and declined payments, not validation errors.
    if (idempotencyKey && (status < 400 || status === 402)) this.idempotency.set(idempotencyKey, { fingerprint, status, body: json });
    send(status, json);
  }

  private authenticate(header: string | undefined): StripeApiError | null {
    let key: string | null = null;
    if (header?.startsWith('Bearer ')) key = header.slice('Bearer '.length).trim();
    else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':')[0] ?? null;
    if (!key) {
      return new StripeApiError(401, {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    if (key !== this.secretKey) return new StripeApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(key)}` });
    return null;
  }

  private execute(method: string, path: string, params: FormRecord, requestId: string, idempotencyKey: string | null): { status: number; json: string } {
    try {
      const matched = this.match(method, path);
      if (!matched) throw notFoundRoute(method, path);
      const { route, pathParams } = matched;
      const expand = params['expand'];
      const expandPaths = Array.isArray(expand) ? expand.filter((entry): entry is string => typeof entry === 'string') : [];
      const result = this.engine.transaction({ requestId, idempotencyKey }, () =>
        route.handle({ engine: this.engine, params, path: pathParams, url: path }),
      );
      return { status: 200, json: JSON.stringify(expandResponse(this.engine, result, expandPaths), null, 2) };
    } catch (error) {
      if (error instanceof StripeApiError) return { status: error.status, json: errorJson(error.body) };
      return { status: 500, json: errorJson({ type: 'api_error', message: error instanceof Error ? error.message : String(error) }) };
    }
  }

  private match(method: string, path: string): { route: CompiledRoute; pathParams: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== (method as HttpMethod)) continue;
      const found = route.regex.exec(path);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, index) => {
        pathParams[name] = decodeURIComponent(found[index + 1] ?? '');
      });
      return { route, pathParams };
    }
    return null;
  }

  // ---- /_test/ control endpoints (JSON in, JSON out) ----

  private async handleControl(method: string, url: URL, body: string, response: http.ServerResponse): Promise<void> {
    response.setHeader('content-type', 'application/json');
    const reply = (status: number, value: unknown) => {
      response.statusCode = status;
      response.end(JSON.stringify(value, null, 2));
    };
    try {
      const input: unknown = body.trim() === '' ? {} : JSON.parse(body);
      const parse = <Schema extends z.ZodType>(schema: Schema): z.output<Schema> => {
        const result = schema.safeParse(input);
        if (!result.success) throw invalidParam(String(result.error.issues[0]?.path.join('.') ?? ''), result.error.issues[0]?.message ?? 'invalid body');
        return result.data;
      };
      const path = url.pathname;
      const clockState = () => ({ now: this.engine.now(), iso: new Date(this.engine.now() * 1000).toISOString() });
      const moveClock = (target: number) => {
        const before = this.engine.state.events.size;
        this.engine.transaction({ requestId: null, idempotencyKey: null }, () => advanceClockTo(this.engine, target));
        const events = [...this.engine.state.events.values()].slice(before).map((event) => ({ id: event.id, type: event.type }));
        return { ...clockState(), events };
      };
      if (method === 'GET' && path === '/_test/health') return reply(200, { ok: true });
      if (method === 'GET' && path === '/_test/clock') return reply(200, clockState());
      if (method === 'POST' && path === '/_test/clock/advance') return reply(200, moveClock(this.engine.now() + parse(controlSchemas.advance).seconds));
      if (method === 'POST' && path === '/_test/clock/set') return reply(200, moveClock(parse(controlSchemas.set).time));
      const nextCharge = /^\/_test\/customers\/([^/]+)\/next-charge$/.exec(path);
      if (method === 'POST' && nextCharge) {
        const customerId = decodeURIComponent(nextCharge[1] ?? '');
        if (!this.engine.state.customers.has(customerId)) throw noSuch('customer', customerId);
        const { outcome, declineCode, times } = parse(controlSchemas.nextCharge);
        const queue = this.engine.state.forcedChargeOutcomes.get(customerId) ?? [];
        for (let index = 0; index < (times ?? 1); index += 1) queue.push({ outcome, declineCode: declineCode ?? 'generic_decline' });
        this.engine.state.forcedChargeOutcomes.set(customerId, queue);
        return reply(200, { customer: customerId, queued: queue.map((entry) => entry.outcome) });
      }
      const payInvoice = /^\/_test\/invoices\/([^/]+)\/pay$/.exec(path);
      if (method === 'POST' && payInvoice) {
        const invoiceId = decodeURIComponent(payInvoice[1] ?? '');
        const invoice = this.engine.transaction({ requestId: null, idempotencyKey: null }, () => {
          const found = requireInvoice(this.engine, invoiceId);
          if (found.status !== 'open') throw invalidParam('invoice', `Invoice ${invoiceId} is ${found.status}; only open invoices can be paid.`);
          markInvoicePaid(this.engine, found, { outOfBand: true });
          return found;
        });
        return reply(200, toJson(invoice));
      }
      if (method === 'GET' && path === '/_test/requests') {
        const filterMethod = url.searchParams.get('method')?.toUpperCase();
        const filterPath = url.searchParams.get('path');
        return reply(
          200,
          this.requests.filter((entry) => (!filterMethod || entry.method === filterMethod) && (!filterPath || entry.path.startsWith(filterPath))),
        );
      }
      if (method === 'GET' && path === '/_test/webhook-deliveries') {
        const eventType = url.searchParams.get('eventType');
        const eventId = url.searchParams.get('eventId');
        return reply(
          200,
          this.dispatcher.deliveries.filter((entry: WebhookDelivery) => (!eventType || entry.eventType === eventType) && (!eventId || entry.eventId === eventId)),
        );
      }
      if (method === 'POST' && path === '/_test/webhooks/drain') {
        const idle = await this.dispatcher.idle(parse(controlSchemas.drain).timeoutMs ?? 15_000);
        return reply(200, { idle, deliveries: this.dispatcher.deliveries });
      }
      if (method === 'POST' && path === '/_test/webhook-endpoints') {
        const { url: endpointUrl, secret, enabledEvents } = parse(controlSchemas.endpoint);
        const endpoint = this.dispatcher.addEndpoint({ url: endpointUrl, secret: secret ?? this.webhookSecret, enabledEvents: enabledEvents ?? ['*'], created: this.engine.now() });
        return reply(200, endpoint);
      }
      if (method === 'POST' && path === '/_test/reset') {
        await this.dispatcher.idle(5_000);
        this.engine.reset();
        if (this.options.dataFile) saveAccount(this.options.dataFile, this.engine.state, this.engine.now());
        this.idempotency.clear();
        this.requests.length = 0;
        this.dispatcher.clearLog();
        for (const id of [...this.dispatcher.endpoints.keys()]) if (id !== this.startEndpointId) this.dispatcher.endpoints.delete(id);
        return reply(200, { ok: true, ...clockState() });
      }
      throw notFoundRoute(method, path);
    } catch (error) {
      if (error instanceof StripeApiError) return reply(error.status, { error: error.body });
      if (error instanceof SyntaxError) return reply(400, { error: { type: 'invalid_request_error', message: `Invalid JSON body: ${error.message}` } });
      return reply(500, { error: { type: 'api_error', message: error instanceof Error ? error.message : String(error) } });
    }
  }
}
