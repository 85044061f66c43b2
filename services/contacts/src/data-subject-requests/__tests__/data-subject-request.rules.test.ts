import type { AddressBookEntryDocument } from '../../address-book/address-book.model';
import type { ContactDocument, Provenance } from '../../contacts/contact.model';
import type { ExportDocument } from '../../exports/export.model';
import type { RevealDocument } from '../../reveals/reveal.model';
import {
  accessAnswer,
  addRestriction,
  exportPart,
  handling,
  liftRestriction,
  parseLocationCorrection,
  rectificationAnswer,
  rectificationPlan,
  recipientsOf,
  removalAnswer,
  restrictionAnswer,
  restrictionCauses,
} from '../data-subject-request.rules';

const at = new Date('2026-01-10T08:00:00.000Z');
const now = new Date('2026-11-23T09:00:00.000Z');
const seen: Provenance = { source: { kind: 'PARTNER', name: 'acme-data' }, firstSeenAt: at, lastVerifiedAt: at, status: 'VERIFIED' };

function contact(overrides: Partial<ContactDocument> = {}): Omit<ContactDocument, 'searchTokens' | 'sortName'> {
  return {
    _id: 'c1',
    name: { value: 'Jane Doe', ...seen },
    jobTitle: { value: 'Sales Manager', ...seen },
    company: { value: 'Acme', ...seen },
    location: { country: 'FR', city: 'Paris', ...seen },
    skills: [{ value: 'Negotiation', ...seen }],
    profileUrl: { value: 'https://linkedin.com/in/jane', source: { kind: 'PUBLIC_SOURCE', name: 'registry' }, firstSeenAt: at, lastVerifiedAt: null, status: 'UNVERIFIED' },
    professionalEmails: [{ value: 'jane@acme.example', ...seen }],
    directEmails: [],
    phones: [{ value: '+33612345678', kind: 'MOBILE', country: 'FR', ...seen }],
    lastUpdatedAt: at,
    createdAt: at,
    revision: 3,
    ...overrides,
  };
}

function reveal(scope: string, fields: RevealDocument['fields']): RevealDocument {
  const workspaceId = scope.startsWith('ws:') ? scope.slice(3) : null;
  return { _id: `${scope}|c1`, scope, workspaceId, userId: workspaceId ? null : scope.slice(5), contactId: 'c1', fields, optedOutAt: null, createdAt: at, outbox: [] };
}

