import { z } from 'zod';

/** Payment method rules (BIL-16). Pure. */

/** Stripe payment method ids as Stripe.js returns them after tokenising a card or an IBAN. */
export const stripePaymentMethodIdSchema = z
  .string()
  .trim()
  .regex(/^pm_[A-Za-z0-9_]{3,250}$/, 'must be a Stripe payment method id (pm_...)');

export const attachPaymentMethodInputSchema = z.object({
  paymentMethodId: stripePaymentMethodIdSchema,
  makeDefault: z.boolean().default(true),
});
export type AttachPaymentMethodInput = z.input<typeof attachPaymentMethodInputSchema>;
