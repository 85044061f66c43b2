import type { ContactDocument, Provenance } from '../contact.model';
import { contactSearchTokens, filterTokensByField, maskEmail, maskPhone, maskedProfile, searchWords } from '../contact.rules';

const seen: Provenance = {
  source: { kind: 'PARTNER', name: 'acme-data' },
  firstSeenAt: new Date('2026-01-10T00:00:00.000Z'),
  lastVerifiedAt: new Date('2026-10-01T00:00:00.000Z'),
  status: 'VERIFIED',
};
const contact: Omit<ContactDocument, 'searchTokens' | 'createdAt' | 'sortName' | 'revision'> = {
  _id: 'c1',
  name: { value: 'Élodie Martin-Dupré', ...seen },
  jobTitle: { value: 'Head of Sales', ...seen },
  company: { value: 'Acme SAS', ...seen },
  location: { country: 'FR', city: 'Saint-Étienne', ...seen },
  skills: [{ value: 'Machine Learning', ...seen }, { value: 'SaaS', ...seen }],
  profileUrl: { value: 'https://www.linkedin.com/in/elodie-martin', ...seen },
  professionalEmails: [{ value: 'elodie.martin@acme.com', ...seen }],
  directEmails: [{ value: 'elodie@gmail.com', ...seen, status: 'UNVERIFIED', lastVerifiedAt: null }],
  phones: [{ value: '+33612345612', kind: 'MOBILE', country: 'FR', ...seen }],
  lastUpdatedAt: new Date('2026-10-01T00:00:00.000Z'),
};

describe('contact rules', () => {
  it('[CON-02] search words are whole, lower-case and accent-free', () => {
    expect(searchWords("  Élodie O'Neil-Dupré ")).toEqual(['elodie', 'o', 'neil', 'dupre']);
    expect(searchWords('!!!')).toEqual([]);
  });

  it('[CON-02] a profile is found by name, company, job title, country, city and skills, each field apart', () => {
    const tokens = contactSearchTokens(contact);
    expect(tokens).toEqual(
      expect.arrayContaining([
        'name:elodie',
        'name:martin',
        'name:dupre',
        'company:acme',
        'title:head',
        'title:sales',
        'country:fr',
        'city:saint',
        'city:etienne',
        'skill:machine',
        'skill:learning',
        'skill:saas',
      ]),
    );
    expect(tokens).not.toContain('name:acme');
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('[CON-02] filter criteria become the same tokens, and a criterion without words is reported by field', () => {
    expect(filterTokensByField({ name: 'elodie MARTIN', country: 'fr', skills: ['machine learning', ' '] })).toEqual([
      { field: 'name', tokens: ['name:elodie', 'name:martin'] },
      { field: 'country', tokens: ['country:fr'] },
      { field: 'skills', tokens: ['skill:machine', 'skill:learning'] },
    ]);
    expect(filterTokensByField({ company: '***' })).toEqual([{ field: 'company', tokens: [] }]);
    expect(filterTokensByField({ name: '  ', city: null })).toEqual([]);
  });

  it('[CON-02] e-mails are masked to their first letter and domain', () => {
    expect(maskEmail('john.doe@acme.com')).toBe('j***@acme.com');
    expect(maskEmail('J@ACME.COM')).toBe('J***@acme.com');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  it('[CON-02] phones are masked but for the country code, first national digit and last two digits', () => {
    expect(maskPhone('+33612345612')).toBe('+33 6 ** ** ** 12');
    expect(maskPhone('+12133734253')).toBe('+1 2** *** **53');
    expect(maskPhone('+999123')).toBe('+****23');
  });

  it('[CON-02] a masked profile shows the profile but no contact detail in clear', () => {
    const masked = maskedProfile(contact);
    expect(masked).toMatchObject({
      id: 'c1',
      name: 'Élodie Martin-Dupré',
      jobTitle: 'Head of Sales',
      company: 'Acme SAS',
      location: { country: 'FR', city: 'Saint-Étienne' },
      skills: ['Machine Learning', 'SaaS'],
      professionalEmails: [{ masked: 'e***@acme.com', status: 'VERIFIED', lastVerifiedAt: seen.lastVerifiedAt }],
      directEmails: [{ masked: 'e***@gmail.com', status: 'UNVERIFIED', lastVerifiedAt: null }],
      phones: [{ masked: '+33 6 ** ** ** 12', kind: 'MOBILE', status: 'VERIFIED' }],
    });
    const serialised = JSON.stringify(masked);
    expect(serialised).not.toContain('elodie.martin@acme.com');
    expect(serialised).not.toContain('elodie@gmail.com');
    expect(serialised).not.toContain('12345612');
  });
});
