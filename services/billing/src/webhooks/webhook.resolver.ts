import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@leadgraph/platform';
import type { WebhookService } from './webhook.service';

/** Stripe sends small JSON events; anything larger is not Stripe. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

async function rawBodyOf(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_WEBHOOK_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /webhooks/stripe`: the HTTP side of the webhook service. The signature covers the exact
 * bytes Stripe sent, so the body is read raw, never parsed before verification.
 */
export function stripeWebhookRoute(webhooks: WebhookService, logger: Logger): (app: Express) => void {
  return (app) => {
    app.post('/webhooks/stripe', (request, response) => {
      void (async () => {
        const body = await rawBodyOf(request);
        if (!body) {
          response.status(413).json({ error: 'payload too large' });
          return;
        }
        const answer = await webhooks.receive(body, request.header('stripe-signature') ?? null);
        response.status(answer.httpStatus).json(answer.body);
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'Stripe webhook failed');
        if (!response.headersSent) response.status(500).json({ error: 'internal error' });
      });
    });
  };
}
