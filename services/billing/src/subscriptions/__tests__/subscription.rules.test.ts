import { addCalendarMonths, type DomainError } from '@leadgraph/platform';
import { apiTokenCaller, userCaller } from '@leadgraph/platform/src/testing';
import type { PlanCreditAllowance } from '../../plans/plan.model';
import {
  assertMayReadBilling,
  classifyPlanChange,
  creditsForPeriod,
  endOfTermChange,
  eventStatusOf,
  noticeDeadline,
  periodAt,
  periodContaining,
  splitGrant,
  subscribeInputSchema,
  upgradeCharge,
  wholeMonthsBetween,
  workspaceAdminOf,
  type SubscriptionTerms,
} from '../subscription.rules';

const at = (iso: string) => new Date(iso);
const allowances = (phone: number, directEmail: number, exportCredits: number): PlanCreditAllowance[] => [
  { creditType: 'PRO_EMAIL', perSeat: null, unlimited: true },
  { creditType: 'PHONE', perSeat: phone, unlimited: false },
  { creditType: 'DIRECT_EMAIL', perSeat: directEmail, unlimited: false },
  { creditType: 'EXPORT', perSeat: exportCredits, unlimited: false },
];
const plan = (planId: string, billingPeriod: 'MONTHLY' | 'ANNUAL', pricePerSeatCents: number, seats: number, credits = allowances(100, 100, 1000)) => ({
  planId,
  kind: 'PREMIUM' as const,
  billingPeriod,
  pricePerSeatCents,
  seats,
  credits,
});

