import { normalisedPhone } from '../contacts/contact.rules';

export type DoNotCallLine = { ok: true; e164: string } | { ok: false; message: string } | { ok: true; e164: null };

/**
 * One line of a national do-not-call file: a number in national or international form, of that
 * country. Blank lines and `#` comments are skipped (e164 null).
 */
export function parseDoNotCallLine(line: string, country: string): DoNotCallLine {
  const text = line.replace(/#.*/, '').trim();
  if (text === '') return { ok: true, e164: null };
  const phone = normalisedPhone(text, country);
  if (!phone) return { ok: false, message: 'not a valid phone number' };
  if (phone.country !== country) return { ok: false, message: `not a ${country} number` };
  return { ok: true, e164: phone.e164 };
}
