import type { RunningService } from '@leadgraph/platform';
import { callSubgraph, probe, serviceTestEnv, testClock, testLogger } from '@leadgraph/platform/src/testing';
import { loadPrivacyConfig, type PrivacyConfig } from '../src/config';
import { startPrivacyService } from '../src/main';
import { retentionRuleModel } from '../src/retention-schedule/retention-schedule.model';
import { subProcessorModel } from '../src/sub-processors/sub-processor.model';

interface SubProcessorView {
  name: string;
  purpose: string;
  location: string;
  country: string;
  transferSafeguard: string;
  dataCategories: string[];
}
interface RetentionRuleView {
  dataCategory: string;
  limits: Array<{ trigger: string; months: number }>;
  enforcedBy: string;
  action: string;
  note: string | null;
}

describe('privacy subgraph: sub-processors and retention schedule', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let config: PrivacyConfig;
  let privacy: RunningService;

  beforeAll(async () => {
    config = loadPrivacyConfig(serviceTestEnv('privacy'));
    privacy = await startPrivacyService(config, { clock, logger: testLogger('privacy') });
  });
  afterAll(async () => {
    await privacy.infra.connection.dropDatabase();
    await privacy.stop();
  });

  const anonymously = <T>(query: string) => callSubgraph<T>(privacy.url, query, { caller: { kind: 'anonymous' }, now: clock.now() });

  it('serves /healthz and /readyz', async () => {
    expect((await probe(privacy.url, '/healthz')).body).toEqual({ status: 'ok', service: 'privacy' });
    expect(await probe(privacy.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { mongo: true, nats: true } } });
  });

  it('[PRV-09] the sub-processor list (name, purpose, location, data categories) is public', async () => {
    const answer = await anonymously<{ subProcessors: SubProcessorView[] }>(
      '{ subProcessors { name purpose location country transferSafeguard dataCategories } }',
    );
    expect(answer.errors).toBeUndefined();
    const list = answer.data?.subProcessors ?? [];
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.find((processor) => processor.name.startsWith('Stripe'))).toEqual({
      name: 'Stripe Payments Europe Ltd',
      purpose: 'Payment processing (card, SEPA direct debit); card data never reaches us',
      location: 'Dublin, Ireland',
      country: 'IE',
      transferSafeguard: 'WITHIN_EEA',
      dataCategories: ['IDENTITY', 'BILLING', 'PAYMENT'],
    });
    // Outside the EEA a transfer safeguard is always stated.
    for (const processor of list.filter((candidate) => candidate.country === 'US')) {
      expect(processor.transferSafeguard).not.toBe('WITHIN_EEA');
    }
  });

  it('[PRV-07] the retention schedule is public data with every category of the policy', async () => {
    const answer = await anonymously<{ retentionSchedule: RetentionRuleView[] }>(
      '{ retentionSchedule { dataCategory description limits { trigger months } action enforcedBy note } }',
    );
    expect(answer.errors).toBeUndefined();
    const byCategory = new Map((answer.data?.retentionSchedule ?? []).map((rule) => [rule.dataCategory, rule]));
    expect(byCategory.get('ENQUIRIES')?.limits).toEqual([{ trigger: 'LAST_CONTACT', months: 60 }]);
    expect(byCategory.get('ACCOUNT_DATA')?.limits).toEqual([{ trigger: 'RELATIONSHIP_END', months: 60 }]);
    expect(byCategory.get('ACCOUNTING')).toMatchObject({ limits: [{ trigger: 'FISCAL_YEAR_END', months: 120 }], enforcedBy: 'billing' });
    expect(byCategory.get('MARKETING')?.limits).toEqual([
      { trigger: 'RELATIONSHIP_END', months: 36 },
      { trigger: 'OPT_OUT', months: 0 },
    ]);
    expect(byCategory.get('REFERRAL_INVITATIONS')?.limits).toEqual([{ trigger: 'SENT_WITHOUT_RESPONSE', months: 3 }]);
    expect(byCategory.get('ANALYTICS_RAW')).toMatchObject({
      limits: [{ trigger: 'COLLECTION', months: 25 }],
      enforcedBy: 'analytics',
      note: 'Anonymous aggregates may be kept',
    });
    expect(byCategory.get('BUSINESS_PROFILES')).toMatchObject({ limits: [{ trigger: 'LAST_UPDATE', months: 60 }], enforcedBy: 'contacts' });
    expect(byCategory.get('PRIVACY_REQUESTS')).toMatchObject({ limits: [{ trigger: 'REQUEST_CLOSED', months: 60 }], enforcedBy: 'privacy' });
    expect(new Set([...byCategory.values()].map((rule) => rule.action))).toEqual(new Set(['DELETE']));
  });

  it('[PRV-07] [PRV-09] both lists are seeded idempotently: a restart duplicates nothing, newer rows win', async () => {
    const subProcessors = subProcessorModel(privacy.infra.connection);
    const rules = retentionRuleModel(privacy.infra.connection);
    const shippedBrevo = await subProcessors.findById('brevo').lean();
    // One row carries a newer revision than the shipped one, another an older one.
    await subProcessors.updateOne({ _id: 'stripe' }, { $set: { revision: 99, location: 'Dublin, Ireland (EU)' } });
    await subProcessors.updateOne({ _id: 'brevo' }, { $set: { revision: 0, purpose: 'outdated purpose' } });
    const before = { stripe: await subProcessors.findById('stripe').lean(), rules: await rules.find().sort({ _id: 1 }).lean() };

    const restarted = await startPrivacyService({ ...config, PORT: 0 }, { clock, logger: testLogger('privacy-2') });
    await restarted.stop();

    expect(await subProcessors.countDocuments()).toBe(5);
    expect(await rules.find().sort({ _id: 1 }).lean()).toEqual(before.rules);
    expect(await subProcessors.findById('stripe').lean()).toEqual(before.stripe);
    expect(await subProcessors.findById('brevo').lean()).toEqual(shippedBrevo);
  });
});
