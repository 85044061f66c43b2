import { z } from 'zod';
import { fromZodError } from '@leadgraph/platform';
import {
  dataSourceKinds,
  datumStatuses,
  type ContactDocument,
  type DataSource,
  type DatumStatus,
  type LocationDatum,
  type PhoneDatum,
  type PhoneKind,
  type TextDatum,
} from '../contacts/contact.model';
import {
  contactIdentifiers,
  contactSearchTokens,
  normalisedEmailAddress,
  normalisedPhone,
  normalisedProfileUrl,
  searchWords,
  sortableName,
  type ContactIdentifier,
} from '../contacts/contact.rules';

/** One e-mail or phone of an incoming row, normalised, with what the source says of it. */
export interface IncomingPoint {
  value: string;
  status: DatumStatus;
  lastVerifiedAt: Date | null;
}

export interface IncomingPhone extends IncomingPoint {
  kind: PhoneKind;
  country: string | null;
}

/** A validated, normalised row of an import file (CON-07). */
export interface IngestRecord {
  line: number;
  source: DataSource;
  verifiedAt: Date | null;
  name: string;
  jobTitle: string | null;
  company: string | null;
  location: { country: string; city: string | null } | null;
  skills: string[];
  /** Stored as `https://` + the normalised URL, so one person has one spelling. */
  profileUrl: string | null;
  professionalEmails: IncomingPoint[];
  directEmails: IncomingPoint[];
  phones: IncomingPhone[];
}

export interface InvalidRow {
  line: number;
  field: string;
  message: string;
}

export type RowOutcome = { ok: true; record: IngestRecord } | { ok: false; invalid: InvalidRow };

/** Column names accepted in CSV headers, snake_case or camelCase, mapped to the row fields. */
const CSV_COLUMNS: Record<string, string> = {
  name: 'name',
  full_name: 'name',
  job_title: 'jobTitle',
  jobtitle: 'jobTitle',
  title: 'jobTitle',
  company: 'company',
  country: 'country',
  city: 'city',
  skills: 'skills',
  profile_url: 'profileUrl',
  profileurl: 'profileUrl',
  linkedin_url: 'profileUrl',
  professional_emails: 'professionalEmails',
  professionalemails: 'professionalEmails',
  direct_emails: 'directEmails',
  directemails: 'directEmails',
  phones: 'phones',
  source_kind: 'sourceKind',
  sourcekind: 'sourceKind',
  source_name: 'sourceName',
  sourcename: 'sourceName',
  verified_at: 'verifiedAt',
  verifiedat: 'verifiedAt',
};

/** CSV header -> row field, or null for a column this importer does not know (reported, never guessed). */
export function csvColumnField(header: string): string | null {
  return CSV_COLUMNS[header.trim().toLowerCase().replace(/[\s-]+/g, '_')] ?? CSV_COLUMNS[header.trim().toLowerCase()] ?? null;
}

/** CSV cells hold lists separated by `;` or `|`. */
export function splitList(cell: string): string[] {
  return cell
    .split(/[;|]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `is longer than ${max} characters`)
    .nullish()
    .transform((value) => (value ? value : null));

const listOf = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? splitList(value) : (value ?? [])),
    z.array(item).max(max, `at most ${max} entries`),
  );

const pointDetails = { status: z.enum(datumStatuses).optional(), verifiedAt: z.coerce.date().optional() };
const emailPointSchema = z.union([z.string(), z.object({ address: z.string(), ...pointDetails }).strict()]);
const phonePointSchema = z.union([
  z.string(),
  z.object({ number: z.string(), kind: z.enum(['MOBILE', 'LANDLINE', 'UNKNOWN']).optional(), ...pointDetails }).strict(),
]);

const sourceKindSchema = z.string().superRefine((value, context) => {
  if (!(dataSourceKinds as readonly string[]).includes(value)) {
    context.addIssue({
      code: 'custom',
      message: /user|self/i.test(value)
        ? 'data supplied by users about themselves is never added to the contact database'
        : `must be one of ${dataSourceKinds.join(', ')}`,
    });
  }
});

