import type { DataSource } from '../../contacts/contact.model';
import { csvColumnField, formatSummary, mergeRecord, parseContactRow, recordIdentifiers, splitList, type IngestRecord } from '../ingestion.rules';

const source: DataSource = { kind: 'PARTNER', name: 'acme-data' };
const parse = (raw: unknown, line = 7) => parseContactRow(raw, line, { source });
const recordOf = (raw: unknown): IngestRecord => {
  const outcome = parse(raw);
  if (!outcome.ok) throw new Error(outcome.invalid.message);
  return outcome.record;
};

describe('ingestion rules', () => {
  it('[CON-07] a row is normalised: e-mails lower-cased, phones to E.164 with their line type, profile URL canonical', () => {
    const record = recordOf({
      name: '  Jane Doe ',
      company: 'Acme',
      country: 'fr',
      city: 'Paris',
      skills: 'SaaS; Negotiation;saas',
      profileUrl: 'https://fr.LinkedIn.com/in/Jane-Doe/?trk=x',
      professionalEmails: [' Jane.Doe@ACME.com ', { address: 'jane.doe@acme.com', status: 'VERIFIED' }],
      phones: ['06 12 34 56 78', { number: '+33 1 99 00 12 34', status: 'OUTDATED' }],
    });
    expect(record).toMatchObject({
      name: 'Jane Doe',
      location: { country: 'FR', city: 'Paris' },
      skills: ['SaaS', 'Negotiation'],
      profileUrl: 'https://linkedin.com/in/jane-doe',
      professionalEmails: [{ value: 'jane.doe@acme.com', status: 'UNVERIFIED' }],
      phones: [
        { value: '+33612345678', kind: 'MOBILE', country: 'FR', status: 'UNVERIFIED' },
        { value: '+33199001234', kind: 'LANDLINE', country: 'FR', status: 'OUTDATED' },
      ],
      source,
    });
  });

  it('[CON-07] de-duplication keys are the normalised e-mails, E.164 phones and profile URL', () => {
    const record = recordOf({ name: 'Jane', country: 'FR', professionalEmails: 'JANE@acme.com', directEmails: 'jane@acme.com;jd@mail.example', phones: '0612345678', profileUrl: 'linkedin.com/in/jane' });
    expect(recordIdentifiers(record)).toEqual([
      { kind: 'EMAIL', value: 'jane@acme.com' },
      { kind: 'EMAIL', value: 'jd@mail.example' },
      { kind: 'PHONE', value: '+33612345678' },
      { kind: 'PROFILE_URL', value: 'linkedin.com/in/jane' },
    ]);
  });

  it.each([
    ['no name', { company: 'Acme' }, 'name'],
    ['an unknown field', { name: 'Jane', nickname: 'JD' }, 'nickname'],
    ['a bad e-mail', { name: 'Jane', professionalEmails: ['jane-at-acme'] }, 'professionalEmails[0]'],
    ['a national phone without country', { name: 'Jane', phones: ['06 12 34 56 78'] }, 'phones[0]'],
    ['an impossible phone', { name: 'Jane', country: 'FR', phones: ['+33 12'] }, 'phones[0]'],
    ['a country name', { name: 'Jane', country: 'France' }, 'country'],
    ['a city without country', { name: 'Jane', city: 'Paris' }, 'country'],
    ['a profile URL that is not one', { name: 'Jane', profileUrl: 'not a url' }, 'profileUrl'],
    ['too many skills', { name: 'Jane', skills: Array.from({ length: 51 }, (_, index) => `s${index}`) }, 'skills'],
  ])('[CON-07] a row with %s is invalid, naming the field and the line', (_case, raw, field) => {
    const outcome = parse(raw, 42);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.invalid).toMatchObject({ line: 42, field });
  });

  it('[CON-07] data supplied by users about themselves is never added: such a source is refused', () => {
    const outcome = parse({ name: 'Jane', sourceKind: 'USER_SELF', sourceName: 'sign-up form' });
    expect(outcome).toMatchObject({ ok: false, invalid: { field: 'sourceKind', message: expect.stringMatching(/users about themselves/) } });
  });

  it('[CON-07] CSV headers map to row fields in snake or camel case; unknown columns are not guessed', () => {
    expect(csvColumnField('Job Title')).toBe('jobTitle');
    expect(csvColumnField('professional_emails')).toBe('professionalEmails');
    expect(csvColumnField('profileUrl')).toBe('profileUrl');
    expect(csvColumnField('favourite colour')).toBeNull();
    expect(splitList(' a; b |c;; ')).toEqual(['a', 'b', 'c']);
  });

  it('[CON-01][CON-07] a new record becomes a profile whose every datum has its source, first-seen and verification dates', () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    const doc = mergeRecord(null, recordOf({ name: 'Jane Doe', company: 'Acme', country: 'FR', phones: ['0612345678'], verifiedAt: '2026-02-01' }), { id: 'c1', now });
    expect(doc.name).toEqual({ value: 'Jane Doe', source, firstSeenAt: now, lastVerifiedAt: new Date('2026-02-01'), status: 'VERIFIED' });
    expect(doc.phones[0]).toMatchObject({ value: '+33612345678', source, firstSeenAt: now, status: 'VERIFIED' });
    expect(doc).toMatchObject({ _id: 'c1', lastUpdatedAt: now, createdAt: now, revision: 1, sortName: 'jane doe' });
    expect(doc.searchTokens).toEqual(expect.arrayContaining(['name:jane', 'company:acme', 'country:fr']));
  });

  it('[CON-07] a refresh keeps provenance of known values, adds new ones with their own, and keeps what the source omits', () => {
    const first = new Date('2026-01-01T00:00:00.000Z');
    const later = new Date('2026-06-01T00:00:00.000Z');
    const original = mergeRecord(null, recordOf({ name: 'Jane Doe', jobTitle: 'Sales', country: 'FR', professionalEmails: ['jane@acme.com'], phones: ['0612345678'] }), { id: 'c1', now: first });
    const other: DataSource = { kind: 'PUBLIC_SOURCE', name: 'web' };
    const refreshed = mergeRecord(
      original,
      { ...recordOf({ name: 'Jane DOE', jobTitle: 'Head of Sales', country: 'FR', professionalEmails: [{ address: 'jane@acme.com', status: 'VERIFIED', verifiedAt: '2026-05-30' }, 'j.doe@acme.com'] }), source: other },
      { id: 'ignored', now: later },
    );
    expect(refreshed._id).toBe('c1');
    expect(refreshed.name).toMatchObject({ value: 'Jane Doe', source, firstSeenAt: first });
    expect(refreshed.jobTitle).toMatchObject({ value: 'Head of Sales', source: other, firstSeenAt: later });
    expect(refreshed.professionalEmails).toEqual([
      { value: 'jane@acme.com', source, firstSeenAt: first, lastVerifiedAt: new Date('2026-05-30'), status: 'VERIFIED' },
      { value: 'j.doe@acme.com', source: other, firstSeenAt: later, lastVerifiedAt: null, status: 'UNVERIFIED' },
    ]);
    expect(refreshed.phones).toHaveLength(1);
    expect(refreshed).toMatchObject({ createdAt: first, lastUpdatedAt: later, revision: 2 });
    expect(refreshed.searchTokens).toContain('title:head');
  });

  it('[PRV-02] a refresh keeps what the person had rectified and a restriction', () => {
    const first = new Date('2026-01-01T00:00:00.000Z');
    const original = mergeRecord(null, recordOf({ name: 'Jane Doe', jobTitle: 'Sales', company: 'Acme', country: 'FR', professionalEmails: ['jane@acme.com'] }), { id: 'c1', now: first });
    const corrected = {
      ...original,
      jobTitle: { ...original.jobTitle!, value: 'Head of Sales' },
      rectifications: [{ field: 'jobTitle' as const, requestId: 'r1', at: first }],
      restrictedAt: first,
      restrictionRequestId: 'r2',
    };
    const refreshed = mergeRecord(corrected, recordOf({ name: 'Jane Doe', jobTitle: 'Sales', company: 'Acme Corp', country: 'FR', professionalEmails: ['jane@acme.com'] }), {
      id: 'ignored',
      now: new Date('2026-06-01T00:00:00.000Z'),
    });
    expect(refreshed.jobTitle?.value).toBe('Head of Sales');
    expect(refreshed.company?.value).toBe('Acme Corp');
    expect(refreshed.searchTokens).toContain('title:head');
    expect(refreshed).toMatchObject({ rectifications: corrected.rectifications, restrictedAt: first, restrictionRequestId: 'r2' });
  });

  it('[CON-07] the summary lists counts and each invalid row by line number', () => {
    const text = formatSummary({ read: 5, inserted: 2, updated: 1, skippedSuppressed: 1, invalid: [{ line: 4, field: 'name', message: 'name: is required' }] });
    expect(text).toMatch(/inserted:\s+2/);
    expect(text).toMatch(/skipped \(suppressed\):\s+1/);
    expect(text).toContain('line 4: name: is required');
  });
});
