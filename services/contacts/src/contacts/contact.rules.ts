import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { afterKeyset, identifierHash, normaliseEmail, normaliseProfileUrl, type IdentifierHashKey, type IdentifierKind } from '@leadgraph/platform';
import type { ContactDocument, DatumStatus, PhoneKind } from './contact.model';

/** Lower-case, accent-free words: `Élodie O'Neil` -> `elodie`, `o`, `neil`. */
export function searchWords(text: string): string[] {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return [...new Set(words)];
}

export type SearchableField = 'name' | 'company' | 'jobTitle' | 'country' | 'city' | 'skills';

/** Token prefixes keep fields apart: "Paris" the city never matches "Paris" the name. */
const TOKEN_PREFIX: Record<SearchableField, string> = {
  name: 'name',
  company: 'company',
  jobTitle: 'title',
  country: 'country',
  city: 'city',
  skills: 'skill',
};

export function fieldTokens(field: SearchableField, text: string): string[] {
  return searchWords(text).map((word) => `${TOKEN_PREFIX[field]}:${word}`);
}

type SearchableProfile = Pick<ContactDocument, 'name' | 'jobTitle' | 'company' | 'location' | 'skills'>;

/** Every token a profile can be found by (CON-02). */
export function contactSearchTokens(profile: SearchableProfile): string[] {
  const tokens = [
    ...fieldTokens('name', profile.name.value),
    ...(profile.jobTitle ? fieldTokens('jobTitle', profile.jobTitle.value) : []),
    ...(profile.company ? fieldTokens('company', profile.company.value) : []),
    ...(profile.location ? fieldTokens('country', profile.location.country) : []),
    ...(profile.location?.city ? fieldTokens('city', profile.location.city) : []),
    ...profile.skills.flatMap((skill) => fieldTokens('skills', skill.value)),
  ];
  return [...new Set(tokens)];
}

export type SearchFilter = Partial<Record<Exclude<SearchableField, 'skills'>, string | null>> & { skills?: string[] | null };

/**
 * Tokens a profile must all carry to match the filter, per filter field. A field given with no
 * searchable word in it maps to an empty list, so the caller can name it.
 */
export function filterTokensByField(filter: SearchFilter): Array<{ field: SearchableField; tokens: string[] }> {
  const fields: Array<{ field: SearchableField; tokens: string[] }> = [];
  for (const field of ['name', 'company', 'jobTitle', 'country', 'city'] as const) {
    const value = filter[field];
    if (value !== undefined && value !== null && value.trim() !== '') fields.push({ field, tokens: fieldTokens(field, value) });
  }
  for (const skill of filter.skills ?? []) {
    if (skill.trim() !== '') fields.push({ field: 'skills', tokens: fieldTokens('skills', skill) });
  }
  return fields;
}

/** `jane.doe@acme.com` -> `j***@acme.com`: the domain is what a searcher needs before revealing. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***@${email.slice(at + 1).toLowerCase()}`;
}

/**
 * `+33612345612` -> `+33 6 ** ** ** 12`: country code, first national digit and last two
 * digits stay, so a searcher sees the country and kind of line, not the number.
 */
export function maskPhone(e164: string): string {
  const keepFirstAndLastTwo = (digits: string): string => {
    const total = digits.replace(/\D/g, '').length;
    let seen = 0;
    return digits.replace(/\d/g, (digit) => {
      seen += 1;
      return seen === 1 || seen > total - 2 ? digit : '*';
    });
  };
  const parsed = parsePhoneNumberFromString(e164);
  const prefix = parsed ? `+${parsed.countryCallingCode} ` : '';
  const international = parsed?.formatInternational() ?? '';
  if (!parsed || !international.startsWith(prefix)) {
    // Unparseable: hide everything but the last two digits.
    let remaining = e164.replace(/\D/g, '').length;
    return e164.replace(/\d/g, (digit) => (remaining-- <= 2 ? digit : '*'));
  }
  return prefix + keepFirstAndLastTwo(international.slice(prefix.length));
}

