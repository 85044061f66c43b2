import { signIdentity } from '@leadgraph/platform';
import { graphql, startTestStack, type TestStack } from './test-stack';

describe('gateway: authentication, signed identity and request hardening', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers an anonymous caller on a signed-in-only field with UNAUTHENTICATED', async () => {
    const answer = await graphql(stack.gateway.url, '{ me { id } }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.data).toBeNull();
  });

  it('refuses a forged or expired access token with 401 UNAUTHENTICATED', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic2lkIjoieSJ9.c2lnbmF0dXJl';
    const answer = await graphql(stack.gateway.url, '{ me { id } }', {}, { authorization: `Bearer ${forged}` });
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown partner API token with 401 UNAUTHENTICATED', async () => {
    const answer = await graphql(stack.gateway.url, '{ me { id } }', {}, { authorization: 'Bearer lg_unknowntokenvalue000000000000' });
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('subgraphs refuse requests that do not carry a valid gateway signature', async () => {
    const subgraphUrl = stack.services.accounts!.url;
    const unsigned = await graphql(subgraphUrl, '{ me { id } }');
    expect(unsigned.status).toBe(401);
    expect(unsigned.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const wrongKey = await signIdentity(
      { kind: 'user', userId: 'u1', sessionId: 's1', workspaceId: null, workspaceRole: null, staffRoles: ['SUPER_ADMIN'], scopes: [] },
      'an-attacker-secret-that-is-long-enough-0123456789',
      new Date(),
    );
    const forged = await graphql(subgraphUrl, '{ me { id } }', {}, { 'x-leadgraph-identity': wrongKey });
    expect(forged.status).toBe(401);
  });

  it('blocks cross-site simple requests (CSRF prevention)', async () => {
    const response = await fetch(`${stack.gateway.url}?query=${encodeURIComponent('{ me { id } }')}`, { method: 'GET' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });

  it('rejects queries deeper than the configured limit', async () => {
    let selection = 'id';
    for (let depth = 0; depth < 14; depth += 1) selection = `__typename me { ${selection} }`;
    const answer = await graphql(stack.gateway.url, `{ me { ${selection} } }`);
    expect(answer.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('serves health and readiness', async () => {
    const health = await fetch(new URL('/healthz', stack.gateway.url));
    expect(health.status).toBe(200);
    const ready = await fetch(new URL('/readyz', stack.gateway.url));
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks.nats).toBe(true);
  });
});
