/**
 * Webhook endpoints and deliveries: each committed event is POSTed to every enabled endpoint
 * with a `Stripe-Signature` header (`t=<unix>,v1=<HMAC-SHA256 of "<t>.<payload>">`), the
 * scheme `stripe.webhooks.constructEvent` verifies; failed deliveries are retried a few times
 * and every attempt is logged.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { noSuch } from './errors';
import { baseParams, formBool, formMetadata, parseParams } from './form';
import { mergeMetadata, pageParams } from './common';
import { pathParam, type Route } from './route';
import { newId, paginate, randomToken } from './state';
import type { DeletedWire, EventWire, WebhookEndpointWire } from './wire';

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  attempt: number;
  /** HTTP status of the receiver's answer, or null when it could not be reached. */
  status: number | null;
  ok: boolean;
  error: string | null;
  /** Wall-clock time of the attempt (ISO). */
  attemptedAt: string;
}

/**
 * The signature header Stripe sends. The timestamp is wall-clock time, never the simulated
 * clock: `constructEvent` refuses signatures older than its tolerance (300 s) against real time.
 */
export function stripeSignatureHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export function newWebhookSecret(): string {
  return `whsec_${randomToken(32)}`;
}

type StoredEndpoint = WebhookEndpointWire & { secret: string };

export interface WebhookDispatcherOptions {
  /** Pauses before each retry of a failed delivery; its length is the number of retries. */
  retryDelaysMs: number[];
  /** How long a receiver may take to answer one delivery. */
  timeoutMs: number;
  /** The `t=` of signatures, unix seconds (wall-clock time like Stripe, or the simulated clock). */
  signatureTime: () => number;
}

export class WebhookDispatcher {
  readonly endpoints = new Map<string, StoredEndpoint>();
  readonly deliveries: WebhookDelivery[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: WebhookDispatcherOptions) {}

  addEndpoint(input: { url: string; secret?: string | undefined; enabledEvents?: string[]; description?: string | null; metadata?: Record<string, string>; created: number; apiVersion?: string | null }): StoredEndpoint {
    const endpoint: StoredEndpoint = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: input.apiVersion ?? null,
      application: null,
      created: input.created,
      description: input.description ?? null,
      enabled_events: input.enabledEvents ?? ['*'],
      livemode: false,
      metadata: input.metadata ?? {},
      status: 'enabled',
      url: input.url,
      secret: input.secret ?? newWebhookSecret(),
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** Queues the events for every enabled endpoint that listens to them; deliveries keep event order. */
  dispatch(events: EventWire[]): void {
    for (const event of events) {
      const targets = [...this.endpoints.values()].filter(
        (endpoint) => endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(event.type)),
      );
      event.pending_webhooks = targets.length;
      for (const endpoint of targets) {
        this.pending += 1;
        this.queue = this.queue
          .then(() => this.deliver(event, endpoint))
          .catch(() => undefined)
          .finally(() => {
            this.pending -= 1;
            if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          });
      }
    }
  }

  private async deliver(event: EventWire, endpoint: StoredEndpoint): Promise<void> {
    const payload = JSON.stringify(event, null, 2);
    for (let attempt = 1; attempt <= this.options.retryDelaysMs.length + 1; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, this.options.retryDelaysMs[attempt - 2]));
      const record: WebhookDelivery = {
        eventId: event.id,
        eventType: event.type,
        endpointId: endpoint.id,
        url: endpoint.url,
        attempt,
        status: null,
        ok: false,
        error: null,
        attemptedAt: new Date().toISOString(),
      };
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': stripeSignatureHeader(payload, endpoint.secret, this.options.signatureTime()),
          },
          body: payload,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        record.status = response.status;
        record.ok = response.ok;
        if (!response.ok) record.error = `HTTP ${response.status}`;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
      this.deliveries.push(record);
      if (record.ok) {
        event.pending_webhooks = Math.max(event.pending_webhooks - 1, 0);
        return;
      }
    }
  }

  /** Resolves when every queued delivery (with its retries) is done, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  clearLog(): void {
    this.deliveries.length = 0;
  }
}

/** Stripe answers with the secret only when the endpoint is created. */
function withoutSecret(endpoint: StoredEndpoint): WebhookEndpointWire {
  const { secret: _secret, ...visible } = endpoint;
  return visible;
}

