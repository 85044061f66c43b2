import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ContactDocument } from '../contacts/contact.model';
import type { RevealField } from '../reveals/reveal.model';
import { exportFormats } from './export.model';

export const MAX_EXPORT_CONTACTS = 1000;
export const DOWNLOAD_LINK_TTL_MS = 15 * 60 * 1000;

export const exportInputSchema = z
  .object({
    contactIds: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a contact id'))
      .min(1, 'give at least one contact')
      .max(MAX_EXPORT_CONTACTS, `at most ${MAX_EXPORT_CONTACTS} contacts`)
      .refine((ids) => new Set(ids).size === ids.length, 'lists a contact twice')
      .nullish(),
    listId: z.string().min(1).max(100).nullish(),
    format: z.enum(exportFormats),
    idempotencyKey: z.string().trim().min(8, 'must be 8 to 100 characters').max(100, 'must be 8 to 100 characters'),
  })
  .strict();

/** Same scope and key, same export: a retried request is never charged twice (CON-06). */
export function exportIdOf(scope: string, idempotencyKey: string): string {
  return `exp_${createHash('sha256').update(`${scope}|${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

/** CON-06: one export credit per contact, each time it is exported. */
export function exportCost(contactCount: number): number {
  return contactCount;
}

export interface ExportRow {
  id: string;
  name: string;
  jobTitle: string | null;
  company: string | null;
  country: string | null;
  city: string | null;
  profileUrl: string | null;
  professionalEmails: string[];
  directEmails: string[];
  phones: string[];
  lastUpdatedAt: string;
}

/** The exported form of a contact: its profile, and the contact details revealed in the scope only. */
export function exportRow(contact: Omit<ContactDocument, 'searchTokens'>, revealed: readonly RevealField[]): ExportRow {
  return {
    id: contact._id,
    name: contact.name.value,
    jobTitle: contact.jobTitle?.value ?? null,
    company: contact.company?.value ?? null,
    country: contact.location?.country ?? null,
    city: contact.location?.city ?? null,
    profileUrl: contact.profileUrl?.value ?? null,
    professionalEmails: revealed.includes('PRO_EMAIL') ? contact.professionalEmails.map((email) => email.value) : [],
    directEmails: revealed.includes('DIRECT_EMAIL') ? contact.directEmails.map((email) => email.value) : [],
    phones: revealed.includes('PHONE') ? contact.phones.map((phone) => phone.value) : [],
    lastUpdatedAt: contact.lastUpdatedAt.toISOString(),
  };
}

export const CSV_HEADER = ['id', 'name', 'job_title', 'company', 'country', 'city', 'profile_url', 'professional_emails', 'direct_emails', 'phones', 'last_updated_at'];

export function csvCells(row: ExportRow): string[] {
  return [row.id, row.name, row.jobTitle ?? '', row.company ?? '', row.country ?? '', row.city ?? '', row.profileUrl ?? '', row.professionalEmails.join(';'), row.directEmails.join(';'), row.phones.join(';'), row.lastUpdatedAt];
}

/** A download link's signature: HMAC of the export id and the expiry, so links cannot be forged or extended. */
export function downloadSignature(exportId: string, expiresAtMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${exportId}.${expiresAtMs}`).digest('hex');
}

export function verifyDownload(exportId: string, expiresAtMs: number, signature: string, secret: string, now: Date): boolean {
  if (!Number.isFinite(expiresAtMs) || expiresAtMs < now.getTime()) return false;
  const expected = Buffer.from(downloadSignature(exportId, expiresAtMs, secret), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
