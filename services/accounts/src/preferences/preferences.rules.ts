import { z } from 'zod';
import type { UserDocument } from '../users/user.model';

/** Preference rules: what an update changes, and when marketing consent is (re)recorded. Pure. */

export const updatePreferencesInputSchema = z
  .object({
    language: z.enum(['en', 'fr']).nullish(),
    marketingEmails: z.boolean().nullish(),
  })
  .refine((input) => (input.language ?? null) !== null || (input.marketingEmails ?? null) !== null, {
    message: 'give at least one preference to change',
    path: ['input'],
  });
export type UpdatePreferencesInput = z.infer<typeof updatePreferencesInputSchema>;

/**
 * The `$set` an update needs (empty when nothing changes). The marketing choice's date changes
 * only when the choice does: it is the proof of when consent was given or withdrawn.
 */
export function preferenceChanges(
  current: UserDocument['preferences'],
  input: UpdatePreferencesInput,
  now: Date,
): Record<string, string | boolean | Date> {
  const changes: Record<string, string | boolean | Date> = {};
  if (input.language && input.language !== current.language) changes['preferences.language'] = input.language;
  if (typeof input.marketingEmails === 'boolean' && input.marketingEmails !== current.marketingEmails) {
    changes['preferences.marketingEmails'] = input.marketingEmails;
    changes['preferences.marketingEmailsChangedAt'] = now;
  }
  return changes;
}
