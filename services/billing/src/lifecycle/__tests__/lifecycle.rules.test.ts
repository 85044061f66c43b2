import { DAY_MS } from '@leadgraph/platform';
import type { PriceRevisionNotice, ScheduledChange } from '../../subscriptions/subscription.model';
import {
  BREACH_TERMINATION_DAYS,
  NON_PAYMENT_TERMINATION_DAYS_AFTER_NOTICE,
  breachTerminationAt,
  decideRollover,
  formalNoticeMail,
  nextPeriodTerms,
  nonPaymentTerminationAt,
  oldPriceKeptUntil,
  priceRevisionAnswerBy,
  priceRevisionNoticeMail,
  pricePerSeatFrom,
  revisionAnswer,
  revisionAnswerProblem,
  revisionAppliesAt,
  statusFromSuspensions,
  suspensionTerminationDue,
  type RolloverFacts,
} from '../lifecycle.rules';

const at = (iso: string) => new Date(iso);
const plusDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);

const anchor = at('2027-01-01T00:00:00.000Z');
const monthly: RolloverFacts = {
  kind: 'PREMIUM',
  anchor,
  billingPeriod: 'MONTHLY',
  currentPeriod: { index: 2, start: at('2027-03-01T00:00:00.000Z'), end: at('2027-04-01T00:00:00.000Z') },
  planId: 'business-monthly',
  seats: 3,
  pricePerSeatCents: 9900,
  scheduledChange: null,
  priceRevision: null,
};
const change = (overrides: Partial<ScheduledChange>): ScheduledChange => ({
  kind: 'CANCELLATION',
  planId: null,
  seats: null,
  requestedAt: at('2027-03-10T00:00:00.000Z'),
  effectiveAt: at('2027-04-01T00:00:00.000Z'),
  renewsFirst: false,
  terminationReason: 'NON_RENEWAL',
  ...overrides,
});
const revision = (overrides: Partial<PriceRevisionNotice> = {}): PriceRevisionNotice => ({
  revisionId: 'business-monthly@2027-04',
  oldPricePerSeatCents: 9900,
  newPricePerSeatCents: 10900,
  noticeSentAt: at('2027-03-01T00:00:00.000Z'),
  appliesAt: at('2027-04-01T00:00:00.000Z'),
  answerBy: at('2027-03-16T00:00:00.000Z'),
  response: null,
  respondedAt: null,
  oldPriceKeptUntil: null,
  ...overrides,
});

describe('lifecycle rules: the end of a period (BIL-05, BIL-10, BIL-11, BIL-13, BIL-15)', () => {
  it.each([
    {
      rule: '[BIL-05] a plain renewal of a rollover plan carries unused credits over, same terms, next period',
      facts: monthly,
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: null },
      expected: {
        kind: 'RENEW',
        terms: { planId: 'business-monthly', seats: 3, pricePerSeatCents: 9900 },
        next: { index: 3, start: at('2027-04-01T00:00:00.000Z'), end: at('2027-05-01T00:00:00.000Z') },
        carryOverUnused: true,
        renewAddOns: true,
      },
    },
    {
      rule: '[BIL-05] a plan without rollover renews without carrying anything over',
      facts: monthly,
      options: { rolloverUnusedCredits: false, downgradePricePerSeatCents: null },
      expected: { kind: 'RENEW', carryOverUnused: false },
    },
    {
      rule: '[BIL-08] FREEMIUM never carries credits over',
      facts: { ...monthly, kind: 'FREEMIUM' as const },
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: null },
      expected: { kind: 'RENEW', carryOverUnused: false },
    },
    {
      rule: '[BIL-10] a cancellation due at this end terminates the subscription (non-renewal)',
      facts: { ...monthly, scheduledChange: change({}) },
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: null },
      expected: { kind: 'TERMINATE', reason: 'NON_RENEWAL' },
    },
    {
      rule: '[BIL-11] an early termination ends the subscription at the end of the period, for the reason recorded',
      facts: { ...monthly, scheduledChange: change({ kind: 'EARLY_TERMINATION', terminationReason: 'ACCOUNT_DELETED' }) },
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: null },
      expected: { kind: 'TERMINATE', reason: 'ACCOUNT_DELETED' },
    },
    {
      rule: '[BIL-10] a cancellation asked too late renews the subscription once for the same duration',
      facts: { ...monthly, scheduledChange: change({ effectiveAt: at('2027-05-01T00:00:00.000Z'), renewsFirst: true }) },
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: null },
      expected: { kind: 'RENEW', terms: { planId: 'business-monthly', seats: 3, pricePerSeatCents: 9900 }, carryOverUnused: true },
    },
    {
      rule: '[BIL-10] a downgrade due at this end renews on the new terms; unused credits of the old period are lost',
      facts: { ...monthly, scheduledChange: change({ kind: 'DOWNGRADE', planId: 'starter-monthly', seats: 2, terminationReason: null }) },
      options: { rolloverUnusedCredits: true, downgradePricePerSeatCents: 6500 },
      expected: { kind: 'RENEW', terms: { planId: 'starter-monthly', seats: 2, pricePerSeatCents: 6500 }, carryOverUnused: false },
    },
    {
      rule: '[BIL-15] an accepted price revision applies from the renewal it was announced for',
      facts: { ...monthly, priceRevision: revision({ response: 'ACCEPTED' }) },
      options: { rolloverUnusedCredits: false, downgradePricePerSeatCents: null },
      expected: { kind: 'RENEW', terms: { planId: 'business-monthly', seats: 3, pricePerSeatCents: 10900 } },
    },
  ])('$rule', ({ facts, options, expected }) => {
    expect(decideRollover(facts, options)).toMatchObject(expected);
  });

  it('[BIL-10] Stripe bills the next period on the terms the rollover will renew on; nothing after a cancellation', () => {
    expect(nextPeriodTerms(monthly, null)).toEqual({ planId: 'business-monthly', seats: 3, pricePerSeatCents: 9900 });
    expect(nextPeriodTerms({ ...monthly, scheduledChange: change({ kind: 'DOWNGRADE', planId: 'starter-monthly', seats: 1 }) }, 6500)).toEqual({
      planId: 'starter-monthly',
      seats: 1,
      pricePerSeatCents: 6500,
    });
    expect(nextPeriodTerms({ ...monthly, scheduledChange: change({}) }, null)).toBeNull();
  });
});

