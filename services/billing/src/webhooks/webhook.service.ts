import type Stripe from 'stripe';
import { isDuplicateKeyError, type Clock, type Logger } from '@leadgraph/platform';
import { fromUnixSeconds, invoiceFactsFrom, subscriptionFactsFrom } from '../stripe/stripe.rules';
import type { StripeBilling } from '../stripe/stripe.service';
import type { SubscriptionService } from '../subscriptions/subscription.service';
import type { WebhookEventDocument, WebhookEventModel } from './webhook.model';
import { MAX_WEBHOOK_ATTEMPTS, WEBHOOK_LOCK_SECONDS, webhookHandlingOf } from './webhook.rules';

export interface WebhookAnswer {
  httpStatus: 200 | 400 | 500;
  body: Record<string, unknown>;
}

function objectIdOf(event: Stripe.Event): string | null {
  const object = event.data.object as { id?: unknown };
  return typeof object.id === 'string' ? object.id : null;
}

/**
 * Stripe webhooks (BIL-16): verified by signature (else 400 and nothing stored), stored under
 * Stripe's event id, then processed. A redelivery of a processed event has no effect; a failed
 * one answers 500 so Stripe retries, and the lifecycle job retries what is left.
 */
export class WebhookService {
  constructor(
    private readonly events: WebhookEventModel,
    private readonly stripe: StripeBilling,
    private readonly subscriptions: SubscriptionService,
    private readonly signingSecret: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async receive(rawBody: Buffer, signature: string | null): Promise<WebhookAnswer> {
    if (!signature) return { httpStatus: 400, body: { error: 'missing Stripe-Signature header' } };
    let event: Stripe.Event;
    try {
      event = this.stripe.verifyWebhook(rawBody, signature, this.signingSecret);
    } catch (error) {
      this.logger.warn({ err: error }, 'Stripe webhook refused: bad signature');
      return { httpStatus: 400, body: { error: 'invalid signature' } };
    }
    const now = this.clock.now();
    try {
      await this.events.create({
        _id: event.id,
        type: event.type,
        objectId: objectIdOf(event),
        stripeCreatedAt: fromUnixSeconds(event.created),
        receivedAt: now,
        status: 'RECEIVED',
        attempts: 0,
        lastError: null,
        processedAt: null,
        lockedUntil: null,
        payload: JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const outcome = await this.process(event.id);
    if (outcome === 'FAILED') return { httpStatus: 500, body: { received: true, processed: false } };
    return { httpStatus: 200, body: { received: true, duplicate: outcome === 'ALREADY_DONE' } };
  }

  /**
   * Processes a stored event once: a delivery takes it with a short lock, applies it and marks it
   * PROCESSED (or IGNORED). Effects are idempotent too, so a crash before the mark only repeats
   * harmless work.
   */
  async process(eventId: string): Promise<'DONE' | 'ALREADY_DONE' | 'BUSY' | 'FAILED'> {
    const now = this.clock.now();
    const taken = await this.events
      .findOneAndUpdate(
        {
          _id: eventId,
          status: { $in: ['RECEIVED', 'FAILED'] },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }],
        },
        { $set: { lockedUntil: new Date(now.getTime() + WEBHOOK_LOCK_SECONDS * 1000) }, $inc: { attempts: 1 } },
        { new: true },
      )
      .lean<WebhookEventDocument>();
    if (!taken) {
      const stored = await this.events.findById(eventId, { status: 1 }).lean<Pick<WebhookEventDocument, 'status'>>();
      return stored && (stored.status === 'PROCESSED' || stored.status === 'IGNORED') ? 'ALREADY_DONE' : 'BUSY';
    }
    try {
      const handled = await this.apply(taken.payload as unknown as Stripe.Event);
      await this.events.updateOne(
        { _id: eventId },
        { $set: { status: handled ? 'PROCESSED' : 'IGNORED', processedAt: this.clock.now(), lockedUntil: null, lastError: null } },
      );
      return 'DONE';
    } catch (error) {
      this.logger.error({ err: error, eventId, type: taken.type }, 'Stripe webhook processing failed; will retry');
      await this.events.updateOne(
        { _id: eventId },
        { $set: { status: 'FAILED', lockedUntil: null, lastError: error instanceof Error ? error.message.slice(0, 500) : String(error) } },
      );
      return 'FAILED';
    }
  }

  /** Events left unprocessed by a crash or a failure, retried by the lifecycle job. */
  async processLeftovers(): Promise<number> {
    const leftovers = await this.events
      .find({ status: { $in: ['RECEIVED', 'FAILED'] }, attempts: { $lt: MAX_WEBHOOK_ATTEMPTS } }, { _id: 1 })
      .sort({ receivedAt: 1 })
      .limit(100)
      .lean<Array<{ _id: string }>>();
    let done = 0;
    for (const { _id } of leftovers) if ((await this.process(_id)) === 'DONE') done += 1;
    return done;
  }

  private async apply(event: Stripe.Event): Promise<boolean> {
    switch (webhookHandlingOf(event.type)) {
      case 'INVOICE_UPDATE':
        return (await this.subscriptions.onInvoiceUpdate(invoiceFactsFrom(event.data.object as Stripe.Invoice))) !== null;
      case 'INVOICE_PAYMENT_FAILED':
        await this.subscriptions.onInvoicePaymentFailed(invoiceFactsFrom(event.data.object as Stripe.Invoice));
        return true;
      case 'SUBSCRIPTION_UPDATED':
        // Our own lifecycle drives periods and changes; Stripe's view is recorded in the event log.
        return subscriptionFactsFrom(event.data.object as Stripe.Subscription).subscriptionId !== null;
      case 'SUBSCRIPTION_DELETED': {
        const facts = subscriptionFactsFrom(event.data.object as Stripe.Subscription);
        await this.subscriptions.onStripeSubscriptionDeleted(facts.stripeSubscriptionId, facts.cancellationReason);
        return true;
      }
      case 'IGNORED':
        return false;
    }
  }
}