export function webhookEndpointRoutes(dispatcher: WebhookDispatcher): Route[] {
  const requireEndpoint = (id: string): StoredEndpoint => {
    const endpoint = dispatcher.endpoints.get(id);
    if (!endpoint) throw noSuch('webhook endpoint', id, 'id');
    return endpoint;
  };
  const mutableFields = {
    ...baseParams,
    description: z.string().optional(),
    enabled_events: z.array(z.string()).optional(),
    metadata: formMetadata.optional(),
    url: z.string().url().optional(),
  };
  return [
    {
      method: 'POST',
      pattern: '/v1/webhook_endpoints',
      handle: (context) => {
        const params = parseParams(
          z.object({ ...mutableFields, url: z.string().url(), enabled_events: z.array(z.string()).min(1), api_version: z.string().optional(), connect: formBool.optional() }).strict(),
          context.params,
        );
        return dispatcher.addEndpoint({
          url: params.url,
          enabledEvents: params.enabled_events,
          description: params.description ?? null,
          metadata: mergeMetadata({}, params.metadata),
          created: context.engine.now(),
          apiVersion: params.api_version ?? null,
        });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/webhook_endpoints',
      handle: (context) => {
        const params = parseParams(z.object({ ...baseParams, ...pageParams }).strict(), context.params);
        return paginate([...dispatcher.endpoints.values()].reverse().map(withoutSecret), params, context.url);
      },
    },
    {
      method: 'GET',
      pattern: '/v1/webhook_endpoints/:id',
      handle: (context) => (parseParams(z.object(baseParams).strict(), context.params), withoutSecret(requireEndpoint(pathParam(context, 'id')))),
    },
    {
      method: 'POST',
      pattern: '/v1/webhook_endpoints/:id',
      handle: (context) => {
        const params = parseParams(z.object({ ...mutableFields, disabled: formBool.optional() }).strict(), context.params);
        const endpoint = requireEndpoint(pathParam(context, 'id'));
        if (params.url !== undefined) endpoint.url = params.url;
        if (params.description !== undefined) endpoint.description = params.description;
        if (params.enabled_events !== undefined) endpoint.enabled_events = params.enabled_events;
        if (params.disabled !== undefined) endpoint.status = params.disabled ? 'disabled' : 'enabled';
        endpoint.metadata = mergeMetadata(endpoint.metadata, params.metadata);
        return withoutSecret(endpoint);
      },
    },
    {
      method: 'DELETE',
      pattern: '/v1/webhook_endpoints/:id',
      handle: (context): DeletedWire => {
        const endpoint = requireEndpoint(pathParam(context, 'id'));
        dispatcher.endpoints.delete(endpoint.id);
        return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
      },
    },
  ];
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/v1/events/:id',
    handle: (context) => {
      parseParams(z.object(baseParams).strict(), context.params);
      const id = pathParam(context, 'id');
      const event = context.engine.state.events.get(id);
      if (!event) throw noSuch('event', id, 'id');
      return event;
    },
  },
  {
    method: 'GET',
    pattern: '/v1/events',
    handle: (context) => {
      const params = parseParams(
        z.object({ ...baseParams, ...pageParams, type: z.string().optional(), types: z.array(z.string()).optional(), delivery_success: formBool.optional() }).strict(),
        context.params,
      );
      const typeMatches = (type: string): boolean => {
        if (params.types) return params.types.includes(type);
        if (!params.type) return true;
        // `type=invoice.*` matches a family, as in Stripe.
        return params.type.endsWith('*') ? type.startsWith(params.type.slice(0, -1)) : type === params.type;
      };
      const events = [...context.engine.state.events.values()].reverse().filter((event) => typeMatches(event.type));
      return paginate(events, params, context.url);
    },
  },
];

