import { createHmac } from 'node:crypto';

/**
 * Keyed hashes (HMAC-SHA256, versioned key) of normalised personal identifiers. Services keep these
 * instead of the identifier itself: deleted accounts' e-mails (ACC-02), suppression lists (CON-08),
 * and opt-out events carry them (ContactOptedOut).
 */
export type IdentifierKind = 'EMAIL' | 'PHONE' | 'PROFILE_URL';

export interface IdentifierHashKey {
  secret: string;
  version: number;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `https://www.LinkedIn.com/in/Jane-Doe/?x=1` -> `linkedin.com/in/jane-doe`. */
export function normaliseProfileUrl(url: string): string {
  const trimmed = url.trim().toLowerCase();
  const withScheme = /^[a-z]+:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`;
  const parsed = new URL(withScheme);
  const host = parsed.hostname.replace(/^(www\.|[a-z]{2}\.)(?=linkedin\.com$)/, '');
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${host}${path}`;
}

/** Phones are expected in E.164 already (`+33612345678`); separators are dropped defensively. */
export function normalisePhone(phone: string): string {
  return phone.replace(/[^\d+]/g, '');
}

export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  switch (kind) {
    case 'EMAIL':
      return normaliseEmail(value);
    case 'PHONE':
      return normalisePhone(value);
    case 'PROFILE_URL':
      return normaliseProfileUrl(value);
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown identifier kind ${String(unreachable)}`);
    }
  }
}

export function identifierHash(kind: IdentifierKind, value: string, key: IdentifierHashKey): string {
  return createHmac('sha256', key.secret).update(`${kind}:${normaliseIdentifier(kind, value)}`).digest('hex');
}

/**
 * The e-mail hashes among a request's or an opt-out's identifiers that this service can match:
 * those made with its current key version (older ones cannot be recomputed), without repeats.
 */
export function currentEmailHashes(identifiers: ReadonlyArray<{ kind: string; hash: string; keyVersion: number }>, keyVersion: number): string[] {
  return [...new Set(identifiers.filter((identifier) => identifier.kind === 'EMAIL' && identifier.keyVersion === keyVersion).map((identifier) => identifier.hash))];
}
