/**
 * The pure parts of `npm run events:tail` (scripts/events-tail.ts): argument parsing, the
 * subject filter and the one-line rendering of an event. No NATS here, so all of it is unit tested.
 */
import { EVENT_SUBJECT_PREFIX, eventNames, eventSubject, isEventName, type EventName } from '@leadgraph/events';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export const TAIL_USAGE = `Usage: npm run events:tail -- [--type <EventName>]... [--since <30s|15m|1h|2d|ISO date>] [--json]

Follows the LEADGRAPH_EVENTS JetStream stream with an ephemeral ordered consumer (nothing is
left on the server) and prints one line per event: time, type, source, subject, id, payload.
  --type <EventName>  only this event type (repeatable); names from the event catalogue
  --since <when>      start from this long ago (30s, 15m, 1h, 2d) or this ISO date;
                      without it, only events published from now on
  --json              raw events as NDJSON instead of readable lines
  --help              this text
Environment: NATS_URL (default ${DEFAULT_NATS_URL}). Ctrl-C stops.`;

export interface TailOptions {
  /** Empty: every event on the stream. */
  types: EventName[];
  /** Null: only events published after the tail started. */
  since: Date | null;
  json: boolean;
  natsUrl: string;
  help: boolean;
}

/** A bad command line: the message says what is wrong; the CLI exits with code 2. */
export class TailUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'TailUsageError';
  }
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `15m`, `1h`, `2d` before `now`, or an ISO 8601 date (`2026-11-23`, `2026-11-23T09:00:00Z`). */
export function parseSince(value: string, now: Date): Date {
  const relative = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (relative) {
    const amount = Number(relative[1]);
    const unit = relative[2] as keyof typeof UNIT_MS;
    return new Date(now.getTime() - amount * UNIT_MS[unit]);
  }
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim());
  const parsed = iso ? new Date(value.trim()) : new Date(Number.NaN);
  if (Number.isNaN(parsed.getTime())) {
    throw new TailUsageError(`--since: "${value}" is neither a duration (30s, 15m, 1h, 2d) nor an ISO date (2026-11-23 or 2026-11-23T09:00:00Z)`);
  }
  return parsed;
}

