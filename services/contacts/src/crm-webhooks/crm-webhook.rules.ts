import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MAX_EXPORT_CONTACTS } from '../exports/export.rules';

/** Header carrying the signature of a CRM delivery (CON-06). */
export const SIGNATURE_HEADER = 'Leadgraph-Signature';
/** Receivers should refuse deliveries signed longer ago than this. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** CON-06: HMAC-SHA256 of `<timestamp>.<body>` with the workspace's secret, in hex. */
export function signatureOf(body: string, timestampSeconds: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The header value: `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(body: string, at: Date, secret: string): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},v1=${signatureOf(body, timestamp, secret)}`;
}

export type SignatureCheck = { valid: true; timestamp: number } | { valid: false; reason: 'MALFORMED' | 'MISMATCH' | 'EXPIRED' };

/** What a receiver does: parse the header, recompute, compare in constant time, refuse stale timestamps. */
export function verifySignature(header: string | null | undefined, body: string, secret: string, now: Date, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): SignatureCheck {
  const parts = new Map((header ?? '').split(',').map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()] as const));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given)) return { valid: false, reason: 'MALFORMED' };
  const expected = Buffer.from(signatureOf(body, timestamp, secret), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { valid: false, reason: 'MISMATCH' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return { valid: false, reason: 'EXPIRED' };
  return { valid: true, timestamp };
}

/** Delay before the next attempt after `attemptsMade` failed ones: base, 2·base, 4·base… */
export function retryDelayMs(attemptsMade: number, baseSeconds: number): number {
  return baseSeconds * 1000 * 2 ** Math.max(0, attemptsMade - 1);
}

/** Next attempt time, or null when the attempts are used up (the delivery is then FAILED). */
export function nextAttemptAt(attemptsMade: number, maxAttempts: number, baseSeconds: number, now: Date): Date | null {
  return attemptsMade >= maxAttempts ? null : new Date(now.getTime() + retryDelayMs(attemptsMade, baseSeconds));
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Webhook URL: absolute http(s), no credentials; plain http only outside production. */
export function webhookConfigSchema(allowHttp: boolean) {
  return z
    .object({
      url: z
        .string()
        .trim()
        .max(2000, 'at most 2000 characters')
        .refine((value) => {
          try {
            const url = new URL(value);
            return (url.protocol === 'https:' || (allowHttp && url.protocol === 'http:')) && !url.username && !url.password && url.hostname.length > 0;
          } catch {
            return false;
          }
        }, allowHttp ? 'must be an absolute http(s) URL without credentials' : 'must be an absolute https URL without credentials'),
    })
    .strict();
}

export const crmPushInputSchema = z
  .object({
    contactIds: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a contact id'))
      .min(1, 'give at least one contact')
      .max(MAX_EXPORT_CONTACTS, `at most ${MAX_EXPORT_CONTACTS} contacts`)
      .nullish(),
    listId: z.string().min(1).max(100).nullish(),
    idempotencyKey: z.string().trim().min(8, 'must be 8 to 100 characters').max(100, 'must be 8 to 100 characters'),
  })
  .strict();

/** The export key a push uses: the export path charges once per key, so a retried push is charged once. */
export function pushExportKey(idempotencyKey: string): string {
  return `crm:${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

export function deliveryIdOf(exportId: string): string {
  return `crmd_${exportId}`;
}

/** One opt-out notice per scope and contact, however often the event is redelivered. */
export function optOutDeliveryIdOf(scope: string, contactId: string): string {
  return `crmo_${createHash('sha256').update(`${scope}|${contactId}`).digest('hex').slice(0, 32)}`;
}

/** Last characters of the secret, so admins can tell which one is configured without seeing it. */
export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/** The `contacts.exported` body as the service writes it: only `contacts[].id` matters for redaction. */
const exportedBodySchema = z.looseObject({ type: z.literal('contacts.exported'), contacts: z.array(z.looseObject({ id: z.string() })) });

/** An exported delivery body read once: the parsed original (every key kept) and its rows' contact ids. */
export interface ExportedBody {
  original: { contacts: Array<{ id: string }> };
  ids: string[];
}

/** Null when the body is not one we can read (absent, not JSON, or not an export). */
export function readExportedBody(body: string | null): ExportedBody | null {
  if (body === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const read = exportedBodySchema.safeParse(parsed);
  // The parsed original (not the schema output) is kept so a rewrite loses or reorders no other key.
  return read.success ? { original: parsed as ExportedBody['original'], ids: read.data.contacts.map((row) => row.id) } : null;
}

/** Contact ids of the rows in an exported delivery body; null when the body is not one we can read. */
export function contactIdsInBody(body: string | null): string[] | null {
  return readExportedBody(body)?.ids ?? null;
}

export type BodyRedaction = { kind: 'UNCHANGED' } | { kind: 'REWRITTEN'; body: string; removed: string[] } | { kind: 'UNREADABLE' };

/** The read body without the rows of these contacts. */
export function withoutContacts(read: ExportedBody, contactIds: ReadonlySet<string>): Exclude<BodyRedaction, { kind: 'UNREADABLE' }> {
  const removed = read.ids.filter((id) => contactIds.has(id));
  if (removed.length === 0) return { kind: 'UNCHANGED' };
  return { kind: 'REWRITTEN', body: JSON.stringify({ ...read.original, contacts: read.original.contacts.filter((row) => !contactIds.has(row.id)) }), removed };
}

/**
 * PRV-05 / CON-08: the body without the rows of these contacts, everything else kept as it was.
 * UNREADABLE when it cannot be safely rewritten (the caller then drops it).
 */
export function redactBody(body: string | null, contactIds: ReadonlySet<string>): BodyRedaction {
  const read = readExportedBody(body);
  return read ? withoutContacts(read, contactIds) : { kind: 'UNREADABLE' };
}
