/** Which Stripe events billing acts on (BIL-14, BIL-16). Pure. */

/** Invoice events that only refresh the local mirror (and apply a payment when there is one). */
export const invoiceMirrorEvents = [
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice.updated',
] as const;

export type WebhookHandling = 'INVOICE_UPDATE' | 'INVOICE_PAYMENT_FAILED' | 'SUBSCRIPTION_UPDATED' | 'SUBSCRIPTION_DELETED' | 'IGNORED';

export function webhookHandlingOf(type: string): WebhookHandling {
  if ((invoiceMirrorEvents as readonly string[]).includes(type)) return 'INVOICE_UPDATE';
  if (type === 'invoice.payment_failed') return 'INVOICE_PAYMENT_FAILED';
  if (type === 'customer.subscription.updated') return 'SUBSCRIPTION_UPDATED';
  if (type === 'customer.subscription.deleted') return 'SUBSCRIPTION_DELETED';
  return 'IGNORED';
}

/** After this many failed attempts an event stays FAILED for an operator to look at. */
export const MAX_WEBHOOK_ATTEMPTS = 10;
/** A delivery holds an event this long while processing it (a crashed holder's lock runs out). */
export const WEBHOOK_LOCK_SECONDS = 60;
