import type { DataSubjectExportPart, DataSubjectRequestAnswer, DataSubjectRequestDetails, DataSubjectRight } from '@leadgraph/events';
import type { AddressBookEntryDocument } from '../address-book/address-book.model';
import type { ContactDocument, ContactRectification, DataSource, LocationDatum, RectifiableField, TextDatum } from '../contacts/contact.model';
import type { ExportDocument } from '../exports/export.model';
import type { RevealDocument, RevealField } from '../reveals/reveal.model';
import { revealFields } from '../reveals/reveal.model';
import { PROFILE_RETENTION_CATEGORY, PROFILE_RETENTION_YEARS, retentionEnd } from '../retention/retention.rules';

/** PRV-02: how this service uses the profiles it holds, as told to the person. */
export const PROFILE_CATEGORY = PROFILE_RETENTION_CATEGORY;
export const PROFILE_PURPOSE = 'B2B prospecting database made available to our customers';
export const PROFILE_LEGAL_BASIS = 'Legitimate interest (GDPR art. 6(1)(f)): B2B prospecting with professional contact data';
export const ADDRESS_BOOK_CATEGORY = 'ADDRESS_BOOK_ENTRIES';
export const REVEAL_RECORDS_CATEGORY = 'REVEAL_RECORDS';
export const SUPPRESSION_CATEGORY = 'SUPPRESSION_LIST';
export const CRM_DELIVERIES_CATEGORY = 'CRM_DELIVERIES';
export const ENRICHMENT_ITEMS_CATEGORY = 'ENRICHMENT_ITEMS';

export type AnswerBody = Pick<DataSubjectRequestAnswer, 'outcome' | 'actions' | 'retained' | 'sealedExport'>;
type Action = DataSubjectRequestAnswer['actions'][number];

/** The contact field each correction of a rectification request targets. */
export const CORRECTION_TARGET: Record<DataSubjectRequestDetails['corrections'][number]['field'], RectifiableField> = {
  FULL_NAME: 'name',
  JOB_TITLE: 'jobTitle',
  COMPANY_NAME: 'company',
  LOCATION: 'location',
};

/**
 * A corrected location: `FR` (a country), `Lyon, FR` (a city and its country), or `Lyon` (a city,
 * in the country already held). Null when it cannot be read as a location.
 */
export function parseLocationCorrection(value: string, current: Pick<LocationDatum, 'country'> | null): { country: string; city: string | null } | null {
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) return { country: text.toUpperCase(), city: null };
  const withCountry = /^(.*\S)\s*,\s*([A-Za-z]{2})$/.exec(text);
  if (withCountry?.[1] && withCountry[2]) return { country: withCountry[2].toUpperCase(), city: withCountry[1].trim() };
  if (text !== '' && current) return { country: current.country, city: text };
  return null;
}

export type RectifiedFields = Partial<{ name: TextDatum; jobTitle: TextDatum; company: TextDatum; location: LocationDatum }>;

export interface RectificationPlan {
  set: RectifiedFields;
  applied: RectifiableField[];
  skipped: Array<{ field: RectifiableField; reason: string }>;
  /** The profile's rectification marks after this one (one per field, the latest). */
  rectifications: ContactRectification[];
}

/**
 * PRV-02 rectification of one profile. A corrected datum keeps its provenance (source, first
 * seen) and is marked verified now; a field the profile does not hold is not created from what
 * the person says (CON-07: data supplied by people about themselves is never added).
 */
export function rectificationPlan(
  contact: Pick<ContactDocument, 'name' | 'jobTitle' | 'company' | 'location' | 'rectifications'>,
  corrections: DataSubjectRequestDetails['corrections'],
  context: { requestId: string; now: Date },
): RectificationPlan {
  const set: RectifiedFields = {};
  const applied: RectifiableField[] = [];
  const skipped: RectificationPlan['skipped'] = [];
  const corrected = (datum: TextDatum, value: string): TextDatum => ({ ...datum, value: value.trim(), lastVerifiedAt: context.now, status: 'VERIFIED' });
  for (const correction of corrections) {
    const field = CORRECTION_TARGET[correction.field];
    if (field === 'location') {
      if (!contact.location) {
        skipped.push({ field, reason: 'not held' });
        continue;
      }
      const location = parseLocationCorrection(correction.value, contact.location);
      if (!location) {
        skipped.push({ field, reason: 'not a location' });
        continue;
      }
      set.location = { ...contact.location, ...location, lastVerifiedAt: context.now, status: 'VERIFIED' };
    } else {
      const datum = contact[field];
      if (!datum) {
        skipped.push({ field, reason: 'not held' });
        continue;
      }
      set[field] = corrected(datum, correction.value);
    }
    if (!applied.includes(field)) applied.push(field);
  }
  const rectifications = [
    ...(contact.rectifications ?? []).filter((mark) => !applied.includes(mark.field)),
    ...applied.map((field) => ({ field, requestId: context.requestId, at: context.now })),
  ];
  return { set, applied, skipped, rectifications };
}