describe('data-subject request rules', () => {
  it('[PRV-02] each right maps to what the contact database does', () => {
    expect(handling('ACCESS')).toBe('EXPORT');
    expect(handling('PORTABILITY')).toBe('EXPORT');
    expect(handling('ERASURE')).toBe('REMOVE');
    expect(handling('OBJECTION')).toBe('REMOVE');
    expect(handling('RESTRICTION')).toBe('RESTRICT');
    expect(handling('RECTIFICATION')).toBe('RECTIFY');
    expect(handling('CONSENT_WITHDRAWAL')).toBe('NOTHING_HELD');
    expect(handling('POST_MORTEM_DIRECTIVE')).toBe('NOTHING_HELD');
  });

  it('[PRV-02] a corrected location reads as a country, a city and country, or a city in the country held', () => {
    expect(parseLocationCorrection('de', null)).toEqual({ country: 'DE', city: null });
    expect(parseLocationCorrection('Lyon, fr', null)).toEqual({ country: 'FR', city: 'Lyon' });
    expect(parseLocationCorrection('Lyon', { country: 'FR' })).toEqual({ country: 'FR', city: 'Lyon' });
    expect(parseLocationCorrection('Lyon', null)).toBeNull();
  });

  it('[PRV-02] rectification corrects held fields, keeps their source, marks them, and never adds a field not held (CON-07)', () => {
    const plan = rectificationPlan(
      contact({ company: null, rectifications: [{ field: 'name', requestId: 'old', at }] }),
      [
        { field: 'JOB_TITLE', value: 'Head of Sales' },
        { field: 'COMPANY_NAME', value: 'Zenith' },
        { field: 'LOCATION', value: 'Lyon' },
      ],
      { requestId: 'r1', now },
    );
    expect(plan.applied).toEqual(['jobTitle', 'location']);
    expect(plan.skipped).toEqual([{ field: 'company', reason: 'not held' }]);
    expect(plan.set.jobTitle).toEqual({ value: 'Head of Sales', source: seen.source, firstSeenAt: at, lastVerifiedAt: now, status: 'VERIFIED' });
    expect(plan.set.location).toMatchObject({ country: 'FR', city: 'Lyon', source: seen.source, lastVerifiedAt: now });
    expect(plan.rectifications).toEqual([
      { field: 'name', requestId: 'old', at },
      { field: 'jobTitle', requestId: 'r1', at: now },
      { field: 'location', requestId: 'r1', at: now },
    ]);
  });

  it('[PRV-02] the export part lists the profile with every datum\u2019s source and dates, purpose and legal basis', () => {
    const part = exportPart({ contacts: [contact()], reveals: [], entries: [], exports: [] });
    expect(part.records).toHaveLength(1);
    const [record] = part.records;
    expect(record).toMatchObject({ dataCategory: 'BUSINESS_PROFILES', purpose: 'B2B prospecting database made available to our customers' });
    expect(record?.legalBasis).toMatch(/Legitimate interest/);
    expect(record?.source).toMatch(/Data partner "acme-data".*Public source "registry"/);
    expect(record?.data).toMatchObject({
      name: { value: 'Jane Doe', source: 'Data partner "acme-data"', firstSeenAt: at.toISOString(), lastVerifiedAt: at.toISOString() },
      professionalEmails: [{ value: 'jane@acme.example', source: 'Data partner "acme-data"' }],
      phones: [{ value: '+33612345678', kind: 'MOBILE' }],
      profileUrl: { value: 'https://linkedin.com/in/jane', source: 'Public source "registry"', lastVerifiedAt: null },
      lastUpdatedAt: at.toISOString(),
      deletedAfter: '2031-01-10T08:00:00.000Z',
    });
  });

  it('[PRV-02] recipients: every workspace or user that revealed details, with the field types and when, and every export', () => {
    const t1 = new Date('2026-03-01T10:00:00.000Z');
    const t2 = new Date('2026-04-01T10:00:00.000Z');
    const reveals = [
      reveal('ws:w1', { PHONE: { state: 'REVEALED', revealedAt: t1 }, PRO_EMAIL: { state: 'REVEALED', revealedAt: t1 } }),
      reveal('user:u2', { PRO_EMAIL: { state: 'REVEALED', revealedAt: t2 }, PHONE: { state: 'PENDING' } }),
    ];
    const exported: ExportDocument = { _id: 'e1', scope: 'ws:w1', workspaceId: 'w1', userId: 'u1', format: 'CSV', contactIds: ['c1'], creditsCharged: 1, spendKey: 'k', createdAt: t2, outbox: [] };
    expect(recipientsOf(reveals, [exported])).toEqual([
      { workspaceId: 'w1', userId: null, fields: ['PRO_EMAIL', 'PHONE'], receivedAt: t1.toISOString() },
      { workspaceId: null, userId: 'u2', fields: ['PRO_EMAIL'], receivedAt: t2.toISOString() },
      { workspaceId: 'w1', userId: 'u1', fields: ['NAME', 'JOB_TITLE', 'COMPANY', 'LOCATION', 'PROFILE_URL', 'PRO_EMAIL', 'PHONE'], receivedAt: t2.toISOString() },
    ]);
  });

  it('[PRV-02] address-book entries about the person are part of the export', () => {
    const entry: AddressBookEntryDocument = { _id: 'ws:w1|c1', scope: 'ws:w1', contactId: 'c1', listIds: ['l1'], notes: [{ _id: 'n', text: 'met at fair', authorUserId: 'u', at }], savedBy: 'u', savedAt: at, optedOutAt: null };
    const part = exportPart({ contacts: [contact()], reveals: [], entries: [entry], exports: [] });
    expect(part.records[1]).toMatchObject({ dataCategory: 'ADDRESS_BOOK_ENTRIES', data: { workspaceId: 'w1', lists: 1, notes: [{ text: 'met at fair' }] } });
    expect(accessAnswer(part, 'sealed').actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['BUSINESS_PROFILES', 'EXPORTED', 1],
      ['ADDRESS_BOOK_ENTRIES', 'EXPORTED', 1],
    ]);
  });

  it('[PRV-05][CON-08] erasure answers ERASED and SUPPRESSED; with no profile, NO_DATA_HELD but still suppressed', () => {
    const erased = removalAnswer('ERASURE', { profiles: 1, identifiersSuppressed: 4, addressBookEntries: 2, revealRecords: 2 });
    expect(erased.outcome).toBe('CARRIED_OUT');
    expect(erased.actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['BUSINESS_PROFILES', 'ERASED', 1],
      ['ADDRESS_BOOK_ENTRIES', 'ERASED', 2],
      ['REVEAL_RECORDS', 'ANONYMISED', 2],
      ['SUPPRESSION_LIST', 'SUPPRESSED', 4],
    ]);
    expect(erased.retained.map((kept) => kept.dataCategory)).toEqual(['SUPPRESSION_LIST', 'REVEAL_RECORDS']);
    const nobody = removalAnswer('ERASURE', { profiles: 0, identifiersSuppressed: 1, addressBookEntries: 0, revealRecords: 0 });
    expect(nobody).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [{ action: 'SUPPRESSED', count: 1 }] });
    const objection = removalAnswer('OBJECTION', { profiles: 1, identifiersSuppressed: 2, addressBookEntries: 0, revealRecords: 0 });
    expect(objection.actions.map((action) => action.action)).toEqual(['OBJECTION_APPLIED', 'SUPPRESSED']);
  });

  it('[PRV-05][CON-08] erasure and objection report the CRM payloads and enrichment items the person was taken out of, even without a profile left', () => {
    const erased = removalAnswer('ERASURE', { profiles: 1, identifiersSuppressed: 2, addressBookEntries: 0, revealRecords: 1, crmDeliveries: 2, enrichmentItems: 3 });
    expect(erased.actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['BUSINESS_PROFILES', 'ERASED', 1],
      ['REVEAL_RECORDS', 'ANONYMISED', 1],
      ['CRM_DELIVERIES', 'ERASED', 2],
      ['ENRICHMENT_ITEMS', 'ERASED', 3],
      ['SUPPRESSION_LIST', 'SUPPRESSED', 2],
    ]);
    const objection = removalAnswer('OBJECTION', { profiles: 1, identifiersSuppressed: 1, addressBookEntries: 0, revealRecords: 0, crmDeliveries: 1, enrichmentItems: 0 });
    expect(objection.actions.map((action) => [action.dataCategory, action.action])).toEqual([
      ['BUSINESS_PROFILES', 'OBJECTION_APPLIED'],
      ['CRM_DELIVERIES', 'ERASED'],
      ['SUPPRESSION_LIST', 'SUPPRESSED'],
    ]);
    // No profile, but a customer's enrichment job held their e-mail: data was held and erased.
    const inputOnly = removalAnswer('ERASURE', { profiles: 0, identifiersSuppressed: 1, addressBookEntries: 0, revealRecords: 0, crmDeliveries: 0, enrichmentItems: 1 });
    expect(inputOnly).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ENRICHMENT_ITEMS', action: 'ERASED', count: 1 }, { action: 'SUPPRESSED', count: 1 }] });
    expect(JSON.stringify([erased, objection, inputOnly])).not.toMatch(/@/);
  });

  it('[PRV-05] restriction and rectification answers; nothing matched is NO_DATA_HELD', () => {
    expect(restrictionAnswer(1, at)).toMatchObject({
      outcome: 'CARRIED_OUT',
      actions: [{ action: 'RESTRICTED', count: 1 }],
      retained: [{ dataCategory: 'BUSINESS_PROFILES', keptUntil: '2031-01-10T08:00:00.000Z' }],
    });
    expect(restrictionAnswer(0, null).outcome).toBe('NO_DATA_HELD');
    const rectified = rectificationAnswer(1, [{ applied: ['jobTitle'], skipped: [{ field: 'company', reason: 'not held' }] }]);
    expect(rectified).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ action: 'RECTIFIED', count: 1, note: 'Corrected: jobTitle; not corrected: company (not held)' }] });
    expect(rectificationAnswer(0, []).outcome).toBe('NO_DATA_HELD');
  });

  describe('restriction causes and lifting (GDPR art. 18(3))', () => {
    const free = { restrictedAt: null, restrictionRequestId: null, restrictedBy: [] };

    it('[PRV-02] a restriction records its request; a second request on a restricted profile is added, keeping the first date', () => {
      const first = addRestriction(free, 'r1', [], at);
      expect(first).toEqual({ restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1'] });
      expect(addRestriction(first!, 'r2', [], now)).toEqual({ restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1', 'r2'] });
      expect(addRestriction(first!, 'r1', [], now)).toBeNull();
    });

    it('[PRV-02] a profile restricted before causes were recorded: its request and the cases in force that matched it are its causes', () => {
      const legacy = { restrictedAt: at, restrictionRequestId: 'r1' };
      expect(restrictionCauses(legacy, ['r1', 'r2'])).toEqual(['r1', 'r2']);
      expect(addRestriction(legacy, 'r3', ['r1', 'r2', 'r3'], now)).toEqual({ restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1', 'r2', 'r3'] });
      expect(restrictionCauses(free, ['r1'])).toEqual([]);
    });

    it('[PRV-02] lifting the only cause clears the restriction; lifting again or lifting another request changes nothing', () => {
      const restricted = { restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1'] };
      const lifted = liftRestriction(restricted, 'r1', { listedInCase: true, activeCasesListingIt: [] });
      expect(lifted).toEqual(free);
      expect(liftRestriction(lifted!, 'r1', { listedInCase: true, activeCasesListingIt: [] })).toBeNull();
      // Recorded causes are authoritative: a case listing the profile does not lift another request's restriction.
      expect(liftRestriction(restricted, 'r9', { listedInCase: true, activeCasesListingIt: [] })).toBeNull();
    });

    it('[PRV-02] another active restriction keeps the profile restricted', () => {
      const twice = { restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1', 'r2'] };
      expect(liftRestriction(twice, 'r1', { listedInCase: true, activeCasesListingIt: [] })).toEqual({ restrictedAt: at, restrictionRequestId: 'r2', restrictedBy: ['r2'] });
      expect(liftRestriction(twice, 'r2', { listedInCase: true, activeCasesListingIt: [] })).toEqual({ restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1'] });
    });

    it('[PRV-02] a profile restricted before causes were recorded is lifted only when the request’s case lists it and no other case is in force', () => {
      const legacy = { restrictedAt: at, restrictionRequestId: 'r1' };
      expect(liftRestriction(legacy, 'r1', { listedInCase: false, activeCasesListingIt: [] })).toBeNull();
      expect(liftRestriction(legacy, 'r1', { listedInCase: true, activeCasesListingIt: ['r1'] })).toEqual(free);
      expect(liftRestriction(legacy, 'r2', { listedInCase: true, activeCasesListingIt: ['r1', 'r2'] })).toEqual({ restrictedAt: at, restrictionRequestId: 'r1', restrictedBy: ['r1'] });
      expect(liftRestriction(legacy, 'r1', { listedInCase: true, activeCasesListingIt: ['r1', 'r2'] })).toEqual({ restrictedAt: at, restrictionRequestId: 'r2', restrictedBy: ['r2'] });
    });
  });
});
