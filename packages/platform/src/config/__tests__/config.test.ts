import { z } from 'zod';
import { ConfigError, DEV_GATEWAY_SECRET, baseServiceConfigShape, loadConfig, mongoUrlFor } from '../config';

describe('config: one zod schema per service, read once', () => {
  const shape = { ...baseServiceConfigShape, PORT: z.coerce.number().int().min(1).max(65535).default(4100) };

  it('has defaults that run locally', () => {
    const config = loadConfig('demo', shape, {});
    expect(config.PORT).toBe(4100);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.GATEWAY_SECRET).toBe(DEV_GATEWAY_SECRET);
  });

  it('lists every bad variable by name', () => {
    let failure: unknown = null;
    try {
      loadConfig('demo', shape, { PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('LOG_LEVEL');
  });

  it('refuses development secrets in production', () => {
    expect(() => loadConfig('demo', shape, { NODE_ENV: 'production' })).toThrow(/GATEWAY_SECRET/);
    const config = loadConfig('demo', shape, { NODE_ENV: 'production', GATEWAY_SECRET: 'x'.repeat(40) });
    expect(config.NODE_ENV).toBe('production');
  });

  it('derives a per-service database URL', () => {
    expect(mongoUrlFor('mongodb://db:27017', 'leadgraph_accounts')).toBe('mongodb://db:27017/leadgraph_accounts');
  });
});
