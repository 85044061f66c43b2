import { userCaller } from '@leadgraph/platform/src/testing';
import { cardPaymentMethod, startBillingUnderTest, workspaceAdmin, type BillingUnderTest } from './subscriptions-harness';

const SAVE_PLAN = `mutation($input: SavePlanInput!) { savePlan(input: $input) { id name pricePerSeatCents credits { creditType perSeat unlimited } rolloverUnusedCredits } }`;
const PLANS = '{ plans { id name } }';

const scaleAnnual = {
  id: 'scale-annual',
  tier: 'SCALE',
  name: 'Scale',
  kind: 'PREMIUM',
  billingPeriod: 'ANNUAL',
  pricePerSeatCents: 150_000,
  credits: [
    { creditType: 'PRO_EMAIL', perSeat: null, unlimited: true },
    { creditType: 'PHONE', perSeat: 5_000, unlimited: false },
    { creditType: 'DIRECT_EMAIL', perSeat: 5_000, unlimited: false },
    { creditType: 'EXPORT', perSeat: 20_000, unlimited: false },
  ],
  rolloverUnusedCredits: true,
  available: true,
  sortOrder: 40,
};

describe('plan catalogue edited by billing staff (BIL-02)', () => {
  let h: BillingUnderTest;
  const billingAdmin = userCaller({ staffRoles: ['BILLING_ADMIN'] });

  beforeAll(async () => {
    h = await startBillingUnderTest();
  });
  afterAll(async () => {
    await h.stop();
  });

  const planIds = async () => ((await h.call<{ plans: Array<{ id: string }> }>(userCaller(), PLANS)).data?.plans ?? []).map((plan) => plan.id);

  it('[BIL-02] billing staff add a plan, which is offered at once, and only staff may', async () => {
    const refused = await h.call(userCaller(), SAVE_PLAN, { input: scaleAnnual });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await planIds()).not.toContain('scale-annual');

    const saved = await h.call<{ savePlan: { id: string; pricePerSeatCents: number } }>(billingAdmin, SAVE_PLAN, { input: scaleAnnual });
    expect(saved.errors).toBeUndefined();
    expect(saved.data?.savePlan).toMatchObject({ id: 'scale-annual', pricePerSeatCents: 150_000 });
    expect(await planIds()).toContain('scale-annual');
    const stored = await h.billing.infra.connection.collection('plans').findOne({ _id: 'scale-annual' as never });
    expect(stored).toMatchObject({ revision: 1, edits: [{ byUserId: billingAdmin.userId, fields: ['created'] }] });
  });

  it('[BIL-02][BIL-15] an edit bumps the revision and is kept across restarts; the price of an existing plan only moves by a price revision', async () => {
    const renamed = await h.call<{ savePlan: { name: string; credits: Array<{ creditType: string; perSeat: number | null }> } }>(billingAdmin, SAVE_PLAN, {
      input: { ...scaleAnnual, name: 'Scale (2027)', credits: scaleAnnual.credits.map((allowance) => (allowance.creditType === 'PHONE' ? { ...allowance, perSeat: 6_000 } : allowance)) },
    });
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data?.savePlan.credits.find((allowance) => allowance.creditType === 'PHONE')?.perSeat).toBe(6_000);
    const stored = await h.billing.infra.connection.collection('plans').findOne({ _id: 'scale-annual' as never });
    expect(stored).toMatchObject({ revision: 2, name: 'Scale (2027)' });
    expect((stored?.edits as Array<{ fields: string[] }>)[1]?.fields).toEqual(['name', 'credits']);

    const repriced = await h.call(billingAdmin, SAVE_PLAN, { input: { ...scaleAnnual, pricePerSeatCents: 160_000 } });
    expect(repriced.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'pricePerSeatCents' });

    // A shipped catalogue row never overwrites a staff edit (start-up seeding runs again).
    await h.billing.plans.seedCatalogue();
    const edited = await h.call<{ savePlan: { name: string } }>(billingAdmin, SAVE_PLAN, { input: { ...scaleAnnual, name: 'Scale (2027)' } });
    expect(edited.errors).toBeUndefined();
    const starter = await h.billing.infra.connection.collection('plans').findOne({ _id: 'starter-annual' as never });
    expect(starter?.revision).toBe(1);
  });

  it('[BIL-02] bad plans are refused naming the field, and nothing is written', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...scaleAnnual, id: 'Bad Id' }, 'id'],
      [{ ...scaleAnnual, id: 'free-but-paid', kind: 'FREEMIUM' }, 'pricePerSeatCents'],
      [{ ...scaleAnnual, id: 'absurd', pricePerSeatCents: 1_000_000_000 }, 'pricePerSeatCents'],
      [{ ...scaleAnnual, id: 'missing-type', credits: scaleAnnual.credits.slice(1) }, 'credits'],
      [{ ...scaleAnnual, id: 'nameless', name: ' ' }, 'name'],
    ];
    for (const [input, field] of cases) {
      const answer = await h.call(billingAdmin, SAVE_PLAN, { input });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await h.billing.infra.connection.collection('plans').countDocuments({ _id: { $in: ['free-but-paid', 'absurd', 'missing-type', 'nameless'] } as never })).toBe(0);
  });

  it('[BIL-02] a retired plan is no longer offered nor sold', async () => {
    const retired = await h.call(billingAdmin, SAVE_PLAN, { input: { ...scaleAnnual, name: 'Scale (2027)', available: false } });
    expect(retired.errors).toBeUndefined();
    expect(await planIds()).not.toContain('scale-annual');
    const admin = workspaceAdmin();
    const bought = await h.call(admin, 'mutation($input: SubscribeInput!) { subscribe(input: $input) { outcome } }', {
      input: { planId: 'scale-annual', seats: 1, billingCountry: 'FR', paymentMethodId: await cardPaymentMethod(h), billingEmail: 'billing@acme-industries.test' },
    });
    expect(bought.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'planId' });
  });
});