const sourceLabel = (source: DataSource) => `${source.kind === 'PARTNER' ? 'Data partner' : 'Public source'} "${source.name}"`;

function datumData(datum: TextDatum) {
  return { value: datum.value, source: sourceLabel(datum.source), firstSeenAt: datum.firstSeenAt.toISOString(), lastVerifiedAt: datum.lastVerifiedAt?.toISOString() ?? null, status: datum.status };
}

/** Every source a profile's data came from, for the record's `source`. */
export function profileSources(contact: Omit<ContactDocument, 'searchTokens' | 'sortName'>): string {
  const data: Array<{ source: DataSource }> = [
    contact.name,
    ...[contact.jobTitle, contact.company, contact.location, contact.profileUrl].filter((datum): datum is NonNullable<typeof datum> => datum !== null),
    ...contact.skills,
    ...contact.professionalEmails,
    ...contact.directEmails,
    ...contact.phones,
  ];
  const labels = [...new Set(data.map((datum) => sourceLabel(datum.source)))];
  const corrected = (contact.rectifications ?? []).length > 0 ? ['corrections you asked for'] : [];
  return `${[...labels, ...corrected].join('; ')} (each datum below gives its own source, first-seen and last-verified dates)`;
}

/** CON-01: the whole profile, every datum with its source and dates. */
export function profileData(contact: Omit<ContactDocument, 'searchTokens' | 'sortName'>) {
  return {
    id: contact._id,
    name: datumData(contact.name),
    jobTitle: contact.jobTitle ? datumData(contact.jobTitle) : null,
    company: contact.company ? datumData(contact.company) : null,
    location: contact.location
      ? {
          country: contact.location.country,
          city: contact.location.city,
          source: sourceLabel(contact.location.source),
          firstSeenAt: contact.location.firstSeenAt.toISOString(),
          lastVerifiedAt: contact.location.lastVerifiedAt?.toISOString() ?? null,
          status: contact.location.status,
        }
      : null,
    skills: contact.skills.map(datumData),
    profileUrl: contact.profileUrl ? datumData(contact.profileUrl) : null,
    professionalEmails: contact.professionalEmails.map(datumData),
    directEmails: contact.directEmails.map(datumData),
    phones: contact.phones.map((phone) => ({ ...datumData(phone), kind: phone.kind, country: phone.country })),
    rectifications: (contact.rectifications ?? []).map((mark) => ({ field: mark.field, at: mark.at.toISOString() })),
    restricted: Boolean(contact.restrictedAt),
    createdAt: contact.createdAt.toISOString(),
    lastUpdatedAt: contact.lastUpdatedAt.toISOString(),
    deletedAfter: retentionEnd(contact.lastUpdatedAt).toISOString(),
  };
}

/** What an export gave its recipient of a profile: the profile itself and the details revealed in its scope. */
const EXPORTED_PROFILE_FIELDS = ['NAME', 'JOB_TITLE', 'COMPANY', 'LOCATION', 'PROFILE_URL'];

/**
 * PRV-02: who received the person's details. Each workspace (or user outside one) that revealed
 * contact details, with the field types and when (one entry per reveal moment), and each export
 * (file or CRM push) that included the profile, with what it carried.
 */
export function recipientsOf(reveals: readonly RevealDocument[], exports: readonly ExportDocument[]): DataSubjectExportPart['recipients'] {
  const recipients: DataSubjectExportPart['recipients'] = [];
  for (const reveal of reveals) {
    const byMoment = new Map<string, RevealField[]>();
    for (const field of revealFields) {
      const state = reveal.fields[field];
      if (state?.state !== 'REVEALED' || !state.revealedAt) continue;
      const at = new Date(state.revealedAt).toISOString();
      byMoment.set(at, [...(byMoment.get(at) ?? []), field]);
    }
    for (const [receivedAt, fields] of byMoment) recipients.push({ workspaceId: reveal.workspaceId, userId: reveal.userId, fields, receivedAt });
  }
  for (const exported of exports) {
    const revealedBefore = reveals
      .filter((reveal) => reveal.scope === exported.scope)
      .flatMap((reveal) => revealFields.filter((field) => reveal.fields[field]?.state === 'REVEALED' && new Date(reveal.fields[field]?.revealedAt ?? 0) <= exported.createdAt));
    recipients.push({
      workspaceId: exported.workspaceId,
      userId: exported.userId,
      fields: [...EXPORTED_PROFILE_FIELDS, ...revealedBefore],
      receivedAt: exported.createdAt.toISOString(),
    });
  }
  return recipients.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || String(a.workspaceId).localeCompare(String(b.workspaceId)));
}