export interface MaskedContactPoint {
  masked: string;
  status: DatumStatus;
  lastVerifiedAt: Date | null;
}

export interface MaskedPhone extends MaskedContactPoint {
  kind: PhoneKind;
  country: string | null;
  /** On its country's national do-not-call list: not to be called for prospecting. */
  doNotCall: boolean;
}

/** A profile as search shows it: contact details masked until revealed (CON-02). */
export interface MaskedContactProfile {
  id: string;
  name: string;
  jobTitle: string | null;
  company: string | null;
  location: { country: string; city: string | null } | null;
  skills: string[];
  profileUrl: string | null;
  professionalEmails: MaskedContactPoint[];
  directEmails: MaskedContactPoint[];
  phones: MaskedPhone[];
  lastUpdatedAt: Date;
}

type ProfileFields = Omit<ContactDocument, 'searchTokens' | 'createdAt' | 'sortName' | 'revision'>;

export function maskedProfile(contact: ProfileFields, doNotCall: ReadonlySet<string> = new Set()): MaskedContactProfile {
  const maskedEmails = (emails: ContactDocument['professionalEmails']): MaskedContactPoint[] =>
    emails.map((email) => ({ masked: maskEmail(email.value), status: email.status, lastVerifiedAt: email.lastVerifiedAt }));
  return {
    id: contact._id,
    name: contact.name.value,
    jobTitle: contact.jobTitle?.value ?? null,
    company: contact.company?.value ?? null,
    location: contact.location ? { country: contact.location.country, city: contact.location.city } : null,
    skills: contact.skills.map((skill) => skill.value),
    profileUrl: contact.profileUrl?.value ?? null,
    professionalEmails: maskedEmails(contact.professionalEmails),
    directEmails: maskedEmails(contact.directEmails),
    phones: contact.phones.map((phone) => ({
      masked: maskPhone(phone.value),
      kind: phone.kind,
      country: phone.country ?? null,
      doNotCall: doNotCall.has(phone.value),
      status: phone.status,
      lastVerifiedAt: phone.lastVerifiedAt,
    })),
    lastUpdatedAt: contact.lastUpdatedAt,
  };
}

/** Key of the name sort: the name without accents or case (`Élodie` sorts with `elodie`). */
export function sortableName(name: string): string {
  return searchWords(name).join(' ');
}

/** `jane.doe@ACME.com ` -> `jane.doe@acme.com`; null when it is not an address. */
export function normalisedEmailAddress(raw: string): string | null {
  const email = normaliseEmail(raw);
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : null;
}

/** A profile URL as stored and compared (`linkedin.com/in/jane-doe`); null when it is not a URL. */
export function normalisedProfileUrl(raw: string): string | null {
  try {
    const normalised = normaliseProfileUrl(raw);
    return /^[a-z0-9.-]+\.[a-z]{2,}\/.+/.test(normalised) ? normalised : null;
  } catch {
    return null;
  }
}

export interface NormalisedPhone {
  e164: string;
  kind: PhoneKind;
  country: string | null;
}

/**
 * Any written form of a number -> E.164 with its line type (libphonenumber metadata). National
 * forms (`06 12 34 56 78`) need the profile's country; null when the number is not valid.
 */
export function normalisedPhone(raw: string, defaultCountry: string | null): NormalisedPhone | null {
  const parsed = parsePhoneNumberFromString(raw, { defaultCountry: (defaultCountry ?? undefined) as CountryCode | undefined });
  if (!parsed || !parsed.isValid()) return null;
  const type = parsed.getType();
  const kind: PhoneKind = type === 'MOBILE' ? 'MOBILE' : type === 'FIXED_LINE' ? 'LANDLINE' : 'UNKNOWN';
  return { e164: parsed.number, kind, country: parsed.country ?? null };
}

