import type { RecordedRequest } from './server';
import type { WebhookDelivery } from './webhooks';
import type { EventType, InvoiceWire, WebhookEndpointWire } from './wire';

export interface ClockState {
  /** Server time, unix seconds. */
  now: number;
  iso: string;
}

export interface ClockMove extends ClockState {
  /** Events the move produced (renewals, charges, retries, ends), oldest first. */
  events: Array<{ id: string; type: EventType }>;
}

export class LocalStripeControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`local Stripe control call failed (${status}): ${JSON.stringify(body)}`);
  }
}

/**
 * Typed client of the local Stripe server's `/_test/` endpoints (not part of Stripe's API):
 * move its clock, decide the next charges of a customer, pay an invoice by other means,
 * read the requests it received and the webhooks it delivered, reset it.
 */
export class LocalStripeControl {
  constructor(private readonly baseUrl: string) {}

  private async call<Result>(method: 'GET' | 'POST', path: string, body?: object, query?: Record<string, string | undefined>): Promise<Result> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const parsed: unknown = await response.json();
    if (!response.ok) throw new LocalStripeControlError(response.status, parsed);
    return parsed as Result;
  }

  clock(): Promise<ClockState> {
    return this.call('GET', '/_test/clock');
  }

  /** Moves the clock forward; renewals, finalizations, retries and scheduled ends due on the way run in time order. */
  advanceClock(seconds: number): Promise<ClockMove> {
    return this.call('POST', '/_test/clock/advance', { seconds });
  }

  /** Moves the clock to a unix time (never backwards). */
  setClock(time: number | Date): Promise<ClockMove> {
    return this.call('POST', '/_test/clock/set', { time: time instanceof Date ? Math.floor(time.getTime() / 1000) : time });
  }

  /** The customer's next `times` charges fail with `declineCode` (default generic_decline), whatever the payment method. */
  failNextCharge(customerId: string, options: { declineCode?: string; times?: number } = {}): Promise<{ customer: string; queued: string[] }> {
    return this.call('POST', `/_test/customers/${encodeURIComponent(customerId)}/next-charge`, { outcome: 'fail', ...options });
  }

  /** The customer's next `times` charges succeed, even with a declining card or no payment method. */
  succeedNextCharge(customerId: string, options: { times?: number } = {}): Promise<{ customer: string; queued: string[] }> {
    return this.call('POST', `/_test/customers/${encodeURIComponent(customerId)}/next-charge`, { outcome: 'succeed', ...options });
  }

  /** Marks an open invoice paid as if the customer paid by other means (`invoice.paid`, subscription reactivated). */
  payInvoiceOutOfBand(invoiceId: string): Promise<InvoiceWire> {
    return this.call('POST', `/_test/invoices/${encodeURIComponent(invoiceId)}/pay`, {});
  }

  /** Stripe API requests received, oldest first (filter by method and path prefix). */
  requests(filter: { method?: string; path?: string } = {}): Promise<RecordedRequest[]> {
    return this.call('GET', '/_test/requests', undefined, filter);
  }

  /** Webhook delivery attempts, oldest first. */
  webhookDeliveries(filter: { eventType?: string; eventId?: string } = {}): Promise<WebhookDelivery[]> {
    return this.call('GET', '/_test/webhook-deliveries', undefined, filter);
  }

  /** Waits until every queued webhook delivery (with retries) is done; `idle` false on timeout. */
  drainWebhooks(timeoutMs = 15_000): Promise<{ idle: boolean; deliveries: WebhookDelivery[] }> {
    return this.call('POST', '/_test/webhooks/drain', { timeoutMs });
  }

  /** Adds a webhook endpoint (signed with the server's webhook secret unless `secret` is given). */
  addWebhookEndpoint(url: string, options: { secret?: string; enabledEvents?: string[] } = {}): Promise<WebhookEndpointWire & { secret: string }> {
    return this.call('POST', '/_test/webhook-endpoints', { url, ...options });
  }

  /** Forgets all objects, events, requests, deliveries and added webhook endpoints (the start options' one stays); the clock returns to its start. */
  reset(): Promise<ClockState & { ok: true }> {
    return this.call('POST', '/_test/reset', {});
  }
}