const rowSchema = z
  .object({
    name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(200, 'is longer than 200 characters'),
    jobTitle: optionalText(200),
    company: optionalText(200),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
      .transform((value) => value.toUpperCase())
      .nullish(),
    city: optionalText(100),
    skills: listOf(z.string().trim().min(1).max(60, 'is longer than 60 characters'), 50),
    profileUrl: optionalText(500),
    professionalEmails: listOf(emailPointSchema, 20),
    directEmails: listOf(emailPointSchema, 20),
    phones: listOf(phonePointSchema, 20),
    sourceKind: sourceKindSchema.optional(),
    sourceName: z.string().trim().min(1).max(100).optional(),
    verifiedAt: z.coerce.date().optional(),
  })
  .strict();

interface RawPoint {
  raw: string;
  status: DatumStatus | undefined;
  verifiedAt: Date | undefined;
  kind: PhoneKind | undefined;
}

function pointOf(point: z.infer<typeof emailPointSchema> | z.infer<typeof phonePointSchema>): RawPoint {
  if (typeof point === 'string') return { raw: point, status: undefined, verifiedAt: undefined, kind: undefined };
  if ('address' in point) return { raw: point.address, status: point.status, verifiedAt: point.verifiedAt, kind: undefined };
  return { raw: point.number, status: point.status, verifiedAt: point.verifiedAt, kind: point.kind };
}

function invalid(line: number, field: string, message: string): RowOutcome {
  return { ok: false, invalid: { line, field, message } };
}

/**
 * Validates and normalises one row: e-mails lower-cased, phones to E.164 with their line type
 * (`libphonenumber-js`, national forms read in the row's country), profile URLs canonical. A row is
 * whole or rejected: the first problem is reported with its field, the import goes on.
 */
export function parseContactRow(raw: unknown, line: number, defaults: { source: DataSource }): RowOutcome {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalid(line, 'row', 'row: is not an object');
  const unknownField = Object.keys(raw).find((key) => !(key in rowSchema.shape));
  if (unknownField !== undefined) return invalid(line, unknownField, `${unknownField}: unknown field`);
  const parsed = rowSchema.safeParse(raw);
  if (!parsed.success) {
    const error = fromZodError(parsed.error);
    return invalid(line, error.details.field ?? 'row', error.message);
  }
  const row = parsed.data;
  const source: DataSource = {
    kind: (row.sourceKind as DataSource['kind'] | undefined) ?? defaults.source.kind,
    name: row.sourceName ?? defaults.source.name,
  };
  const verifiedAt = row.verifiedAt ?? null;
  if (verifiedAt && Number.isNaN(verifiedAt.getTime())) return invalid(line, 'verifiedAt', 'verifiedAt: is not a date');
  if (row.city && !row.country) return invalid(line, 'country', 'country: is required with a city');

  const statusOf = (given: DatumStatus | undefined, at: Date | null): DatumStatus => given ?? (at ? 'VERIFIED' : 'UNVERIFIED');

  const emails = (field: 'professionalEmails' | 'directEmails'): IncomingPoint[] | InvalidRow => {
    const out: IncomingPoint[] = [];
    for (const [index, entry] of row[field].entries()) {
      const point = pointOf(entry);
      const value = normalisedEmailAddress(point.raw);
      if (!value) return { line, field: `${field}[${index}]`, message: `${field}[${index}]: is not an e-mail address` };
      const at = point.verifiedAt ?? verifiedAt;
      if (!out.some((email) => email.value === value)) out.push({ value, status: statusOf(point.status, at), lastVerifiedAt: at });
    }
    return out;
  };
  const professionalEmails = emails('professionalEmails');
  if (!Array.isArray(professionalEmails)) return { ok: false, invalid: professionalEmails };
  const directEmails = emails('directEmails');
  if (!Array.isArray(directEmails)) return { ok: false, invalid: directEmails };

  const phones: IncomingPhone[] = [];
  for (const [index, entry] of row.phones.entries()) {
    const point = pointOf(entry);
    const phone = normalisedPhone(point.raw, row.country ?? null);
    if (!phone) return invalid(line, `phones[${index}]`, `phones[${index}]: is not a valid phone number${row.country ? '' : ' (national numbers need the country)'}`);
    const at = point.verifiedAt ?? verifiedAt;
    if (!phones.some((known) => known.value === phone.e164)) {
      phones.push({ value: phone.e164, kind: point.kind ?? phone.kind, country: phone.country, status: statusOf(point.status, at), lastVerifiedAt: at });
    }
  }

  let profileUrl: string | null = null;
  if (row.profileUrl) {
    const normalised = normalisedProfileUrl(row.profileUrl);
    if (!normalised) return invalid(line, 'profileUrl', 'profileUrl: is not a profile URL');
    profileUrl = `https://${normalised}`;
  }
  const skills: string[] = [];
  for (const skill of row.skills) {
    if (!skills.some((known) => sameWords(known, skill))) skills.push(skill);
  }
  return {
    ok: true,
    record: {
      line,
      source,
      verifiedAt,
      name: row.name,
      jobTitle: row.jobTitle,
      company: row.company,
      location: row.country ? { country: row.country, city: row.city } : null,
      skills,
      profileUrl,
      professionalEmails,
      directEmails,
      phones,
    },
  };
}

