import type { Caller, RunningService } from '@leadgraph/platform';
import {
  callSubgraph,
  probe,
  serviceTestEnv,
  testClock,
  testLogger,
  uniqueName,
  userCaller,
} from '@leadgraph/platform/src/testing';
import { loadBillingConfig, type BillingConfig } from '../src/config';
import { startBillingService } from '../src/main';
import { planModel } from '../src/plans/plan.model';

interface PlanView {
  id: string;
  tier: string;
  kind: string;
  billingPeriod: string;
  pricePerSeatCents: number;
  rolloverUnusedCredits: boolean;
  credits: Array<{ creditType: string; perSeat: number | null; unlimited: boolean }>;
}
interface BalanceView {
  creditType: string;
  balance: number;
  unlimited: boolean;
  nearestExpiry: string | null;
}

const PLAN_FIELDS = 'id tier kind billingPeriod pricePerSeatCents rolloverUnusedCredits credits { creditType perSeat unlimited }';
const QUOTE = `query Quote($planId: ID!, $seats: Int!, $country: String!, $vatNumber: String) {
  quotePlanPrice(planId: $planId, seats: $seats, country: $country, vatNumber: $vatNumber) {
    plan { id } seats currency pricePerSeatCents subtotalCents vatTreatment vatRateBasisPoints vatCents totalCents
    credits { creditType amountPerPeriod unlimited }
  }
}`;
const ENTITY_CREDITS = `query Credits($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id credits { creditType balance unlimited nearestExpiry } }
    ... on Workspace { id credits { creditType balance unlimited nearestExpiry } }
  }
}`;

