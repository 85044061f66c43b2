import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EVENT_STREAM, createEvent, type LeadgraphEvent } from '@leadgraph/events';
import { REPO_ROOT, type EventBus } from '@leadgraph/platform';
import { connectTestBus, eventually, startIsolatedNats } from '@leadgraph/platform/src/testing';

/**
 * `npm run events:tail` as operators run it: a child process on a real nats-server, reading
 * events this test publishes on the real stream (issue 6, item 5).
 */
interface Tail {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function startTail(args: string[], natsUrl: string): Tail {
  const child = spawn('node', ['-r', '@swc-node/register', 'scripts/events-tail.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NATS_URL: natsUrl },
  });
  const lines: string[] = [];
  let pending = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    lines.push(...complete);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => errors, exited };
}

/** Ctrl-C, as an operator would stop it. */
async function interrupt(tail: Tail): Promise<number | null> {
  tail.child.kill('SIGINT');
  return tail.exited;
}

const waitForStart = (tail: Tail) => eventually(() => expect(tail.stderr()).toContain('events:tail: following LEADGRAPH_EVENTS'), 20_000);

describe('events:tail against a real NATS JetStream stream (issue 6)', () => {
  let nats: { url: string; stop(): Promise<void> };
  let bus: EventBus;
  const published: Record<string, LeadgraphEvent> = {};
  let between: Date;
  const running: Tail[] = [];

  const optedOut = (id: string) =>
    createEvent('ContactOptedOut', { optOutId: id, identifiers: [{ kind: 'EMAIL', hash: 'b'.repeat(64), keyVersion: 1 }], optedOutAt: '2026-11-23T09:00:00.000Z' }, { subject: id, time: new Date(), id });
  const accountCreated = (id: string) => createEvent('AccountCreated', { userId: `user-${id}`, language: 'en', termsVersion: '2026-01', createdAt: '2026-11-23T09:00:00.000Z' }, { subject: `user-${id}`, time: new Date(), id });
  const consentChanged = (id: string) =>
    createEvent(
      'ConsentChanged',
      {
        subjectType: 'VISITOR',
        subjectId: `visitor-${id}`,
        categories: { strictlyNecessary: true, analytics: false, functionality: false, targeting: false },
        policyVersion: '2026-01',
        method: 'REJECT',
        changedAt: '2026-11-23T09:00:00.000Z',
        expiresAt: '2027-05-23T09:00:00.000Z',
      },
      { subject: `visitor-${id}`, time: new Date(), id },
    );
  async function publish(event: LeadgraphEvent): Promise<void> {
    published[event.id] = event;
    await bus.publish(event);
  }

  beforeAll(async () => {
    nats = await startIsolatedNats();
    bus = await connectTestBus('events-tail-test', nats.url);
    // Before `between`: a1..a3; after it: b1..b3. --since filters on the time the stream stored them.
    await publish(optedOut('a1'));
    await publish(accountCreated('a2'));
    await publish(consentChanged('a3'));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await publish(optedOut('b1'));
    await publish(accountCreated('b2'));
    await publish(consentChanged('b3'));
  });
  afterEach(async () => {
    for (const tail of running.splice(0)) if (tail.child.exitCode === null) await interrupt(tail);
  });
  afterAll(async () => {
    await bus.close();
    await nats.stop();
  });

  const tail = (args: string[], url = nats.url) => {
    const started = startTail(args, url);
    running.push(started);
    return started;
  };
  const idOf = (line: string) => /  id=(\S+)  /.exec(line)?.[1];

  it('--type (repeated) and --since an ISO date: only those types, only since then, in stream order, readable lines', async () => {
    const reader = tail(['--type', 'ContactOptedOut', '--type', 'AccountCreated', '--since', between.toISOString()]);
    await eventually(() => expect(reader.lines.map(idOf)).toEqual(['b1', 'b2']), 20_000);
    // A later event of a wanted type arrives after them, and nothing unwanted came in between.
    await publish(optedOut('c1'));
    await publish(consentChanged('c2'));
    await publish(accountCreated('c3'));
    await eventually(() => expect(reader.lines.map(idOf)).toEqual(['b1', 'b2', 'c1', 'c3']), 20_000);
    expect(reader.lines[0]).toBe(
      `${published.b1!.time}  ContactOptedOut  privacy  subject=b1  id=b1  {optOutId:"b1",identifiers:[{kind:"EMAIL",hash:"bbbbbbbbbbbbbbbbbbbbbbb…",keyVersion:1}],optedOutAt:"2026-11-23T09:00:00.000Z"}`,
    );
    expect(reader.lines[1]).toMatch(/^\S+  AccountCreated  accounts  subject=user-b2  id=b2  \{userId:"user-b2",language:"en",/);
    expect(reader.stderr()).toContain('types: ContactOptedOut, AccountCreated; since ' + between.toISOString());
    expect(await interrupt(reader)).toBe(0);
  });

  it('--since 1h --json: the raw events as NDJSON, from the start of the window', async () => {
    const reader = tail(['--since', '1h', '--json', '--type', 'ContactOptedOut']);
    await eventually(() => expect(reader.lines.length).toBeGreaterThanOrEqual(3), 20_000);
    expect(reader.lines.map((line) => JSON.parse(line) as LeadgraphEvent)).toEqual([published.a1, published.b1, published.c1]);
    expect(await interrupt(reader)).toBe(0);
  });

  it('without --since it follows new events only, of every type; sealed fields print as <sealed>', async () => {
    const reader = tail([]);
    await waitForStart(reader);
    const answered = createEvent(
      'DataSubjectRequestAnsweredByAccounts',
      { requestId: 'dsr-1', service: 'accounts', right: 'ACCESS', outcome: 'CARRIED_OUT', actions: [], retained: [], sealedExport: 'v1.TOPSECRETCIPHERTEXT', answeredAt: '2026-11-23T09:00:00.000Z' },
      { subject: 'dsr-1', time: new Date(), id: 'd1' },
    );
    await publish(answered);
    await publish(accountCreated('d2'));
    await eventually(() => expect(reader.lines.map(idOf)).toEqual(['d1', 'd2']), 20_000);
    expect(reader.lines[0]).toContain('  DataSubjectRequestAnsweredByAccounts  accounts  subject=dsr-1  id=d1  ');
    expect(reader.lines[0]).toContain('sealedExport:<sealed>');
    expect(reader.lines[0]).not.toContain('TOPSECRET');
    expect(await interrupt(reader)).toBe(0);
  });

  it('leaves no durable consumer behind (ephemeral ordered consumers only)', async () => {
    const reader = tail(['--since', '1h']);
    await eventually(() => expect(reader.lines.length).toBeGreaterThanOrEqual(8), 20_000);
    const consumers = await (await bus.manager.consumers.list(EVENT_STREAM)).next();
    expect(consumers.length).toBeGreaterThan(0);
    expect(consumers.filter((consumer) => consumer.config.durable_name)).toEqual([]);
    expect(await interrupt(reader)).toBe(0);
  });

  it('a bad command line exits with code 2 and says why (close names for an unknown type)', async () => {
    const unknown = tail(['--type', 'ContactOptOut']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown event type "ContactOptOut". Did you mean: ContactOptedOut');
    expect(unknown.stderr()).toContain('Usage: npm run events:tail');
    const since = tail(['--since', 'yesterday']);
    expect(await since.exited).toBe(2);
    expect(since.stderr()).toContain('--since: "yesterday" is neither a duration');
    expect(unknown.lines).toEqual([]);
  });

  it('an unreachable NATS server is a clear error with exit code 1', async () => {
    const reader = tail([], 'nats://127.0.0.1:1');
    expect(await reader.exited).toBe(1);
    expect(reader.stderr()).toContain('events:tail: cannot connect to NATS at nats://127.0.0.1:1');
  });
});