function sameWords(a: string, b: string): boolean {
  return searchWords(a).join(' ') === searchWords(b).join(' ');
}

/** The identifiers a record can be de-duplicated on: normalised e-mails, E.164 phones, profile URL. */
export function recordIdentifiers(record: IngestRecord): ContactIdentifier[] {
  const datum = (value: string): TextDatum => ({ value, source: record.source, firstSeenAt: new Date(0), lastVerifiedAt: null, status: 'UNVERIFIED' });
  return contactIdentifiers({
    profileUrl: record.profileUrl ? datum(record.profileUrl) : null,
    professionalEmails: record.professionalEmails.map((email) => datum(email.value)),
    directEmails: record.directEmails.map((email) => datum(email.value)),
    phones: record.phones.map((phone) => ({ ...datum(phone.value), kind: phone.kind, country: phone.country })),
  });
}

export type ContactFields = Omit<ContactDocument, 'searchTokens' | 'sortName'> & Partial<Pick<ContactDocument, 'searchTokens' | 'sortName'>>;

const later = (a: Date | null, b: Date | null): Date | null => {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
};

/**
 * Refresh keeps provenance: a value the profile already has keeps its source and first-seen date
 * and takes the newer verification; a changed value is a new datum from this import.
 */
export function refreshDatum<T extends TextDatum>(existing: T | null, incoming: T, same: (a: string, b: string) => boolean): T {
  if (!existing || !same(existing.value, incoming.value)) return incoming;
  const incomingIsNewer = (incoming.lastVerifiedAt?.getTime() ?? -1) > (existing.lastVerifiedAt?.getTime() ?? -1);
  return {
    ...existing,
    lastVerifiedAt: later(existing.lastVerifiedAt, incoming.lastVerifiedAt),
    status: incomingIsNewer ? incoming.status : existing.status,
  };
}

/** Lists merge: known values refreshed in place, new values appended; values the source does not list are kept. */
export function mergeData<T extends TextDatum>(existing: readonly T[], incoming: readonly T[], same: (a: string, b: string) => boolean): T[] {
  const merged = [...existing];
  for (const datum of incoming) {
    const index = merged.findIndex((known) => same(known.value, datum.value));
    if (index === -1) merged.push(datum);
    else merged[index] = refreshDatum(merged[index] ?? null, datum, same);
  }
  return merged;
}

const exact = (a: string, b: string) => a === b;

/**
 * The profile after this record (CON-07): a new contact, or the existing one refreshed. Every
 * datum carries its source, first-seen and verification dates (CON-01); search tokens and sort
 * key follow the fields.
 */