describe('subscription rules: periods (BIL-02, BIL-05)', () => {
  it.each([
    ['2027-01-31T10:00:00.000Z', 1, '2027-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2027-03-31T00:00:00.000Z', -1, '2027-02-28T00:00:00.000Z'],
    ['2026-11-23T09:00:00.000Z', 12, '2027-11-23T09:00:00.000Z'],
    ['2026-12-15T00:00:00.000Z', 1, '2027-01-15T00:00:00.000Z'],
  ])('%s plus %i month(s) is %s (month ends clamp)', (from, months, expected) => {
    expect(addCalendarMonths(at(from), months).toISOString()).toBe(expected);
  });

  it.each([
    ['MONTHLY', 0, '2027-01-31T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
    ['MONTHLY', 1, '2027-02-28T00:00:00.000Z', '2027-03-31T00:00:00.000Z'],
    ['MONTHLY', 2, '2027-03-31T00:00:00.000Z', '2027-04-30T00:00:00.000Z'],
    ['ANNUAL', 1, '2028-01-31T00:00:00.000Z', '2029-01-31T00:00:00.000Z'],
  ] as const)('[BIL-05] a %s period %i anchored on 31 January runs from %s to %s, without drifting', (billingPeriod, index, start, end) => {
    const period = periodAt(at('2027-01-31T00:00:00.000Z'), billingPeriod, index);
    expect({ start: period.start.toISOString(), end: period.end.toISOString() }).toEqual({ start, end });
  });

  it.each([
    ['2027-01-31T00:00:00.000Z', 0],
    ['2027-02-27T23:59:59.999Z', 0],
    ['2027-02-28T00:00:00.000Z', 1],
    ['2027-05-01T00:00:00.000Z', 3],
  ])('at %s the current monthly period is number %i (an end belongs to the next period)', (now, index) => {
    expect(periodContaining(at('2027-01-31T00:00:00.000Z'), 'MONTHLY', at(now)).index).toBe(index);
  });

  it.each([
    ['2027-06-11T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 6],
    ['2027-06-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 7],
    ['2027-12-02T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 0],
    ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 12],
  ])('from %s to %s there are %i whole months', (from, to, months) => {
    expect(wholeMonthsBetween(at(from), at(to))).toBe(months);
  });

  it('[BIL-02] a period grants the plan credits per seat; unlimited ones are the fair-use cap per seat and month (BIL-07)', () => {
    expect(creditsForPeriod({ billingPeriod: 'MONTHLY', credits: allowances(200, 200, 2000) }, 3)).toEqual([
      { creditType: 'PRO_EMAIL', amount: 30_000, unlimited: true },
      { creditType: 'PHONE', amount: 600, unlimited: false },
      { creditType: 'DIRECT_EMAIL', amount: 600, unlimited: false },
      { creditType: 'EXPORT', amount: 6000, unlimited: false },
    ]);
    expect(creditsForPeriod({ billingPeriod: 'ANNUAL', credits: allowances(2400, 0, 24000) }, 1)).toEqual([
      { creditType: 'PRO_EMAIL', amount: 120_000, unlimited: true },
      { creditType: 'PHONE', amount: 2400, unlimited: false },
      { creditType: 'EXPORT', amount: 24000, unlimited: false },
    ]);
  });
});

describe('subscription rules: plan changes (BIL-02, BIL-09, BIL-10)', () => {
  const current: SubscriptionTerms = { planId: 'business-monthly', kind: 'PREMIUM', billingPeriod: 'MONTHLY', pricePerSeatCents: 9900, seats: 2 };
  it.each<[string, Partial<SubscriptionTerms>, string, string | null]>([
    ['more seats', { seats: 3 }, 'UPGRADE', null],
    ['a dearer tier', { planId: 'organization-monthly', pricePerSeatCents: 12000 }, 'UPGRADE', null],
    ['fewer seats', { seats: 1 }, 'DOWNGRADE', null],
    ['a cheaper tier', { planId: 'starter-monthly', pricePerSeatCents: 6500 }, 'DOWNGRADE', null],
    ['a cheaper tier with more seats for less money', { planId: 'starter-monthly', pricePerSeatCents: 6500, seats: 3 }, 'REFUSED', 'seats'],
    ['the same plan and seats', {}, 'REFUSED', 'planId'],
    ['the annual variant', { planId: 'business-annual', billingPeriod: 'ANNUAL', pricePerSeatCents: 94800 }, 'REFUSED', 'planId'],
    ['FREEMIUM', { planId: 'freemium-monthly', kind: 'FREEMIUM', pricePerSeatCents: 0, seats: 1 }, 'REFUSED', 'planId'],
  ])('[BIL-09] changing to %s (%j) is %s', (_label, change, kind, field) => {
    const decision = classifyPlanChange(current, { ...current, ...change });
    expect(decision.kind).toBe(kind);
    expect(decision.kind === 'REFUSED' ? decision.field : null).toBe(field);
  });

  it.each([
    {
      rule: 'annual plan: the yearly difference pro rata of the 6 whole months left, extra credits pro rata of the 204 days left',
      current: plan('business-annual', 'ANNUAL', 94800, 1, allowances(2400, 2400, 24000)),
      target: plan('organization-annual', 'ANNUAL', 118800, 1, allowances(4800, 4800, 48000)),
      now: '2027-06-11T00:00:00.000Z',
      expected: {
        amountCents: 12_000,
        monthsCharged: 6,
        extraCredits: [
          { creditType: 'PHONE', amount: 1341, unlimited: false },
          { creditType: 'DIRECT_EMAIL', amount: 1341, unlimited: false },
          { creditType: 'EXPORT', amount: 13413, unlimited: false },
        ],
      },
    },
    {
      rule: 'annual plan: one more seat in the last month is free (no whole month left) with a few days of credits',
      current: plan('starter-annual', 'ANNUAL', 54000, 1, allowances(1200, 0, 0)),
      target: plan('starter-annual', 'ANNUAL', 54000, 2, allowances(1200, 0, 0)),
      now: '2027-12-22T00:00:00.000Z',
      expected: {
        amountCents: 0,
        monthsCharged: 0,
        extraCredits: [
          { creditType: 'PRO_EMAIL', amount: 3287, unlimited: true },
          { creditType: 'PHONE', amount: 32, unlimited: false },
        ],
      },
    },
    {
      rule: 'annual plan: the pro rata price is rounded half up to the cent',
      current: plan('a', 'ANNUAL', 10_000, 1, allowances(0, 0, 0)),
      target: plan('b', 'ANNUAL', 20_003, 1, allowances(0, 0, 0)),
      now: '2027-08-01T00:00:00.000Z',
      expected: { amountCents: 4168, monthsCharged: 5, extraCredits: [] },
    },
    {
      rule: 'monthly plan: the full difference and the full extra credits, whatever the day',
      current: plan('business-monthly', 'MONTHLY', 9900, 2, allowances(200, 200, 2000)),
      target: plan('business-monthly', 'MONTHLY', 9900, 3, allowances(200, 200, 2000)),
      now: '2027-01-30T00:00:00.000Z',
      expected: {
        amountCents: 9900,
        monthsCharged: 1,
        extraCredits: [
          { creditType: 'PRO_EMAIL', amount: 10_000, unlimited: true },
          { creditType: 'PHONE', amount: 200, unlimited: false },
          { creditType: 'DIRECT_EMAIL', amount: 200, unlimited: false },
          { creditType: 'EXPORT', amount: 2000, unlimited: false },
        ],
      },
    },
  ])('[BIL-09] $rule', ({ current: from, target, now, expected }) => {
    const period = from.billingPeriod === 'ANNUAL'
      ? { start: at('2027-01-01T00:00:00.000Z'), end: at('2028-01-01T00:00:00.000Z') }
      : { start: at('2027-01-01T00:00:00.000Z'), end: at('2027-02-01T00:00:00.000Z') };
    expect(upgradeCharge({ current: from, target, period, now: at(now) })).toEqual(expected);
  });
});

describe('subscription rules: notice windows for downgrades and cancellations (BIL-10)', () => {
  const monthlyAnchor = at('2027-01-01T00:00:00.000Z');
  const monthly = periodAt(monthlyAnchor, 'MONTHLY', 0);
  const annual = periodAt(monthlyAnchor, 'ANNUAL', 0);

  it('[BIL-10] the deadline is 48 hours before a monthly end and one month before an annual end', () => {
    expect(noticeDeadline(monthly.end, 'MONTHLY').toISOString()).toBe('2027-01-30T00:00:00.000Z');
    expect(noticeDeadline(annual.end, 'ANNUAL').toISOString()).toBe('2027-12-01T00:00:00.000Z');
  });

  it.each([
    ['MONTHLY', '2027-01-29T23:00:00.000Z', '49 hours', '2027-02-01T00:00:00.000Z', false],
    ['MONTHLY', '2027-01-30T00:00:00.000Z', 'exactly 48 hours', '2027-02-01T00:00:00.000Z', false],
    ['MONTHLY', '2027-01-30T01:00:00.000Z', '47 hours', '2027-03-01T00:00:00.000Z', true],
    ['ANNUAL', '2027-11-30T12:00:00.000Z', 'one month and a half day', '2028-01-01T00:00:00.000Z', false],
    ['ANNUAL', '2027-12-01T00:00:00.000Z', 'exactly one month', '2028-01-01T00:00:00.000Z', false],
    ['ANNUAL', '2027-12-01T00:00:01.000Z', 'one second less than a month', '2029-01-01T00:00:00.000Z', true],
  ] as const)('[BIL-10] a %s change asked at %s (%s before the end) takes effect at %s; renews first: %s', (billingPeriod, now, _label, effectiveAt, renewsFirst) => {
    const current = billingPeriod === 'MONTHLY' ? monthly : annual;
    const change = endOfTermChange(monthlyAnchor, billingPeriod, current, at(now));
    expect({ effectiveAt: change.effectiveAt.toISOString(), renewsFirst: change.renewsFirst }).toEqual({ effectiveAt, renewsFirst });
    expect(change.lastPeriodIndex).toBe(renewsFirst ? 1 : 0);
  });
});

describe('subscription rules: grants the ledger takes in parts (BIL-05, BIL-07)', () => {
  it.each([
    [999, [{ key: 'k', amount: 999 }]],
    [1000, [{ key: 'k', amount: 1000 }]],
    [2500, [{ key: 'k#1', amount: 1000 }, { key: 'k#2', amount: 1000 }, { key: 'k#3', amount: 500 }]],
  ])('[BIL-05] a grant of %i with at most 1000 a line is written as %j', (amount, parts) => {
    expect(splitGrant('k', amount, 1000)).toEqual(parts);
  });

  it('[BIL-07] 1000 seats of the largest annual plan fit the ledger in parts', () => {
    const fairUse = creditsForPeriod({ billingPeriod: 'ANNUAL', credits: allowances(4800, 4800, 48000) }, 1000).find((grant) => grant.unlimited);
    expect(fairUse?.amount).toBe(120_000_000);
    const parts = splitGrant('k', fairUse?.amount ?? 0);
    expect(parts).toHaveLength(120);
    expect(parts.reduce((sum, part) => sum + part.amount, 0)).toBe(120_000_000);
  });
});

describe('subscription rules: who may do what (BIL-02, ACC-08)', () => {
  const admin = userCaller({ workspaceId: 'ws-1', workspaceRole: 'ADMIN' });
  const member = userCaller({ workspaceId: 'ws-1', workspaceRole: 'MEMBER' });
  const token = apiTokenCaller({ workspaceId: 'ws-1', userId: admin.userId, scopes: ['billing:read'] });

  it.each([
    ['a workspace administrator', admin, null],
    ['a member', member, 'FORBIDDEN'],
    ['a user without a workspace', userCaller(), 'FORBIDDEN'],
    ['a partner token, even with billing:read', token, 'FORBIDDEN'],
    ['an anonymous caller', { kind: 'anonymous' as const }, 'UNAUTHENTICATED'],
  ])('[BIL-02] %s changing the subscription: %s', (_label, caller, code) => {
    const failure = (() => {
      try {
        workspaceAdminOf(caller);
        return null;
      } catch (error) {
        return error as DomainError;
      }
    })();
    expect(failure?.code ?? null).toBe(code);
  });

  it.each([
    ['the administrator', admin, { ownerType: 'WORKSPACE' as const, ownerId: 'ws-1' }, null],
    ['a member', member, { ownerType: 'WORKSPACE' as const, ownerId: 'ws-1' }, 'FORBIDDEN'],
    ['a billing:read token of the workspace', token, { ownerType: 'WORKSPACE' as const, ownerId: 'ws-1' }, null],
    ['a billing:read token of another workspace', token, { ownerType: 'WORKSPACE' as const, ownerId: 'ws-2' }, 'FORBIDDEN'],
    ['a token without billing:read', apiTokenCaller({ workspaceId: 'ws-1', scopes: ['contacts:read'] }), { ownerType: 'WORKSPACE' as const, ownerId: 'ws-1' }, 'FORBIDDEN'],
    ['the user, for their FREEMIUM', admin, { ownerType: 'USER' as const, ownerId: admin.userId }, null],
    ['another user, for a FREEMIUM', member, { ownerType: 'USER' as const, ownerId: admin.userId }, 'FORBIDDEN'],
  ])('[ACC-08] %s reading billing: %s', (_label, caller, owner, code) => {
    const failure = (() => {
      try {
        assertMayReadBilling(caller, owner);
        return null;
      } catch (error) {
        return error as DomainError;
      }
    })();
    expect(failure?.code ?? null).toBe(code);
  });

  it.each([
    [{ status: 'ACTIVE' as const, scheduledChange: null }, 'ACTIVE'],
    [{ status: 'ACTIVE' as const, scheduledChange: { kind: 'DOWNGRADE' as const } }, 'ACTIVE'],
    [{ status: 'ACTIVE' as const, scheduledChange: { kind: 'CANCELLATION' as const } }, 'CANCELLING'],
    [{ status: 'SUSPENDED' as const, scheduledChange: { kind: 'EARLY_TERMINATION' as const } }, 'SUSPENDED'],
  ])('[BIL-10] SubscriptionChanged reports %j as %s', (subscription, status) => {
    expect(eventStatusOf(subscription)).toBe(status);
  });

  it.each([
    [{ seats: 2.5 }, 'seats'],
    [{ billingCountry: 'FRA' }, 'billingCountry'],
    [{ paymentMethodId: 'tok_visa' }, 'paymentMethodId'],
    [{ billingEmail: 'nope' }, 'billingEmail'],
    [{ planId: '' }, 'planId'],
  ])('[BIL-02] a purchase input %j is refused on %s before anything is read', (change, field) => {
    const valid = { planId: 'business-monthly', seats: 2, billingCountry: 'fr', vatNumber: 'fr 12 345678901', paymentMethodId: 'pm_123abc', billingEmail: 'Billing@Acme.test' };
    expect(subscribeInputSchema.parse(valid)).toMatchObject({ billingCountry: 'FR', vatNumber: 'FR12345678901', billingEmail: 'billing@acme.test' });
    expect(subscribeInputSchema.safeParse({ ...valid, ...change }).error?.issues[0]?.path).toEqual([field]);
  });
});
