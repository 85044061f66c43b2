import {
  METADATA,
  invoiceFactsFrom,
  paymentMethodSummaryFrom,
  subscriptionFactsFrom,
  taxRatePercentage,
  type StripeInvoiceView,
} from '../stripe.rules';

const JAN_1 = Date.UTC(2027, 0, 1, 9) / 1000;
const FEB_1 = Date.UTC(2027, 1, 1, 9) / 1000;

function invoice(overrides: Partial<StripeInvoiceView> = {}): StripeInvoiceView {
  return {
    id: 'in_1',
    customer: 'cus_1',
    metadata: {},
    billing_reason: 'subscription_cycle',
    number: 'LG-0001',
    status: 'paid',
    currency: 'eur',
    subtotal: 29_700,
    total: 35_640,
    total_taxes: [{ amount: 5_940, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_1' }, taxability_reason: 'standard_rated', taxable_amount: 29_700, type: 'tax_rate_details' }],
    amount_due: 35_640,
    amount_paid: 35_640,
    amount_remaining: 0,
    period_start: JAN_1 - 31 * 86_400,
    period_end: JAN_1,
    created: JAN_1,
    due_date: null,
    hosted_invoice_url: 'https://invoice.example/in_1',
    invoice_pdf: null,
    attempt_count: 1,
    parent: { subscription_details: { subscription: 'sub_stripe', metadata: { [METADATA.subscriptionId]: 'ours-1', [METADATA.purpose]: 'SUBSCRIPTION' } } },
    lines: { data: [{ parent: { type: 'subscription_item_details' }, period: { start: JAN_1, end: FEB_1 } }] },
    status_transitions: { finalized_at: JAN_1, paid_at: JAN_1 + 5 },
    ...overrides,
  };
}

describe('Stripe mapping rules (BIL-16)', () => {
  it('[BIL-16] a subscription invoice maps to the mirror: our subscription from the metadata, VAT from the taxes, the period of the plan line', () => {
    expect(invoiceFactsFrom(invoice())).toEqual({
      stripeInvoiceId: 'in_1',
      stripeCustomerId: 'cus_1',
      stripeSubscriptionId: 'sub_stripe',
      subscriptionId: 'ours-1',
      purpose: 'SUBSCRIPTION',
      operationId: null,
      billingReason: 'subscription_cycle',
      number: 'LG-0001',
      status: 'PAID',
      currency: 'EUR',
      subtotalCents: 29_700,
      vatCents: 5_940,
      totalCents: 35_640,
      amountDueCents: 35_640,
      amountPaidCents: 35_640,
      amountRemainingCents: 0,
      periodStart: new Date(JAN_1 * 1000),
      periodEnd: new Date(FEB_1 * 1000),
      issuedAt: new Date(JAN_1 * 1000),
      dueAt: new Date(JAN_1 * 1000),
      paidAt: new Date((JAN_1 + 5) * 1000),
      hostedInvoiceUrl: 'https://invoice.example/in_1',
      invoicePdfUrl: null,
      attemptCount: 1,
    });
  });

  it.each([
    ['an upgrade', { [METADATA.purpose]: 'UPGRADE', [METADATA.operationId]: 'change-1', [METADATA.subscriptionId]: 'ours-2' }, 'UPGRADE', 'change-1'],
    ['an add-on purchase', { [METADATA.purpose]: 'ADD_ON', [METADATA.operationId]: 'op-1', [METADATA.subscriptionId]: 'ours-2' }, 'ADD_ON', 'op-1'],
  ])('[BIL-09][BIL-01] a one-off invoice for %s names its purpose and operation; its period is the invoice\'s own', (_label, metadata, purpose, operationId) => {
    const facts = invoiceFactsFrom(invoice({ parent: null, metadata, total_taxes: [], total: 9900, subtotal: 9900, period_start: JAN_1, period_end: JAN_1, lines: { data: [{ parent: { type: 'invoice_item_details' }, period: { start: JAN_1, end: JAN_1 } }] } }));
    expect(facts).toMatchObject({ purpose, operationId, subscriptionId: 'ours-2', stripeSubscriptionId: null, vatCents: 0, periodStart: new Date(JAN_1 * 1000) });
  });

  it.each([
    ['draft', 'DRAFT'],
    ['open', 'OPEN'],
    ['paid', 'PAID'],
    ['uncollectible', 'UNCOLLECTIBLE'],
    ['void', 'VOID'],
  ] as const)('[BIL-16] Stripe status %s is mirrored as %s', (status, mirrored) => {
    expect(invoiceFactsFrom(invoice({ status })).status).toBe(mirrored);
  });

  it('[BIL-16] a due date, when Stripe sets one, is the due date; otherwise the finalization', () => {
    expect(invoiceFactsFrom(invoice({ due_date: FEB_1 })).dueAt).toEqual(new Date(FEB_1 * 1000));
  });

  it('[BIL-16] a subscription maps its period from its item and our id from its metadata', () => {
    expect(
      subscriptionFactsFrom({
        id: 'sub_1',
        metadata: { [METADATA.subscriptionId]: 'ours-1' },
        status: 'canceled',
        cancel_at_period_end: false,
        items: { data: [{ current_period_start: JAN_1, current_period_end: FEB_1 }] },
        cancellation_details: { reason: 'payment_failed' },
      }),
    ).toEqual({
      stripeSubscriptionId: 'sub_1',
      subscriptionId: 'ours-1',
      status: 'canceled',
      cancelAtPeriodEnd: false,
      periodStart: new Date(JAN_1 * 1000),
      periodEnd: new Date(FEB_1 * 1000),
      cancellationReason: 'payment_failed',
    });
  });

  it.each([
    [{ id: 'pm_1', type: 'card' as const, card: { brand: 'visa', last4: '4242' } }, { stripePaymentMethodId: 'pm_1', kind: 'CARD', brand: 'visa', last4: '4242' }],
    [{ id: 'pm_2', type: 'sepa_debit' as const, sepa_debit: { last4: '3000' } }, { stripePaymentMethodId: 'pm_2', kind: 'SEPA_DEBIT', brand: null, last4: '3000' }],
    [{ id: 'pm_3', type: 'paypal' as const }, null],
  ])('[BIL-16] of payment method %j only the id, kind, brand and last 4 are kept: %j', (method, summary) => {
    expect(paymentMethodSummaryFrom(method)).toEqual(summary);
  });

  it('[BIL-02] VAT basis points become a Stripe tax-rate percentage', () => {
    expect(taxRatePercentage(2000)).toBe(20);
    expect(taxRatePercentage(2150)).toBe(21.5);
  });
});
