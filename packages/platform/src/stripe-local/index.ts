export { LocalStripeServer, LOCAL_STRIPE_API_VERSION, type LocalStripeServerOptions, type RunningLocalStripe, type RecordedRequest } from './server';
export { LocalStripeControl, LocalStripeControlError, type ClockMove, type ClockState } from './test-control-client';
export { stripeSignatureHeader, type WebhookDelivery } from './webhooks';
export type { DunningOptions } from './engine';
export type { EventType, EventWire, InvoiceWire, SubscriptionWire } from './wire';
