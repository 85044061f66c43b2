import { serviceTestEnv, testLogger } from '@leadgraph/platform/src/testing';
import { composeSupergraph } from '../src/compose';
import { loadGatewayConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { graphql } from './test-stack';

describe('gateway in production mode', () => {
  let production: RunningGateway;
  let development: RunningGateway;
  beforeAll(async () => {
    const supergraphSdl = await composeSupergraph();
    const env = serviceTestEnv('gateway');
    production = await startGateway(
      loadGatewayConfig({ ...env, NODE_ENV: 'production', GATEWAY_SECRET: 'p'.repeat(40), ACCESS_TOKEN_SECRET: 'q'.repeat(40) }),
      { logger: testLogger(), supergraphSdl },
    );
    development = await startGateway(loadGatewayConfig({ ...env, NODE_ENV: 'development' }), { logger: testLogger(), supergraphSdl });
  });
  afterAll(async () => {
    await production.stop();
    await development.stop();
  });

  it('turns introspection off in production and keeps it in development', async () => {
    const query = '{ __schema { queryType { name } } }';
    const prod = await graphql(production.url, query);
    expect(prod.errors?.[0]?.message).toMatch(/introspection/i);
    const dev = await graphql(development.url, query);
    expect(dev.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('does not suggest field names in production', async () => {
    const prod = await graphql(production.url, '{ mee { id } }');
    expect(prod.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const dev = await graphql(development.url, '{ mee { id } }');
    expect(dev.errors?.[0]?.message).toMatch(/Did you mean/);
  });

  it('serves the Sandbox landing page in development only', async () => {
    const headers = { accept: 'text/html' };
    const dev = await fetch(development.url, { headers });
    expect(await dev.text()).toMatch(/embeddable-sandbox/i);
    const prod = await fetch(production.url, { headers });
    expect(await prod.text()).not.toMatch(/embeddable-sandbox/i);
  });
});
