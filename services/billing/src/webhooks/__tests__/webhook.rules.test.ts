import { webhookHandlingOf } from '../webhook.rules';

describe('webhook rules (BIL-14, BIL-16)', () => {
  it.each([
    ['invoice.paid', 'INVOICE_UPDATE'],
    ['invoice.finalized', 'INVOICE_UPDATE'],
    ['invoice.voided', 'INVOICE_UPDATE'],
    ['invoice.payment_failed', 'INVOICE_PAYMENT_FAILED'],
    ['customer.subscription.updated', 'SUBSCRIPTION_UPDATED'],
    ['customer.subscription.deleted', 'SUBSCRIPTION_DELETED'],
    ['customer.created', 'IGNORED'],
    ['payment_method.attached', 'IGNORED'],
  ])('[BIL-16] a %s event is handled as %s', (type, handling) => {
    expect(webhookHandlingOf(type)).toBe(handling);
  });
});