export function mergeRecord(existing: ContactFields | null, record: IngestRecord, context: { id: string; now: Date }): ContactDocument {
  const { now } = context;
  const provenance = (lastVerifiedAt: Date | null, status: DatumStatus) => ({ source: record.source, firstSeenAt: now, lastVerifiedAt, status });
  const recordStatus: DatumStatus = record.verifiedAt ? 'VERIFIED' : 'UNVERIFIED';
  const text = (value: string): TextDatum => ({ value, ...provenance(record.verifiedAt, recordStatus) });
  const scalar = (old: TextDatum | null | undefined, value: string | null): TextDatum | null =>
    value === null ? (old ?? null) : refreshDatum(old ?? null, text(value), sameWords);

  let location: LocationDatum | null = existing?.location ?? null;
  if (record.location) {
    const incoming: LocationDatum = { ...record.location, ...provenance(record.verifiedAt, recordStatus) };
    const same = location && location.country === incoming.country && sameWords(location.city ?? '', incoming.city ?? '');
    location = same && location ? { ...location, lastVerifiedAt: later(location.lastVerifiedAt, incoming.lastVerifiedAt) } : incoming;
  }
  const points = (list: IncomingPoint[]): TextDatum[] => list.map((point) => ({ value: point.value, ...provenance(point.lastVerifiedAt, point.status) }));
  const phones: PhoneDatum[] = record.phones.map((phone) => ({ value: phone.value, kind: phone.kind, country: phone.country, ...provenance(phone.lastVerifiedAt, phone.status) }));

  // PRV-02: a field the person had rectified keeps its corrected value over refreshes.
  const rectified = new Set((existing?.rectifications ?? []).map((rectification) => rectification.field));
  const fields = {
    _id: existing?._id ?? context.id,
    name: existing && rectified.has('name') ? existing.name : (scalar(existing?.name, record.name) ?? text(record.name)),
    jobTitle: existing && rectified.has('jobTitle') ? existing.jobTitle : scalar(existing?.jobTitle, record.jobTitle),
    company: existing && rectified.has('company') ? existing.company : scalar(existing?.company, record.company),
    location: existing && rectified.has('location') ? existing.location : location,
    skills: mergeData(existing?.skills ?? [], record.skills.map(text), sameWords),
    profileUrl: scalar(existing?.profileUrl, record.profileUrl),
    professionalEmails: mergeData(existing?.professionalEmails ?? [], points(record.professionalEmails), exact),
    directEmails: mergeData(existing?.directEmails ?? [], points(record.directEmails), exact),
    phones: mergeData(existing?.phones ?? [], phones, exact),
    lastUpdatedAt: now,
    createdAt: existing?.createdAt ?? now,
    revision: (existing?.revision ?? 0) + 1,
    // PRV-02: a restriction and the rectifications survive refreshes.
    restrictedAt: existing?.restrictedAt ?? null,
    restrictionRequestId: existing?.restrictionRequestId ?? null,
    restrictedBy: existing?.restrictedBy ?? [],
    rectifications: existing?.rectifications ?? [],
  };
  return { ...fields, searchTokens: contactSearchTokens(fields), sortName: sortableName(fields.name.value) };
}

export interface ImportSummary {
  read: number;
  inserted: number;
  updated: number;
  skippedSuppressed: number;
  invalid: InvalidRow[];
}

export function emptySummary(): ImportSummary {
  return { read: 0, inserted: 0, updated: 0, skippedSuppressed: 0, invalid: [] };
}

/** The summary the CLI prints: counts, then each invalid row with its line number. */
export function formatSummary(summary: ImportSummary, maxInvalidLines = 50): string {
  const lines = [
    `rows read:            ${summary.read}`,
    `inserted:             ${summary.inserted}`,
    `updated (refreshed):  ${summary.updated}`,
    `skipped (suppressed): ${summary.skippedSuppressed}`,
    `invalid:              ${summary.invalid.length}`,
    ...summary.invalid.slice(0, maxInvalidLines).map((row) => `  line ${row.line}: ${row.message}`),
  ];
  if (summary.invalid.length > maxInvalidLines) lines.push(`  ... and ${summary.invalid.length - maxInvalidLines} more invalid rows`);
  return lines.join('\n');
}