export interface ContactIdentifier {
  kind: IdentifierKind;
  /** Normalised value (e-mail lower-cased, phone E.164, profile URL without scheme). */
  value: string;
}

/** Every identifier a person can be recognised by: de-duplication (CON-07) and opt-out matching (CON-08). */
export function contactIdentifiers(contact: Pick<ContactDocument, 'profileUrl' | 'professionalEmails' | 'directEmails' | 'phones'>): ContactIdentifier[] {
  const identifiers: ContactIdentifier[] = [
    ...contact.professionalEmails.map((email) => ({ kind: 'EMAIL' as const, value: normaliseEmail(email.value) })),
    ...contact.directEmails.map((email) => ({ kind: 'EMAIL' as const, value: normaliseEmail(email.value) })),
    ...contact.phones.map((phone) => ({ kind: 'PHONE' as const, value: phone.value })),
    ...(contact.profileUrl ? [{ kind: 'PROFILE_URL' as const, value: normaliseProfileUrl(contact.profileUrl.value) }] : []),
  ];
  const seen = new Set<string>();
  return identifiers.filter((identifier) => {
    const key = `${identifier.kind}:${identifier.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface HashedIdentifier {
  kind: IdentifierKind;
  hash: string;
  keyVersion: number;
}

/** Keyed hashes of identifiers: what the identifier index and the suppression list store, never the value. */
export function hashIdentifiers(identifiers: readonly ContactIdentifier[], key: IdentifierHashKey): HashedIdentifier[] {
  return identifiers.map((identifier) => ({ kind: identifier.kind, hash: identifierHash(identifier.kind, identifier.value, key), keyVersion: key.version }));
}

export const contactSorts = ['NAME', 'RECENTLY_UPDATED'] as const;
/** Null: database order (contact id), the cheapest keyset. */
export type ContactSort = (typeof contactSorts)[number] | null;

export interface SearchCursor {
  sort: ContactSort;
  /** Sort key of the last row: the sort name, or last update in epoch ms. */
  key: string | number | null;
  id: string;
}

type OrderedRow = Pick<ContactDocument, '_id' | 'sortName' | 'lastUpdatedAt'>;

/** Mongo sort of a search; `_id` breaks ties so every row has exactly one place. */
export function searchOrder(sort: ContactSort): Record<string, 1 | -1> {
  switch (sort) {
    case null:
      return { _id: 1 };
    case 'NAME':
      return { sortName: 1, _id: 1 };
    case 'RECENTLY_UPDATED':
      return { lastUpdatedAt: -1, _id: -1 };
    default: {
      const unreachable: never = sort;
      throw new Error(`unknown sort ${String(unreachable)}`);
    }
  }
}

export function cursorOf(sort: ContactSort, row: OrderedRow): SearchCursor {
  switch (sort) {
    case null:
      return { sort, key: null, id: row._id };
    case 'NAME':
      return { sort, key: row.sortName, id: row._id };
    case 'RECENTLY_UPDATED':
      return { sort, key: new Date(row.lastUpdatedAt).getTime(), id: row._id };
    default: {
      const unreachable: never = sort;
      throw new Error(`unknown sort ${String(unreachable)}`);
    }
  }
}

/** Rows strictly after the cursor in the sort's order (keyset pagination: no skip, no count). */
export function keysetAfter(cursor: SearchCursor): Record<string, unknown> {
  switch (cursor.sort) {
    case null:
      return { _id: { $gt: cursor.id } };
    case 'NAME':
      return afterKeyset('sortName', 'asc', cursor.key, cursor.id);
    case 'RECENTLY_UPDATED':
      return afterKeyset('lastUpdatedAt', 'desc', new Date(Number(cursor.key)), cursor.id);
    default: {
      const unreachable: never = cursor.sort;
      throw new Error(`unknown sort ${String(unreachable)}`);
    }
  }
}