/** PRV-02 access / portability: this service's part of the person's export. */
export function exportPart(input: {
  contacts: ReadonlyArray<Omit<ContactDocument, 'searchTokens' | 'sortName'>>;
  reveals: readonly RevealDocument[];
  entries: readonly AddressBookEntryDocument[];
  exports: readonly ExportDocument[];
}): DataSubjectExportPart {
  const records: DataSubjectExportPart['records'] = input.contacts.map((contact) => ({
    dataCategory: PROFILE_CATEGORY,
    description: `Your professional profile in our contact database. Customers searching it see your name, job title, company, location, skills and profile URL; your e-mails and phones only when they reveal them. Kept ${PROFILE_RETENTION_YEARS} years after its last update.`,
    purpose: PROFILE_PURPOSE,
    legalBasis: PROFILE_LEGAL_BASIS,
    source: profileSources(contact),
    data: profileData(contact),
  }));
  for (const entry of input.entries) {
    records.push({
      dataCategory: ADDRESS_BOOK_CATEGORY,
      description: 'A customer saved your profile in its address book (organised in lists, possibly annotated).',
      purpose: 'Customers organising the contacts they revealed for their prospecting',
      legalBasis: PROFILE_LEGAL_BASIS,
      source: 'Saved by a user of the customer',
      data: {
        workspaceId: entry.scope.startsWith('ws:') ? entry.scope.slice(3) : null,
        savedAt: entry.savedAt.toISOString(),
        lists: entry.listIds.length,
        notes: entry.notes.map((note) => ({ text: note.text, at: note.at.toISOString() })),
      },
    });
  }
  return { records, recipients: recipientsOf(input.reveals, input.exports) };
}

const suppressionRetained = {
  dataCategory: SUPPRESSION_CATEGORY,
  legalBasis: 'Legitimate interest: keyed hashes of your identifiers (no readable data) so you are never added back (CON-08)',
  keptUntil: null,
};
const revealRecordsRetained = {
  dataCategory: REVEAL_RECORDS_CATEGORY,
  legalBasis: 'Accounting and audit: the credits customers were charged, without your personal data',
  keptUntil: null,
};

export interface RemovalOutcome {
  /** Profiles deleted. */
  profiles: number;
  /** Keyed hashes on the suppression list for this person. */
  identifiersSuppressed: number;
  /** Address-book entries deleted (erasure) or flagged with their notes deleted (objection). */
  addressBookEntries: number;
  /** Customers' reveal records, kept without the revealed details. */
  revealRecords: number;
  /** Customers' CRM deliveries whose stored payload no longer holds the person (the delivery log kept). */
  crmDeliveries?: number;
  /** Customers' enrichment job items that no longer hold the person's identifier or result (status and counts kept). */
  enrichmentItems?: number;
}

/** PRV-05: the copies held for customers (CRM payloads, enrichment inputs), erased from in either case. */
function copiesErased(outcome: RemovalOutcome): Action[] {
  const actions: Action[] = [];
  if ((outcome.crmDeliveries ?? 0) > 0) {
    actions.push({
      dataCategory: CRM_DELIVERIES_CATEGORY,
      action: 'ERASED',
      count: outcome.crmDeliveries ?? 0,
      note: 'Your details deleted from the payloads kept of customers\u2019 CRM deliveries; they are never sent again (the delivery log keeps dates, status and counts)',
    });
  }
  if ((outcome.enrichmentItems ?? 0) > 0) {
    actions.push({
      dataCategory: ENRICHMENT_ITEMS_CATEGORY,
      action: 'ERASED',
      count: outcome.enrichmentItems ?? 0,
      note: 'Your identifier and results deleted from customers\u2019 enrichment jobs (a keyed hash, status and counts kept)',
    });
  }
  return actions;
}