/** Edit distance (Levenshtein), case-insensitive, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** Catalogue names close to `input`: same letters in another case, containing it, or a few edits away. */
export function closeEventNames(input: string, names: readonly string[] = eventNames, limit = 5): string[] {
  const needle = input.toLowerCase();
  const scored = names
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = editDistance(name, input);
      const contains = needle.length >= 3 && (lower.includes(needle) || needle.includes(lower));
      return { name, score: lower === needle ? -2 : contains ? -1 : distance };
    })
    .filter((candidate) => candidate.score < 0 || candidate.score <= Math.max(2, Math.floor(input.length / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((candidate) => candidate.name);
}

function eventType(value: string): EventName {
  if (isEventName(value)) return value;
  const close = closeEventNames(value);
  throw new TailUsageError(
    `--type: unknown event type "${value}". ${close.length > 0 ? `Did you mean: ${close.join(', ')}?` : 'No catalogue name is close to it.'} ` +
      `(${eventNames.length} types in packages/events/src/catalog.ts)`,
  );
}

/** Reads `process.argv.slice(2)`; throws TailUsageError on anything it does not understand. */
export function parseTailArgs(argv: readonly string[], env: Record<string, string | undefined>, now: Date): TailOptions {
  const options: TailOptions = { types: [], since: null, json: false, natsUrl: env.NATS_URL || DEFAULT_NATS_URL, help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new TailUsageError(`${flag} needs a value`);
      index += 1;
      return next;
    };
    switch (flag) {
      case '--type': {
        const type = eventType(value());
        if (!options.types.includes(type)) options.types.push(type);
        break;
      }
      case '--since':
        if (options.since) throw new TailUsageError('--since given twice');
        options.since = parseSince(value(), now);
        break;
      case '--json':
        options.json = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new TailUsageError(`unknown argument "${argument}"`);
    }
  }
  return options;
}

/**
 * What the ordered consumer asks the server for. One type: its subject. Several: their subjects
 * where the server takes several filters (NATS >= 2.10), else the whole stream, narrowed by
 * `wantsSubject` on the client. None: the whole stream (dead letters included).
 */
export function serverFilter(types: readonly EventName[], serverVersion: string): string | string[] {
  if (types.length === 0) return `${EVENT_SUBJECT_PREFIX}.>`;
  if (types.length === 1) return eventSubject(types[0] as EventName);
  const [major = 0, minor = 0] = serverVersion.split('.').map((part) => Number.parseInt(part, 10));
  return major > 2 || (major === 2 && minor >= 10) ? types.map(eventSubject) : `${EVENT_SUBJECT_PREFIX}.>`;
}

/** Client-side check, whatever the server filtered. */
export function wantsSubject(types: readonly EventName[], subject: string): boolean {
  return types.length === 0 || types.some((type) => eventSubject(type) === subject);
}

/** One message as read from the stream. */
export interface StreamMessage {
  subject: string;
  seq: number;
  /** When the stream stored it. */
  storedAt: Date;
  data: Uint8Array;
}

const MAX_STRING = 24;
const MAX_ITEMS = 4;
const MAX_PAYLOAD = 400;

/** Field names whose values are sealed for one service: shown as `<sealed>`, never printed. */
export function isSealedField(name: string): boolean {
  return /^sealed/i.test(name);
}

/** A compact, single-line view of a payload: short strings, few array items, sealed fields hidden. */
export function compactPayload(value: unknown, depth = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING - 1)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (depth >= 3) return `[…${value.length}]`;
    const items = value.slice(0, MAX_ITEMS).map((item) => compactPayload(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`…+${value.length - MAX_ITEMS}`);
    return `[${items.join(',')}]`;
  }
  if (typeof value === 'object') {
    if (depth >= 3) return '{…}';
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) =>
      `${key}:${isSealedField(key) && item !== null && item !== undefined ? '<sealed>' : compactPayload(item, depth + 1)}`,
    );
    return `{${entries.join(',')}}`;
  }
  return String(value);
}

function field(record: Record<string, unknown>, name: string): string | null {
  const value = record[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** `leadgraph.dlq.<consumer>.<EventName>` -> the consumer service, else null. */
function deadLetterConsumer(subject: string): string | null {
  const parts = subject.split('.');
  return parts[0] === EVENT_SUBJECT_PREFIX && parts[1] === 'dlq' ? (parts[2] ?? '?') : null;
}

/**
 * `<time>  <type>  <source>  subject=<subject>  id=<id>  <payload>`; dead letters are marked
 * `DLQ(<consumer>)`; a message that is not a JSON event is shown as such rather than dropped.
 */
export function formatEventLine(message: StreamMessage): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(message.data).toString('utf8'));
  } catch {
    return `${message.storedAt.toISOString()}  ?  ?  nats=${message.subject}  seq=${message.seq}  <not JSON: ${message.data.length} bytes>`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `${message.storedAt.toISOString()}  ?  ?  nats=${message.subject}  seq=${message.seq}  <not an event: ${compactPayload(parsed)}>`;
  }
  const event = parsed as Record<string, unknown>;
  const type = field(event, 'type') ?? '?';
  const source = (field(event, 'source') ?? '?').replace(/^\/leadgraph\//, '');
  const dlq = deadLetterConsumer(message.subject);
  const payload = compactPayload(event.data);
  return [
    field(event, 'time') ?? message.storedAt.toISOString(),
    dlq ? `${type} DLQ(${dlq})` : type,
    source,
    `subject=${field(event, 'subject') ?? '?'}`,
    `id=${field(event, 'id') ?? '?'}`,
    payload.length > MAX_PAYLOAD ? `${payload.slice(0, MAX_PAYLOAD - 1)}…` : payload,
  ].join('  ');
}

/** `--json`: the event exactly as published (one line), or a wrapper for what is not JSON. */
export function formatEventJson(message: StreamMessage): string {
  const text = Buffer.from(message.data).toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return JSON.stringify({ unparseable: true, subject: message.subject, seq: message.seq, storedAt: message.storedAt.toISOString(), bytes: message.data.length });
  }
}
