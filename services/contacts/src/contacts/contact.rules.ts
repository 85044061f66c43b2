import { parsePhoneNumberFromString } from 'libphonenumber-js';
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

export function maskedProfile(contact: Omit<ContactDocument, 'searchTokens' | 'createdAt'>): MaskedContactProfile {
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
      status: phone.status,
      lastVerifiedAt: phone.lastVerifiedAt,
    })),
    lastUpdatedAt: contact.lastUpdatedAt,
  };
}