describe('lifecycle rules: suspensions (BIL-12, BIL-14)', () => {
  const suspendedAt = at('2027-03-10T00:00:00.000Z');

  it.each([
    ['the account was given 7 days (ACC-07)', 7, BREACH_TERMINATION_DAYS],
    ['the account was given 30 days', 30, 30],
  ])('[BIL-12] a breach suspension ends the subscription 3 weeks later, never before the regularisation deadline: %s', (_label, regulariseDays, expectedDays) => {
    expect(breachTerminationAt(suspendedAt, plusDays(suspendedAt, regulariseDays))).toEqual(plusDays(suspendedAt, expectedDays));
  });

  it('[BIL-14] non-payment ends the subscription 15 days after the formal notice', () => {
    expect(NON_PAYMENT_TERMINATION_DAYS_AFTER_NOTICE).toBe(15);
    expect(nonPaymentTerminationAt(suspendedAt)).toEqual(plusDays(suspendedAt, 15));
  });

  const breach = { suspendedAt, regulariseBy: plusDays(suspendedAt, 7), terminateAt: plusDays(suspendedAt, 21) };
  const nonPayment = { invoiceId: 'in_1', failedAt: suspendedAt, formalNoticeAt: suspendedAt, terminateAt: plusDays(suspendedAt, 15) };
  it.each([
    ['nothing holds it', null, null, 30, 'ACTIVE', null],
    ['a breach, 20 days in', breach, null, 20, 'SUSPENDED', null],
    ['a breach, 21 days in', breach, null, 21, 'SUSPENDED', 'BREACH'],
    ['an unpaid invoice, 14 days after the notice', null, nonPayment, 14, 'SUSPENDED', null],
    ['an unpaid invoice, 15 days after the notice', null, nonPayment, 15, 'SUSPENDED', 'NON_PAYMENT'],
    ['both, 21 days in: the breach is the cause', breach, nonPayment, 21, 'SUSPENDED', 'BREACH'],
    ['an unpaid invoice without notice yet', null, { ...nonPayment, formalNoticeAt: null, terminateAt: null }, 400, 'SUSPENDED', null],
  ] as const)('[BIL-12][BIL-14] %s: status %s, termination due: %s', (_label, breachState, nonPaymentState, days, status, due) => {
    const suspensions = { breach: breachState, nonPayment: nonPaymentState };
    expect(statusFromSuspensions(suspensions)).toBe(status);
    expect(suspensionTerminationDue(suspensions, plusDays(suspendedAt, days))).toBe(due);
  });
});

