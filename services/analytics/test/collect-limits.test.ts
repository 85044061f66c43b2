import type { RunningService } from '@leadgraph/platform';
import { callSubgraph, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName } from '@leadgraph/platform/src/testing';
import { loadAnalyticsConfig } from '../src/config';
import { startAnalyticsService } from '../src/main';

/** The public collector: batches per client IP and minute (429 with Retry-After), CORS for the web app only. */
describe('analytics collection: rate limit', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let analytics: RunningService;
  let nats: { url: string; stop(): Promise<void> };

  beforeAll(async () => {
    nats = await startIsolatedNats();
    analytics = await startAnalyticsService(loadAnalyticsConfig(serviceTestEnv('analytics', { NATS_URL: nats.url, ANALYTICS_COLLECT_BATCHES_PER_MINUTE: '3', ANALYTICS_CORS_ORIGINS: 'https://app.leadgraph.test' })), { clock, logger: testLogger('analytics') });
  });
  afterAll(async () => {
    await analytics.infra.connection.dropDatabase();
    await analytics.stop();
    await nats.stop();
  });

  it('[ANA-01] a client sending more batches than allowed per minute gets 429 with Retry-After', async () => {
    const send = () =>
      fetch(new URL('/collect', analytics.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ type: 'PAGE_VIEW', name: 'view', page: '/', occurredAt: clock.now().toISOString() }] }),
      });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await send()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await send();
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMITED', field: null, message: expect.stringMatching(/retry in/) } });
  });

  it('[ANA-01] trackEvents has the same per-subject budget: the next batch is RATE_LIMITED with a retry delay', async () => {
    const visitorId = uniqueName('visitor');
    const track = () =>
      callSubgraph<{ trackEvents: { accepted: number } }>(analytics.url, 'mutation($input: TrackEventsInput!) { trackEvents(input: $input) { accepted } }', {
        variables: { input: { visitorId, events: [{ type: 'PAGE_VIEW', name: 'view', page: '/', occurredAt: clock.now().toISOString() }] } },
        caller: { kind: 'anonymous' },
        now: clock.now(),
      });
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await track());
    expect(answers.slice(0, 3).map((answer) => answer.data?.trackEvents.accepted)).toEqual([1, 1, 1]);
    expect(answers[3]?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
  });

  it('[ANA-01] only the configured web origins get CORS headers', async () => {
    const preflight = (origin: string) =>
      fetch(new URL('/collect', analytics.url), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const allowed = await preflight('https://app.leadgraph.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.leadgraph.test');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/sec-gpc/);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
