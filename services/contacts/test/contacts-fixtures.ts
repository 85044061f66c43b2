import type { Connection } from 'mongoose';
import { DEV_SUPPRESSION_KEY } from '@leadgraph/platform';
import { contactIdentifierModel, contactModel, type ContactDocument, type Provenance } from '../src/contacts/contact.model';
import { contactIdentifiers, hashIdentifiers } from '../src/contacts/contact.rules';

export type NewContact = Omit<ContactDocument, 'searchTokens' | 'sortName' | 'revision'>;

export interface ProfileFields {
  name: string;
  company?: string;
  jobTitle?: string;
  country?: string;
  city?: string;
  skills?: string[];
  emails?: string[];
  directEmails?: string[];
  phones?: string[];
}

/** A stored profile with every datum from one partner, for tests that need contacts in place. */
export function profile(id: string, fields: ProfileFields, at: Date): NewContact {
  const seen: Provenance = { source: { kind: 'PARTNER', name: 'test-partner' }, firstSeenAt: at, lastVerifiedAt: at, status: 'VERIFIED' };
  return {
    _id: id,
    name: { value: fields.name, ...seen },
    jobTitle: fields.jobTitle ? { value: fields.jobTitle, ...seen } : null,
    company: fields.company ? { value: fields.company, ...seen } : null,
    location: fields.country ? { country: fields.country, city: fields.city ?? null, ...seen } : null,
    skills: (fields.skills ?? []).map((skill) => ({ value: skill, ...seen })),
    profileUrl: { value: `https://linkedin.com/in/${id}`, ...seen },
    professionalEmails: (fields.emails ?? []).map((email) => ({ value: email, ...seen })),
    directEmails: (fields.directEmails ?? []).map((email) => ({ value: email, ...seen })),
    phones: (fields.phones ?? []).map((phone) => ({ value: phone, kind: 'MOBILE', country: 'FR', ...seen })),
    lastUpdatedAt: at,
    createdAt: at,
  };
}

/** Stores profiles with their identifier index (keyed hashes with the development key), as an import would. */
export async function storeProfiles(connection: Connection, profiles: NewContact[]): Promise<void> {
  await contactModel(connection).create(profiles);
  const key = { secret: DEV_SUPPRESSION_KEY, version: 1 };
  const claims = profiles.flatMap((contact) =>
    hashIdentifiers(contactIdentifiers(contact), key).map((identifier) => ({ _id: identifier.hash, kind: identifier.kind, keyVersion: 1, contactId: contact._id })),
  );
  await contactIdentifierModel(connection).insertMany(claims);
}
