import type { PlanCreditAllowance } from '../plan.model';
import {
  MAX_SEATS,
  addOnPriceCents,
  changedPlanFields,
  isAddOnCreditType,
  planEditProblem,
  pricePerSeatAt,
  priceRevisionProblem,
  quotePrice,
  seatsProblem,
} from '../plan.rules';

const business = {
  pricePerSeatCents: 9900,
  credits: [
    { creditType: 'PRO_EMAIL', perSeat: null, unlimited: true },
    { creditType: 'PHONE', perSeat: 200, unlimited: false },
    { creditType: 'DIRECT_EMAIL', perSeat: 200, unlimited: false },
    { creditType: 'EXPORT', perSeat: 2000, unlimited: false },
  ] satisfies PlanCreditAllowance[],
};

describe('plan pricing rules', () => {
  it('[BIL-02] a PREMIUM price is seats x price per seat, excluding VAT, plus VAT at the decided rate', () => {
    const quote = quotePrice(business, 3, { treatment: 'DOMESTIC', rateBasisPoints: 2000 });
    expect(quote.subtotalCents).toBe(29_700);
    expect(quote.vatCents).toBe(5_940);
    expect(quote.totalCents).toBe(35_640);
    expect(quote.pricePerSeatCents).toBe(9900);
  });

  it('[BIL-02] a reverse-charged quote carries no VAT', () => {
    const quote = quotePrice(business, 2, { treatment: 'REVERSE_CHARGE', rateBasisPoints: 0 });
    expect(quote).toMatchObject({ subtotalCents: 19_800, vatCents: 0, totalCents: 19_800 });
  });

  it('[BIL-02] subscription credits scale with the seats; unlimited ones stay unlimited', () => {
    const quote = quotePrice(business, 3, { treatment: 'OUT_OF_SCOPE', rateBasisPoints: 0 });
    expect(quote.credits).toEqual([
      { creditType: 'PRO_EMAIL', amountPerPeriod: null, unlimited: true },
      { creditType: 'PHONE', amountPerPeriod: 600, unlimited: false },
      { creditType: 'DIRECT_EMAIL', amountPerPeriod: 600, unlimited: false },
      { creditType: 'EXPORT', amountPerPeriod: 6000, unlimited: false },
    ]);
  });

  it('[BIL-02] a PREMIUM plan is bought for a whole number of seats, at least one', () => {
    expect(seatsProblem({ kind: 'PREMIUM' }, 1)).toBeNull();
    expect(seatsProblem({ kind: 'PREMIUM' }, MAX_SEATS)).toBeNull();
    expect(seatsProblem({ kind: 'PREMIUM' }, 0)).toMatch(/at least 1/);
    expect(seatsProblem({ kind: 'PREMIUM' }, 1.5)).toMatch(/whole number/);
    expect(seatsProblem({ kind: 'PREMIUM' }, MAX_SEATS + 1)).toMatch(/at most/);
  });

  it('[BIL-08] a FREEMIUM plan is personal: exactly one seat', () => {
    expect(seatsProblem({ kind: 'FREEMIUM' }, 1)).toBeNull();
    expect(seatsProblem({ kind: 'FREEMIUM' }, 2)).toMatch(/exactly 1 seat/);
  });
});

describe('plan rules: add-ons and price revisions (BIL-01, BIL-15)', () => {
  it.each([
    ['PHONE', true],
    ['DIRECT_EMAIL', true],
    ['EXPORT', true],
    ['PRO_EMAIL', false],
  ] as const)('[BIL-01] add-on credits are sold for %s: %s', (creditType, sold) => {
    expect(isAddOnCreditType(creditType)).toBe(sold);
  });

  it('[BIL-01] add-on credits cost quantity x unit price, excluding VAT', () => {
    expect(addOnPriceCents({ unitPriceCents: 40 }, 150)).toBe(6000);
  });

  const plan = { _id: 'business-monthly', pricePerSeatCents: 9900 };
  const revisions = [
    { planId: 'business-monthly', newPricePerSeatCents: 10_900, effectiveFrom: new Date('2028-03-01T00:00:00.000Z') },
    { planId: 'business-monthly', newPricePerSeatCents: 11_900, effectiveFrom: new Date('2029-03-01T00:00:00.000Z') },
    { planId: 'starter-monthly', newPricePerSeatCents: 1, effectiveFrom: new Date('2028-01-01T00:00:00.000Z') },
  ];
  it.each([
    ['2028-02-29T23:59:59.000Z', 9900],
    ['2028-03-01T00:00:00.000Z', 10_900],
    ['2030-01-01T00:00:00.000Z', 11_900],
  ])('[BIL-15] a new subscription at %s pays %i per seat (the latest revision in effect)', (at, price) => {
    expect(pricePerSeatAt(plan, revisions, new Date(at))).toBe(price);
  });

  it.each([
    [null, '2028-03-01', 'planId'],
    [{ kind: 'FREEMIUM' as const, pricePerSeatCents: 0 }, '2028-03-01', 'planId'],
    [{ kind: 'PREMIUM' as const, pricePerSeatCents: 9900 }, '2028-01-01', 'effectiveFrom'],
    [{ kind: 'PREMIUM' as const, pricePerSeatCents: 9900 }, '2028-03-01', null],
  ])('[BIL-15] announcing a revision of %j effective %s: problem on %s', (target, effectiveFrom, field) => {
    const problem = priceRevisionProblem(target, { newPricePerSeatCents: 10_900, effectiveFrom: new Date(`${effectiveFrom}T00:00:00.000Z`) }, new Date('2028-02-01T00:00:00.000Z'));
    expect(problem?.field ?? null).toBe(field);
  });
});

describe('plan edits by billing staff', () => {
  const annual = { kind: 'PREMIUM' as const, billingPeriod: 'ANNUAL' as const, pricePerSeatCents: 54_000 };

  it.each([
    ['a new plan', null, { ...annual, pricePerSeatCents: 99_000 }, null],
    ['the same price', annual, annual, null],
    ['another price', annual, { ...annual, pricePerSeatCents: 60_000 }, 'pricePerSeatCents'],
    ['another kind', annual, { ...annual, kind: 'FREEMIUM' as const }, 'kind'],
    ['another billing period', annual, { ...annual, billingPeriod: 'MONTHLY' as const }, 'billingPeriod'],
  ])('[BIL-02][BIL-15] %s', (_label, existing, edit, field) => {
    expect(planEditProblem(existing, edit)?.field ?? null).toBe(field);
  });

  it('names the fields an edit changes', () => {
    expect(changedPlanFields(null, { name: 'Scale' })).toEqual(['created']);
    expect(changedPlanFields({ name: 'Scale', available: true, sortOrder: 1 }, { name: 'Scale', available: false, sortOrder: 1 })).toEqual(['available']);
  });
});
