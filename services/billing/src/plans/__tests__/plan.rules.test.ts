import type { PlanCreditAllowance } from '../plan.model';
import { MAX_SEATS, quotePrice, seatsProblem } from '../plan.rules';

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
