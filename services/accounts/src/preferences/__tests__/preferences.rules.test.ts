import { preferenceChanges, updatePreferencesInputSchema } from '../preferences.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const current = { language: 'en' as const, marketingEmails: false, marketingEmailsChangedAt: null };

describe('preference rules', () => {
  it('an update must change at least one preference', () => {
    expect(updatePreferencesInputSchema.safeParse({}).error?.issues[0]?.path).toEqual(['input']);
    expect(updatePreferencesInputSchema.safeParse({ language: null, marketingEmails: null }).success).toBe(false);
    expect(updatePreferencesInputSchema.safeParse({ language: 'de' }).error?.issues[0]?.path).toEqual(['language']);
  });

  it('changes only what differs', () => {
    expect(preferenceChanges(current, { language: 'fr' }, now)).toEqual({ 'preferences.language': 'fr' });
    expect(preferenceChanges(current, { language: 'en', marketingEmails: false }, now)).toEqual({});
  });

  it('records when the marketing choice changed, as proof of consent or withdrawal', () => {
    expect(preferenceChanges(current, { marketingEmails: true }, now)).toEqual({
      'preferences.marketingEmails': true,
      'preferences.marketingEmailsChangedAt': now,
    });
  });
});