/** PRV-02 erasure / objection (CON-08): the person is deleted and suppressed, or at least suppressed. */
export function removalAnswer(right: 'ERASURE' | 'OBJECTION', outcome: RemovalOutcome): AnswerBody {
  const suppressed: Action = {
    dataCategory: SUPPRESSION_CATEGORY,
    action: 'SUPPRESSED',
    count: outcome.identifiersSuppressed,
    note:
      outcome.profiles === 0
        ? 'No profile held; your identifiers (keyed hashes) are on the suppression list so they are never ingested'
        : 'Your identifiers (keyed hashes) are on the suppression list: never searched, revealed or ingested again',
  };
  const copies = copiesErased(outcome);
  if (outcome.profiles === 0) {
    return copies.length === 0
      ? { outcome: 'NO_DATA_HELD', actions: [suppressed], retained: [suppressionRetained], sealedExport: null }
      : { outcome: 'CARRIED_OUT', actions: [...copies, suppressed], retained: [suppressionRetained], sealedExport: null };
  }
  const actions: Action[] = [
    right === 'ERASURE'
      ? { dataCategory: PROFILE_CATEGORY, action: 'ERASED', count: outcome.profiles, note: 'Profile and its identifiers deleted from the contact database' }
      : { dataCategory: PROFILE_CATEGORY, action: 'OBJECTION_APPLIED', count: outcome.profiles, note: 'Objection to prospecting applied like an opt-out: profile and its identifiers deleted' },
  ];
  if (outcome.addressBookEntries > 0) {
    actions.push(
      right === 'ERASURE'
        ? { dataCategory: ADDRESS_BOOK_CATEGORY, action: 'ERASED', count: outcome.addressBookEntries, note: 'Saved entries, list memberships and notes in customers\u2019 address books deleted' }
        : { dataCategory: ADDRESS_BOOK_CATEGORY, action: 'OBJECTION_APPLIED', count: outcome.addressBookEntries, note: 'Notes deleted; customers are told you opted out' },
    );
  }
  if (outcome.revealRecords > 0) {
    actions.push({
      dataCategory: REVEAL_RECORDS_CATEGORY,
      action: 'ANONYMISED',
      count: outcome.revealRecords,
      note: 'Revealed details deleted; customers\u2019 reveal records keep only field types, dates and credits charged, and customers are told you opted out',
    });
  }
  actions.push(...copies, suppressed);
  return { outcome: 'CARRIED_OUT', actions, retained: outcome.revealRecords > 0 ? [suppressionRetained, revealRecordsRetained] : [suppressionRetained], sealedExport: null };
}

/** PRV-02 restriction: kept until the profile's retention end, used for nothing else. */
export function restrictionAnswer(restricted: number, lastUpdatedAt: Date | null): AnswerBody {
  if (restricted === 0) return noDataHeld();
  return {
    outcome: 'CARRIED_OUT',
    actions: [{ dataCategory: PROFILE_CATEGORY, action: 'RESTRICTED', count: restricted, note: 'Profile kept but no longer searched, shown, revealed or exported' }],
    retained: [
      {
        dataCategory: PROFILE_CATEGORY,
        legalBasis: 'Restriction of processing (GDPR art. 18): stored only, until the restriction is lifted or the retention period ends',
        keptUntil: lastUpdatedAt ? retentionEnd(lastUpdatedAt).toISOString() : null,
      },
    ],
    sealedExport: null,
  };
}

/** PRV-02 rectification: how many fields were corrected, which were not and why (no values: no personal data in clear). */
export function rectificationAnswer(matched: number, plans: ReadonlyArray<Pick<RectificationPlan, 'applied' | 'skipped'>>): AnswerBody {
  if (matched === 0) return noDataHeld();
  const applied = plans.flatMap((plan) => plan.applied);
  const skipped = plans.flatMap((plan) => plan.skipped.map((skip) => `${skip.field} (${skip.reason})`));
  const note = [applied.length > 0 ? `Corrected: ${[...new Set(applied)].join(', ')}` : 'Nothing to correct', ...(skipped.length > 0 ? [`not corrected: ${[...new Set(skipped)].join(', ')}`] : [])].join('; ');
  return { outcome: 'CARRIED_OUT', actions: [{ dataCategory: PROFILE_CATEGORY, action: 'RECTIFIED', count: applied.length, note }], retained: [], sealedExport: null };
}