describe('lifecycle rules: price revision (BIL-15)', () => {
  it.each([
    ['MONTHLY', 0, '2027-01-15', '2027-01-10T00:00:00.000Z', '2027-02-01T00:00:00.000Z', 'the next renewal is 22 days away'],
    ['MONTHLY', 0, '2027-01-15', '2027-01-17T00:00:00.000Z', '2027-02-01T00:00:00.000Z', 'exactly 15 days before the next renewal'],
    ['MONTHLY', 0, '2027-01-15', '2027-01-20T00:00:00.000Z', '2027-03-01T00:00:00.000Z', 'less than 15 days: the renewal after'],
    ['MONTHLY', 0, '2027-06-01', '2027-01-10T00:00:00.000Z', '2027-06-01T00:00:00.000Z', 'the first renewal once the revision is effective'],
    ['ANNUAL', 0, '2027-06-01', '2027-01-10T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 'annual: the yearly renewal'],
    ['ANNUAL', 0, '2027-06-01', '2027-12-20T00:00:00.000Z', '2029-01-01T00:00:00.000Z', 'annual, told 12 days before: the renewal a year later'],
  ] as const)('[BIL-15] a %s subscription (period %i) told of a revision effective %s at %s gets it from %s (%s)', (billingPeriod, currentPeriodIndex, effectiveFrom, now, expected, _why) => {
    const appliesAt = revisionAppliesAt({ anchor, billingPeriod, currentPeriodIndex, effectiveFrom: at(`${effectiveFrom}T00:00:00.000Z`), now: at(now) });
    expect(appliesAt.toISOString()).toBe(expected);
  });

  it('[BIL-15] silence for 15 days is acceptance; answers after that are refused', () => {
    const notice = revision();
    expect(priceRevisionAnswerBy(notice.noticeSentAt)).toEqual(at('2027-03-16T00:00:00.000Z'));
    expect(revisionAnswer(notice, at('2027-03-16T00:00:00.000Z'))).toBe('AWAITING_ANSWER');
    expect(revisionAnswer(notice, at('2027-03-16T00:00:01.000Z'))).toBe('ACCEPTED_BY_SILENCE');
    expect(revisionAnswer({ ...notice, response: 'KEEP_OLD_PLAN' }, at('2027-03-20T00:00:00.000Z'))).toBe('KEEP_OLD_PLAN');
    expect(revisionAnswerProblem(notice, at('2027-03-15T00:00:00.000Z'))).toBeNull();
    expect(revisionAnswerProblem(notice, at('2027-03-17T00:00:00.000Z'))).toMatch(/silence was acceptance/);
    expect(revisionAnswerProblem({ ...notice, response: 'ACCEPTED' }, at('2027-03-10T00:00:00.000Z'))).toMatch(/already answered/);
    expect(revisionAnswerProblem(null, at('2027-03-10T00:00:00.000Z'))).toMatch(/no price revision/);
  });

  const kept = revision({ response: 'KEEP_OLD_PLAN', oldPriceKeptUntil: oldPriceKeptUntil(at('2027-04-01T00:00:00.000Z')) });
  it.each([
    ['no revision', null, '2027-04-01', 9900],
    ['a period starting before the renewal it applies at', revision({ response: 'ACCEPTED' }), '2027-03-01', 9900],
    ['accepted, from the renewal', revision({ response: 'ACCEPTED' }), '2027-04-01', 10900],
    ['accepted by silence, from the renewal', revision(), '2027-04-01', 10900],
    ['old plan kept, 11 months on', kept, '2028-03-01', 9900],
    ['old plan kept, at most one year', kept, '2028-04-01', 10900],
  ] as const)('[BIL-15] %s: the period starting %s costs %i per seat', (_label, state, periodStart, price) => {
    expect(pricePerSeatFrom(state, at(`${periodStart}T00:00:00.000Z`), 9900)).toBe(price);
  });
});

describe('lifecycle rules: notices', () => {
  it('[BIL-14] the formal notice states the debt, the EUR 40 fee, the late interest and the termination date', () => {
    const mail = formalNoticeMail({
      invoiceNumber: 'LG-0001',
      amountDueCents: 35_640,
      dueAt: at('2027-03-01T00:00:00.000Z'),
      terminationAt: at('2027-03-16T00:00:00.000Z'),
      lateInterestRateBasisPoints: 1328,
      recoveryFeeCents: 4000,
    });
    expect(mail.subject).toBe('Formal notice: invoice LG-0001 is unpaid');
    expect(mail.text).toContain('EUR 356.40');
    expect(mail.text).toContain('EUR 40.00');
    expect(mail.text).toContain('13.28 % a year');
    expect(mail.text).toContain('2027-03-16');
  });

  it('[BIL-15] the price revision notice gives the new price, the renewal it applies from and the silence deadline', () => {
    const mail = priceRevisionNoticeMail({
      planName: 'Business',
      seats: 3,
      oldPricePerSeatCents: 9900,
      newPricePerSeatCents: 10900,
      appliesAt: at('2027-04-01T00:00:00.000Z'),
      answerBy: at('2027-03-16T00:00:00.000Z'),
    });
    expect(mail.subject).toBe('The price of your Business plan changes on 2027-04-01');
    expect(mail.text).toContain('EUR 109.00 per seat');
    expect(mail.text).toContain('Without an answer by 2027-03-16, the new price is accepted.');
    expect(mail.text).toContain('at most one year');
  });
});
