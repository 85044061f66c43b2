import {
  categoriesOfChoice,
  consentExpiresAt,
  currentConsent,
  isConsentExpired,
  noOptionalConsent,
  recordConsentInputSchema,
  withdrawnCategories,
  type ConsentCategories,
  type OptionalConsentCategory,
  type RecordableConsentMethod,
  type StoredChoice,
} from '../consent.rules';

const all: ConsentCategories = { analytics: true, functionality: true, targeting: true };

describe('[PRV-06] consent rules', () => {
  it.each<[RecordableConsentMethod, OptionalConsentCategory[], ConsentCategories]>([
    ['ACCEPT', [], all],
    ['REJECT', ['ANALYTICS'], noOptionalConsent],
    ['SAVE', [], noOptionalConsent],
    ['SAVE', ['ANALYTICS', 'TARGETING'], { analytics: true, functionality: false, targeting: true }],
    ['GPC', ['ANALYTICS', 'FUNCTIONALITY', 'TARGETING'], { analytics: false, functionality: true, targeting: false }],
  ])('%s with %j grants %j', (method, granted, expected) => {
    expect(categoriesOfChoice(method, granted)).toEqual(expected);
  });

  it.each<[ConsentCategories, OptionalConsentCategory[], ConsentCategories]>([
    [all, [], noOptionalConsent],
    [all, ['ANALYTICS'], { analytics: false, functionality: true, targeting: true }],
    [noOptionalConsent, ['TARGETING'], noOptionalConsent],
  ])('withdrawing from %j the categories %j leaves %j', (current, withdrawn, expected) => {
    expect(withdrawnCategories(current, withdrawn)).toEqual(expected);
  });

  it.each([
    ['2026-01-15T10:00:00.000Z', '2027-01-15T10:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '2025-02-28T00:00:00.000Z'],
  ])('a choice made at %s expires at %s (12 months)', (decided, expires) => {
    expect(consentExpiresAt(new Date(decided)).toISOString()).toBe(expires);
  });

  const choice: StoredChoice = {
    categories: all,
    policyVersion: '2026-11',
    method: 'ACCEPT',
    decidedAt: new Date('2026-01-15T10:00:00.000Z'),
    expiresAt: new Date('2027-01-15T10:00:00.000Z'),
  };

  it.each<[string, StoredChoice | null, string, boolean, ConsentCategories, string]>([
    ['no choice, no signal', null, '2026-06-01T00:00:00.000Z', false, noOptionalConsent, 'DEFAULT'],
    ['no choice, GPC', null, '2026-06-01T00:00:00.000Z', true, noOptionalConsent, 'GLOBAL_PRIVACY_CONTROL'],
    ['unexpired choice, no signal', choice, '2027-01-15T09:59:59.999Z', false, all, 'CHOICE'],
    ['unexpired explicit choice wins over GPC', choice, '2026-06-01T00:00:00.000Z', true, all, 'CHOICE'],
    ['expired choice', choice, '2027-01-15T10:00:00.000Z', false, noOptionalConsent, 'DEFAULT'],
    ['expired choice, GPC', choice, '2028-01-01T00:00:00.000Z', true, noOptionalConsent, 'GLOBAL_PRIVACY_CONTROL'],
  ])('%s', (_case, latest, now, gpc, categories, source) => {
    const current = currentConsent(latest, new Date(now), gpc);
    expect(current.categories).toEqual(categories);
    expect(current.source).toBe(source);
    expect(current.choice).toBe(source === 'CHOICE' ? latest : null);
  });

  it('a choice is expired from its expiry instant on', () => {
    expect(isConsentExpired(choice, new Date('2027-01-15T09:59:59.999Z'))).toBe(false);
    expect(isConsentExpired(choice, new Date('2027-01-15T10:00:00.000Z'))).toBe(true);
  });

  it.each([
    [{ visitorId: 'v-1', policyVersion: '1', method: 'SAVE', categories: ['COOKIES'] }, ['categories', 0]],
    [{ visitorId: '  ', policyVersion: '1', method: 'ACCEPT' }, ['visitorId']],
    [{ visitorId: 'v-1', method: 'ACCEPT' }, ['policyVersion']],
    [{ visitorId: 'v-1', policyVersion: ' ', method: 'ACCEPT' }, ['policyVersion']],
    [{ visitorId: 'v-1', policyVersion: '1', method: 'WITHDRAW' }, ['method']],
  ])('rejects %j at %j', (input, path) => {
    const parsed = recordConsentInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(path);
  });
});