export function accessAnswer(part: DataSubjectExportPart, sealedExport: string): AnswerBody {
  const profiles = part.records.filter((record) => record.dataCategory === PROFILE_CATEGORY).length;
  if (profiles === 0) return noDataHeld();
  const actions: Action[] = [{ dataCategory: PROFILE_CATEGORY, action: 'EXPORTED', count: profiles, note: 'Profile with the source and dates of each datum, purpose and legal basis' }];
  if (part.recipients.length > 0) {
    actions.push({ dataCategory: REVEAL_RECORDS_CATEGORY, action: 'EXPORTED', count: part.recipients.length, note: 'Customers who received your details, which ones and when' });
  }
  const entries = part.records.length - profiles;
  if (entries > 0) actions.push({ dataCategory: ADDRESS_BOOK_CATEGORY, action: 'EXPORTED', count: entries, note: 'Customers\u2019 address-book entries about you' });
  return { outcome: 'CARRIED_OUT', actions, retained: [], sealedExport };
}

export function noDataHeld(): AnswerBody {
  return { outcome: 'NO_DATA_HELD', actions: [], retained: [], sealedExport: null };
}

/**
 * What this service does per right. Consent withdrawal: nothing here rests on consent.
 * Post-mortem directives: not stored here (the privacy service records them).
 */
export function handling(right: DataSubjectRight): 'EXPORT' | 'REMOVE' | 'RESTRICT' | 'RECTIFY' | 'NOTHING_HELD' {
  switch (right) {
    case 'ACCESS':
    case 'PORTABILITY':
      return 'EXPORT';
    case 'ERASURE':
    case 'OBJECTION':
      return 'REMOVE';
    case 'RESTRICTION':
      return 'RESTRICT';
    case 'RECTIFICATION':
      return 'RECTIFY';
    case 'CONSENT_WITHDRAWAL':
    case 'POST_MORTEM_DIRECTIVE':
      return 'NOTHING_HELD';
  }
}

/** A profile's restriction fields (PRV-02). */
export type RestrictionState = Pick<ContactDocument, 'restrictedAt' | 'restrictionRequestId' | 'restrictedBy'>;
export type RestrictionFields = Required<RestrictionState>;

/**
 * The RESTRICTION requests keeping a profile restricted. Recorded ids are authoritative; a profile
 * restricted before they were recorded falls back to the request that restricted it and every
 * RESTRICTION case (not lifted) that matched it, since a later request found it already restricted
 * and left no trace on the profile.
 */
export function restrictionCauses(state: RestrictionState, activeCasesListingIt: readonly string[]): string[] {
  if (!state.restrictedAt) return [];
  if (state.restrictedBy && state.restrictedBy.length > 0) return [...new Set(state.restrictedBy)];
  return [...new Set([...(state.restrictionRequestId ? [state.restrictionRequestId] : []), ...activeCasesListingIt])];
}

/** The fields after RESTRICTION request `requestId` restricts the profile; null when it already did. */
export function addRestriction(state: RestrictionState, requestId: string, activeCasesListingIt: readonly string[], now: Date): RestrictionFields | null {
  const causes = restrictionCauses(state, activeCasesListingIt);
  if (state.restrictedAt && state.restrictedBy?.includes(requestId)) return null;
  return {
    restrictedAt: state.restrictedAt ?? now,
    restrictionRequestId: state.restrictedAt ? (state.restrictionRequestId ?? requestId) : requestId,
    restrictedBy: [...new Set([...causes, requestId])],
  };
}

/**
 * GDPR art. 18(3): the fields after RESTRICTION request `requestId` is lifted; null when nothing
 * changes. Only that request's own cause goes: the profile stays restricted while another one is
 * active, and one restricted before causes were recorded is lifted only when the request's case
 * record lists it (`listedInCase`) — never on a guess.
 */
export function liftRestriction(
  state: RestrictionState,
  requestId: string,
  evidence: { listedInCase: boolean; activeCasesListingIt: readonly string[] },
): RestrictionFields | null {
  if (!state.restrictedAt) return null;
  const recorded = state.restrictedBy && state.restrictedBy.length > 0;
  if (recorded ? !state.restrictedBy?.includes(requestId) : !evidence.listedInCase) return null;
  const remaining = restrictionCauses(state, evidence.activeCasesListingIt).filter((cause) => cause !== requestId);
  if (remaining.length === 0) return { restrictedAt: null, restrictionRequestId: null, restrictedBy: [] };
  const keptRequest = state.restrictionRequestId && remaining.includes(state.restrictionRequestId) ? state.restrictionRequestId : (remaining[0] ?? null);
  return { restrictedAt: state.restrictedAt, restrictionRequestId: keptRequest, restrictedBy: remaining };
}