describe('billing subgraph: plan catalogue, quotes and credit balances', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let config: BillingConfig;
  let billing: RunningService;

  beforeAll(async () => {
    config = loadBillingConfig(serviceTestEnv('billing'));
    billing = await startBillingService(config, { clock, logger: testLogger('billing') });
  });
  afterAll(async () => {
    await billing.infra.connection.dropDatabase();
    await billing.stop();
  });

  const call = <T>(query: string, variables: Record<string, unknown> = {}, caller: Caller = userCaller()) =>
    callSubgraph<T>(billing.url, query, { variables, caller, now: clock.now() });

  it('serves /healthz and /readyz', async () => {
    expect(await probe(billing.url, '/healthz')).toEqual({ status: 200, body: { status: 'ok', service: 'billing' } });
    const ready = await probe(billing.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongo: true, nats: true });
  });

  it('[BIL-02] the catalogue offers FREEMIUM and three PREMIUM tiers, monthly and annual, with credits per type', async () => {
    const answer = await call<{ plans: PlanView[] }>(`{ plans { ${PLAN_FIELDS} } }`, {}, { kind: 'anonymous' });
    expect(answer.errors).toBeUndefined();
    const plans = answer.data?.plans ?? [];
    expect(plans.filter((plan) => plan.kind === 'FREEMIUM').map((plan) => plan.pricePerSeatCents)).toEqual([0]);
    const premiumTiers = new Set(plans.filter((plan) => plan.kind === 'PREMIUM').map((plan) => plan.tier));
    expect([...premiumTiers].sort()).toEqual(['BUSINESS', 'ORGANIZATION', 'STARTER']);
    for (const tier of premiumTiers) {
      const periods = plans.filter((plan) => plan.tier === tier).map((plan) => plan.billingPeriod);
      expect(periods.sort()).toEqual(['ANNUAL', 'MONTHLY']);
    }
    for (const plan of plans) {
      expect(plan.credits.map((allowance) => allowance.creditType).sort()).toEqual(['DIRECT_EMAIL', 'EXPORT', 'PHONE', 'PRO_EMAIL']);
    }
    expect(plans.some((plan) => plan.rolloverUnusedCredits)).toBe(true);
    const starterAnnual = plans.find((plan) => plan.id === 'starter-annual');
    expect(starterAnnual?.credits.find((allowance) => allowance.creditType === 'PHONE')).toEqual({
      creditType: 'PHONE',
      perSeat: 1200,
      unlimited: false,
    });
  });

  it('[BIL-02] the catalogue is data in the plans collection, seeded idempotently at start-up', async () => {
    const plans = planModel(billing.infra.connection);
    const before = await plans.find().sort({ _id: 1 }).lean();
    // A second instance on the same database seeds again: nothing is duplicated or changed.
    const second = await startBillingService({ ...config, PORT: 0 }, { clock, logger: testLogger('billing-2') });
    await second.stop();
    const after = await plans.find().sort({ _id: 1 }).lean();
    expect(after).toEqual(before);
    expect(after.length).toBeGreaterThanOrEqual(7);

    const one = await call<{ plan: PlanView | null; missing: PlanView | null }>(
      `{ plan: plan(id: "business-monthly") { ${PLAN_FIELDS} } missing: plan(id: "no-such-plan") { id } }`,
    );
    expect(one.data?.plan).toMatchObject({ id: 'business-monthly', tier: 'BUSINESS', kind: 'PREMIUM', pricePerSeatCents: 9900 });
    expect(one.data?.missing).toBeNull();
  });

  it('[BIL-02] a quote for a French business is seats x price per seat plus 20 % VAT, with credits scaled by seats', async () => {
    const answer = await call<{ quotePlanPrice: Record<string, unknown> }>(QUOTE, {
      planId: 'business-monthly',
      seats: 3,
      country: 'fr',
      vatNumber: 'FR 12 345678901',
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.quotePlanPrice).toEqual({
      plan: { id: 'business-monthly' },
      seats: 3,
      currency: 'EUR',
      pricePerSeatCents: 9900,
      subtotalCents: 29_700,
      vatTreatment: 'DOMESTIC',
      vatRateBasisPoints: 2000,
      vatCents: 5_940,
      totalCents: 35_640,
      credits: [
        { creditType: 'PRO_EMAIL', amountPerPeriod: null, unlimited: true },
        { creditType: 'PHONE', amountPerPeriod: 600, unlimited: false },
        { creditType: 'DIRECT_EMAIL', amountPerPeriod: 600, unlimited: false },
        { creditType: 'EXPORT', amountPerPeriod: 6000, unlimited: false },
      ],
    });
  });

  it('[BIL-02] an EU business with a VAT number is reverse-charged; without one it pays its own rate', async () => {
    const reverse = await call<{ quotePlanPrice: Record<string, unknown> }>(QUOTE, {
      planId: 'starter-annual',
      seats: 2,
      country: 'DE',
      vatNumber: 'DE123456789',
    });
    expect(reverse.data?.quotePlanPrice).toMatchObject({ subtotalCents: 108_000, vatTreatment: 'REVERSE_CHARGE', vatCents: 0, totalCents: 108_000 });
    const consumer = await call<{ quotePlanPrice: Record<string, unknown> }>(QUOTE, { planId: 'starter-annual', seats: 1, country: 'DE' });
    expect(consumer.data?.quotePlanPrice).toMatchObject({ vatTreatment: 'DESTINATION_RATE', vatRateBasisPoints: 1900, vatCents: 10_260 });
    const outside = await call<{ quotePlanPrice: Record<string, unknown> }>(QUOTE, { planId: 'starter-monthly', seats: 1, country: 'US' });
    expect(outside.data?.quotePlanPrice).toMatchObject({ vatTreatment: 'OUT_OF_SCOPE', vatCents: 0, totalCents: 6500 });
  });

  it.each([
    [{ planId: 'business-monthly', seats: 0, country: 'FR' }, 'seats'],
    [{ planId: 'freemium-monthly', seats: 2, country: 'FR' }, 'seats'],
    [{ planId: 'business-monthly', seats: 1, country: 'France' }, 'country'],
    [{ planId: 'no-such-plan', seats: 1, country: 'FR' }, 'planId'],
    [{ planId: 'business-monthly', seats: 1, country: 'DE', vatNumber: 'FR12345678901' }, 'vatNumber'],
  ])('[BIL-02] a bad quote request %j is BAD_USER_INPUT naming %s', async (variables, field) => {
    const answer = await call(QUOTE, variables);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(answer.errors?.[0]?.message).toMatch(new RegExp(`^${field}: `));
  });

  it('[BIL-01] a user with an empty ledger has a zero balance for each of the four credit types', async () => {
    const caller = userCaller();
    const answer = await call<{ _entities: Array<{ id: string; credits: BalanceView[] }> }>(
      ENTITY_CREDITS,
      { representations: [{ __typename: 'User', id: caller.userId }] },
      caller,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual([
      {
        id: caller.userId,
        credits: ['PRO_EMAIL', 'PHONE', 'DIRECT_EMAIL', 'EXPORT'].map((creditType) => ({
          creditType,
          balance: 0,
          unlimited: false,
          nearestExpiry: null,
        })),
      },
    ]);
  });

  it('[BIL-08] only the owner reads credits: another user is FORBIDDEN, an anonymous caller UNAUTHENTICATED', async () => {
    const representations = [{ __typename: 'User', id: uniqueName('someone-else') }];
    const other = await call(ENTITY_CREDITS, { representations }, userCaller());
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await call(ENTITY_CREDITS, { representations }, { kind: 'anonymous' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
