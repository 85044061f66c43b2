import ipaddr from 'ipaddr.js';
import { findPhoneNumbersInText } from 'libphonenumber-js';
import { z } from 'zod';
import { DAY_MS, MINUTE_MS } from '@leadgraph/platform';

/** Front-end event types the collector accepts (ANA-01). */
export const collectedEventTypes = ['PAGE_VIEW', 'ACTION'] as const;
export type CollectedEventType = (typeof collectedEventTypes)[number];

export interface CollectionLimits {
  /** Events per batch; the rest of an oversized batch is rejected event by event. */
  maxEventsPerBatch: number;
  /** Clock skew tolerated for a client timestamp in the future. */
  maxFutureSkewMs: number;
  /** Oldest client timestamp accepted (queued offline events). */
  maxAgeMs: number;
}

export const defaultCollectionLimits: CollectionLimits = { maxEventsPerBatch: 50, maxFutureSkewMs: 5 * MINUTE_MS, maxAgeMs: 7 * DAY_MS };

/** Why one event of a batch was rejected; the rest of the batch goes on. */
export type RejectionReason =
  | 'MALFORMED'
  | 'UNKNOWN_EVENT_TYPE'
  | 'FUTURE_TIMESTAMP'
  | 'TOO_OLD'
  | 'CONTACT_DETAILS_NOT_ALLOWED'
  | 'BATCH_TOO_LARGE';

/** A visitor id is an opaque token set by the consent banner (same alphabet as privacy's). */
export const visitorIdSchema = z
  .string()
  .trim()
  .min(8, 'must be at least 8 characters')
  .max(128, 'is too long')
  .regex(/^[A-Za-z0-9._:-]+$/, 'has invalid characters');

const propertyValueSchema = z.union([z.string().max(200, 'is longer than 200 characters'), z.number().finite(), z.boolean(), z.null()]);

/** One event as the client sends it (zod: the contract of the collector). */
export const collectedEventSchema = z
  .object({
    type: z.string(),
    name: z.string().trim().min(1, 'is required').max(100, 'is longer than 100 characters').regex(/^[\w .:/-]+$/, 'has invalid characters'),
    page: z.string().trim().min(1, 'is required').max(2000, 'is too long'),
    occurredAt: z.string().datetime({ offset: true, message: 'must be an ISO 8601 instant' }),
    properties: z
      .record(z.string().min(1).max(40, 'key is longer than 40 characters').regex(/^[A-Za-z0-9_.-]+$/, 'key has invalid characters'), propertyValueSchema)
      .refine((properties) => Object.keys(properties).length <= 20, 'at most 20 properties')
      .optional(),
  })
  .strict();

export type CollectedEventInput = z.input<typeof collectedEventSchema>;

export interface ValidEvent {
  type: CollectedEventType;
  name: string;
  /** Path only: no scheme, host, query string or fragment. */
  page: string;
  occurredAt: Date;
  properties: Record<string, string | number | boolean | null>;
}

export type EventVerdict = { ok: true; event: ValidEvent } | { ok: false; reason: RejectionReason; detail: string };

/** The path of a page: query string and fragment dropped (they carry search terms, tokens, e-mails). */
export function pagePath(page: string): string | null {
  let path = page.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return null;
    }
  }
  path = path.split(/[?#]/, 1)[0] ?? '';
  if (!path.startsWith('/')) path = `/${path}`;
  return path.length > 512 ? null : path;
}

const EMAIL_PATTERN = /[^\s@/?#&=:;,"'<>]+@[^\s@/?#&=:;,"'<>]+\.[a-z]{2,}/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An e-mail address, or a phone number (national French or international form), anywhere in the text (ANA-03). */
export function looksLikeContactDetail(text: string): boolean {
  const candidate = decoded(text);
  if (EMAIL_PATTERN.test(candidate)) return true;
  // Cheap pre-check: a phone number has at least 8 digits.
  if ((candidate.match(/\d/g)?.length ?? 0) < 8) return false;
  return findPhoneNumbersInText(candidate, 'FR').length > 0;
}

/**
 * Validates one client event against the contract, the clock and ANA-03. Numbers are checked as
 * text too: 33612345678 is a phone number whatever its JSON type.
 */
export function validateEvent(raw: unknown, now: Date, limits: CollectionLimits): EventVerdict {
  if (typeof raw === 'object' && raw !== null && 'type' in raw) {
    const type = (raw as { type: unknown }).type;
    if (typeof type === 'string' && !(collectedEventTypes as readonly string[]).includes(type)) {
      return { ok: false, reason: 'UNKNOWN_EVENT_TYPE', detail: `type: must be one of ${collectedEventTypes.join(', ')}` };
    }
  }
  const parsed = collectedEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: 'MALFORMED', detail: issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'malformed event' };
  }
  const input = parsed.data;
  const type = input.type as CollectedEventType;
  const page = pagePath(input.page);
  if (page === null) return { ok: false, reason: 'MALFORMED', detail: 'page: must be a path' };
  const occurredAt = new Date(input.occurredAt);
  if (occurredAt.getTime() > now.getTime() + limits.maxFutureSkewMs) {
    return { ok: false, reason: 'FUTURE_TIMESTAMP', detail: 'occurredAt: is in the future' };
  }
  if (occurredAt.getTime() < now.getTime() - limits.maxAgeMs) {
    return { ok: false, reason: 'TOO_OLD', detail: `occurredAt: is older than ${Math.round(limits.maxAgeMs / DAY_MS)} days` };
  }
  const properties = input.properties ?? {};
  const texts: Array<[string, string]> = [
    ['name', input.name],
    ['page', page],
    ...Object.entries(properties).flatMap(([key, value]): Array<[string, string]> => [
      [`properties.${key}`, key],
      ...(value === null || typeof value === 'boolean' ? [] : [[`properties.${key}`, String(value)] as [string, string]]),
    ]),
  ];
  const leaking = texts.find(([, text]) => looksLikeContactDetail(text));
  if (leaking) return { ok: false, reason: 'CONTACT_DETAILS_NOT_ALLOWED', detail: `${leaking[0]}: must not contain an e-mail address or a phone number` };
  return { ok: true, event: { type, name: input.name, page, occurredAt, properties } };
}

/**
 * ANA-03: the network part only. IPv4 keeps /24 (a.b.c.0), IPv6 keeps /48; an IPv4-mapped IPv6
 * address is treated as IPv4. Null when the text is not an IP address.
 */
export function truncateIp(address: string | null | undefined): string | null {
  if (!address || !ipaddr.isValid(address)) return null;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') {
    const octets = (parsed as ipaddr.IPv4).octets;
    return `${octets[0]}.${octets[1]}.${octets[2]}.0/24`;
  }
  const parts = (parsed as ipaddr.IPv6).parts;
  const prefix = new ipaddr.IPv6([parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, 0, 0, 0, 0, 0]);
  return `${prefix.toString()}/48`;
}

/** A browser family without version or platform details (fingerprinting material), or null. */
export function userAgentFamily(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const families: Array<[RegExp, string]> = [
    [/bot|crawler|spider|headless/i, 'Bot'],
    [/Edg(e|A|iOS)?\//, 'Edge'],
    [/OPR\/|Opera/, 'Opera'],
    [/Firefox\/|FxiOS\//, 'Firefox'],
    [/Chrome\/|CriOS\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ];
  return families.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'Other';
}

/** `Sec-GPC: 1` is the only value the Global Privacy Control specification defines. */
export function globalPrivacyControlOf(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() === '1';
}
