import pino, { type Logger } from 'pino';

export type { Logger };

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
// Runs of digits with optional separators and leading +: phone numbers when they hold 8 to 15
// digits (E.164) and are not an ISO date; loopback addresses and dates stay readable.
const PHONE_CANDIDATE = /[+(]?\d[\d\s().-]{6,}\d/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

function scrubPhone(candidate: string): string {
  const digits = candidate.replace(/\D/g, '').length;
  return digits >= 8 && digits <= 15 && !ISO_DATE.test(candidate) ? '[phone]' : candidate;
}
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const API_TOKEN = /\blg_[A-Za-z0-9_-]{16,}/g;

const SECRET_KEYS = new Set([
  'password',
  'newpassword',
  'currentpassword',
  'token',
  'accesstoken',
  'refreshtoken',
  'apitoken',
  'authorization',
  'cookie',
  'code',
  'secret',
  'email',
  'phone',
  'x-leadgraph-identity',
]);

/** Removes e-mails, phone numbers and credentials from any string before it reaches a log line. */
export function scrubText(text: string): string {
  return text
    .replace(JWT, '[jwt]')
    .replace(BEARER, '$1 [redacted]')
    .replace(API_TOKEN, '[api-token]')
    .replace(EMAIL, '[email]')
    .replace(PHONE_CANDIDATE, scrubPhone);
}

export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: scrubText(value.message), stack: value.stack ? scrubText(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : scrubValue(inner, depth + 1);
  }
  return out;
}

/** pino logger whose every line has personal data and secrets scrubbed. */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: (error: unknown) => scrubValue(error) },
    },
    options.destination,
  );
}
