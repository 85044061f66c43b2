import { createEvent, eventCatalog, eventNames } from '@leadgraph/events';
import {
  DEFAULT_NATS_URL,
  TailUsageError,
  closeEventNames,
  compactPayload,
  formatEventJson,
  formatEventLine,
  parseSince,
  parseTailArgs,
  serverFilter,
  wantsSubject,
  type StreamMessage,
} from '../events-tail-lib';

const now = new Date('2026-11-23T12:00:00.000Z');
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const message = (subject: string, data: unknown, seq = 7): StreamMessage => ({ subject, seq, storedAt: new Date('2026-11-23T11:59:59.000Z'), data: encode(data) });

function usageError(run: () => unknown): TailUsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof TailUsageError) return error;
    throw error;
  }
  throw new Error('expected a TailUsageError');
}

describe('events:tail argument parsing (issue 6)', () => {
  it('defaults: every type, new events only, readable lines, NATS_URL or the local server', () => {
    expect(parseTailArgs([], {}, now)).toEqual({ types: [], since: null, json: false, natsUrl: DEFAULT_NATS_URL, help: false });
    expect(parseTailArgs([], { NATS_URL: 'nats://nats.internal:4222' }, now).natsUrl).toBe('nats://nats.internal:4222');
  });

  it('--type repeats (once each), --since and --json, also written --flag=value', () => {
    const options = parseTailArgs(['--type', 'ContactOptedOut', '--type=ConsentChanged', '--type', 'ContactOptedOut', '--since', '15m', '--json'], {}, now);
    expect(options).toMatchObject({ types: ['ContactOptedOut', 'ConsentChanged'], since: new Date('2026-11-23T11:45:00.000Z'), json: true });
  });

  it('an unknown --type is refused with exit code 2 and the catalogue names close to it', () => {
    const error = usageError(() => parseTailArgs(['--type', 'ContactOptOut'], {}, now));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('unknown event type "ContactOptOut"');
    expect(error.message).toContain('Did you mean: ContactOptedOut');
    expect(usageError(() => parseTailArgs(['--type', 'contactoptedout'], {}, now)).message).toContain('Did you mean: ContactOptedOut');
    expect(usageError(() => parseTailArgs(['--type', 'Zzzzzzzzzzzzzzzz'], {}, now)).message).toContain('No catalogue name is close to it');
  });

  it('a flag without its value, an unknown flag or --since twice is a usage error', () => {
    expect(usageError(() => parseTailArgs(['--type'], {}, now)).message).toBe('--type needs a value');
    expect(usageError(() => parseTailArgs(['--since', '--json'], {}, now)).message).toBe('--since needs a value');
    expect(usageError(() => parseTailArgs(['--follow'], {}, now)).message).toBe('unknown argument "--follow"');
    expect(usageError(() => parseTailArgs(['--since', '1h', '--since', '2h'], {}, now)).message).toBe('--since given twice');
  });

  it('--since takes 30s / 15m / 1h / 2d before now, or an ISO date', () => {
    expect(parseSince('30s', now).toISOString()).toBe('2026-11-23T11:59:30.000Z');
    expect(parseSince('15m', now).toISOString()).toBe('2026-11-23T11:45:00.000Z');
    expect(parseSince('1h', now).toISOString()).toBe('2026-11-23T11:00:00.000Z');
    expect(parseSince('2d', now).toISOString()).toBe('2026-11-21T12:00:00.000Z');
    expect(parseSince('2026-11-20T08:30:00Z', now).toISOString()).toBe('2026-11-20T08:30:00.000Z');
    expect(parseSince('2026-11-20T08:30:00.250+01:00', now).toISOString()).toBe('2026-11-20T07:30:00.250Z');
    expect(parseSince('2026-11-20', now).toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });

  it.each(['1w', '1 h', 'h', '-1h', 'yesterday', '2026-13-45', '20261120', ''])('--since "%s" is refused with a clear message', (value) => {
    const error = usageError(() => parseTailArgs(['--since', value], {}, now));
    expect(error.message).toContain('neither a duration (30s, 15m, 1h, 2d) nor an ISO date');
  });

  it('close names are ranked: case-insensitive equal, containing, then by edit distance', () => {
    expect(closeEventNames('optedout')).toContain('ContactOptedOut');
    expect(closeEventNames('Subscription')).toEqual(['SubscriptionChanged', 'SubscriptionStarted', 'SubscriptionTerminated']);
    expect(closeEventNames('CreditsGrantd')[0]).toBe('CreditsGranted');
    expect(closeEventNames('x')).toEqual([]);
  });
});

describe('events:tail subject filters (issue 6)', () => {
  it('one type: its subject; several: their subjects on NATS >= 2.10, else the whole stream narrowed on the client', () => {
    expect(serverFilter([], '2.9.10')).toBe('leadgraph.>');
    expect(serverFilter(['ContactOptedOut'], '2.9.10')).toBe('leadgraph.privacy.ContactOptedOut');
    expect(serverFilter(['ContactOptedOut', 'AccountCreated'], '2.10.4')).toEqual(['leadgraph.privacy.ContactOptedOut', 'leadgraph.accounts.AccountCreated']);
    expect(serverFilter(['ContactOptedOut', 'AccountCreated'], '2.9.10')).toBe('leadgraph.>');
    expect(wantsSubject(['ContactOptedOut', 'AccountCreated'], 'leadgraph.accounts.AccountCreated')).toBe(true);
    expect(wantsSubject(['ContactOptedOut'], 'leadgraph.accounts.AccountCreated')).toBe(false);
    expect(wantsSubject(['ContactOptedOut'], 'leadgraph.dlq.contacts.ContactOptedOut')).toBe(false);
    expect(wantsSubject([], 'leadgraph.dlq.contacts.ContactOptedOut')).toBe(true);
  });

  it('every catalogue type filters on leadgraph.<its source>.<its name>', () => {
    for (const name of eventNames) {
      const subject = `leadgraph.${eventCatalog[name].source}.${name}`;
      expect(serverFilter([name], '2.9.10')).toBe(subject);
      expect(wantsSubject([name], subject)).toBe(true);
    }
  });
});

describe('events:tail output (issue 6)', () => {
  const optedOut = createEvent(
    'ContactOptedOut',
    { optOutId: 'optout-1', identifiers: [{ kind: 'EMAIL', hash: 'a'.repeat(64), keyVersion: 1 }], optedOutAt: '2026-11-23T11:59:58.000Z' },
    { subject: 'optout-1', time: new Date('2026-11-23T11:59:58.000Z'), id: 'evt-1' },
  );

  it('a readable line: time, type, source, subject, id and a compact payload (long strings cut)', () => {
    expect(formatEventLine(message('leadgraph.privacy.ContactOptedOut', optedOut))).toBe(
      '2026-11-23T11:59:58.000Z  ContactOptedOut  privacy  subject=optout-1  id=evt-1  ' +
        '{optOutId:"optout-1",identifiers:[{kind:"EMAIL",hash:"aaaaaaaaaaaaaaaaaaaaaaa…",keyVersion:1}],optedOutAt:"2026-11-23T11:59:58.000Z"}',
    );
  });

  it('sealed fields are shown as <sealed>, never their content; null sealed fields stay null', () => {
    const payload = { requestId: 'dsr-1', sealedExport: 'v1.SECRETCIPHERTEXT', nested: { sealedDetails: 'v1.OTHERSECRET', note: null }, sealedNothing: null };
    const line = formatEventLine(message('leadgraph.accounts.DataSubjectRequestAnsweredByAccounts', { type: 'DataSubjectRequestAnsweredByAccounts', source: '/leadgraph/accounts', id: 'e2', subject: 'dsr-1', time: '2026-11-23T11:00:00.000Z', data: payload }));
    expect(line).toContain('sealedExport:<sealed>');
    expect(line).toContain('nested:{sealedDetails:<sealed>,note:null}');
    expect(line).toContain('sealedNothing:null');
    expect(line).not.toContain('SECRET');
  });

  it('long arrays and deep objects are shortened; the payload is capped', () => {
    expect(compactPayload({ list: [1, 2, 3, 4, 5, 6] })).toBe('{list:[1,2,3,4,…+2]}');
    expect(compactPayload({ a: { b: { c: { d: 1 } } } })).toBe('{a:{b:{c:{…}}}}');
    const line = formatEventLine(message('leadgraph.accounts.AccountCreated', { type: 'AccountCreated', data: Object.fromEntries(Array.from({ length: 80 }, (_, index) => [`field${index}`, 'value'])) }));
    expect(line.length).toBeLessThan(520);
    expect(line.endsWith('…')).toBe(true);
  });

  it('dead letters are marked with the consumer service; what is not a JSON event is shown, not dropped', () => {
    expect(formatEventLine(message('leadgraph.dlq.contacts.ContactOptedOut', optedOut))).toContain('  ContactOptedOut DLQ(contacts)  privacy  ');
    expect(formatEventLine(message('leadgraph.privacy.ContactOptedOut', 'not json{', 9))).toBe('2026-11-23T11:59:59.000Z  ?  ?  nats=leadgraph.privacy.ContactOptedOut  seq=9  <not JSON: 9 bytes>');
    expect(formatEventLine(message('leadgraph.privacy.ContactOptedOut', [1, 2]))).toContain('<not an event: [1,2]>');
  });

  it('--json prints the event exactly as published, one line', () => {
    expect(JSON.parse(formatEventJson(message('leadgraph.privacy.ContactOptedOut', optedOut)))).toEqual(optedOut);
    expect(formatEventJson(message('leadgraph.privacy.ContactOptedOut', optedOut))).not.toContain('\n');
    expect(JSON.parse(formatEventJson(message('leadgraph.x.Y', 'oops', 3)))).toMatchObject({ unparseable: true, subject: 'leadgraph.x.Y', seq: 3 });
  });
});
