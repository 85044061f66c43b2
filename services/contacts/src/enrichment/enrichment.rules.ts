import { z } from 'zod';
import { normalisedEmailAddress, normalisedProfileUrl } from '../contacts/contact.rules';
import { revealFields, type RevealField } from '../reveals/reveal.model';
import type { EnrichmentItemResult } from './enrichment.model';

export const MAX_ENRICHMENT_ITEMS = 10_000;
const MAX_IDENTIFIER_LENGTH = 500;

export const enrichmentInputSchema = z
  .object({
    identifiers: z
      .array(z.string())
      .min(1, 'give at least one identifier')
      .max(MAX_ENRICHMENT_ITEMS, `at most ${MAX_ENRICHMENT_ITEMS} identifiers per job`),
    fields: z
      .array(z.enum(revealFields, { error: 'must be PRO_EMAIL, PHONE or DIRECT_EMAIL' }))
      .min(1, 'give at least one field')
      .refine((fields) => new Set(fields).size === fields.length, 'lists a field twice'),
    maxCredits: z.number().int('must be a whole number').positive('must be greater than 0'),
  })
  .strict();

export type EnrichmentInput = z.infer<typeof enrichmentInputSchema>;

export type ParsedIdentifier = { kind: 'PROFILE_URL' | 'EMAIL'; value: string } | { kind: null; value: null };

/** One line of a job: an e-mail (has an @) or a profile URL; anything else is reported on its item. */
export function parseIdentifier(raw: string): ParsedIdentifier {
  const text = raw.trim();
  if (text === '' || text.length > MAX_IDENTIFIER_LENGTH) return { kind: null, value: null };
  if (text.includes('@') && !/^https?:\/\//i.test(text)) {
    const email = normalisedEmailAddress(text);
    return email ? { kind: 'EMAIL', value: email } : { kind: null, value: null };
  }
  const url = normalisedProfileUrl(text);
  return url ? { kind: 'PROFILE_URL', value: url } : { kind: null, value: null };
}

export function itemId(jobId: string, index: number): string {
  return `${jobId}:${String(index).padStart(5, '0')}`;
}

/** Key of an item's budget reservation on its job document. */
export function reservationKey(index: number): string {
  return `i${index}`;
}

/**
 * The field types an item pays for: the fields it planned at its first try that the workspace
 * now has revealed (the reveal service charges each of them once per workspace, CON-03).
 */
export function creditsOfItem(planned: readonly RevealField[], revealedNow: readonly RevealField[]): number {
  return planned.filter((field) => revealedNow.includes(field)).length;
}

/**
 * PRV-05 / CON-08: what an item keeps once the person it concerns is erased or opted out: its
 * status, reason and credits (the job's counts), without the contact or what was revealed.
 */
export function erasedResult(result: EnrichmentItemResult): EnrichmentItemResult {
  return { ...result, contactId: null, revealedFields: [], unavailable: [] };
}
