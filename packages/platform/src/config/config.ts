import { z } from 'zod';

export class ConfigError extends Error {
  constructor(service: string, readonly problems: string[]) {
    super(`Invalid configuration for ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Development-only secrets: production refuses to start with them. */
export const DEV_GATEWAY_SECRET = 'dev-only-gateway-identity-secret-change-me-0123456789';
export const DEV_ACCESS_TOKEN_SECRET = 'dev-only-access-token-secret-change-me-0123456789ab';
export const DEV_SUPPRESSION_KEY = 'dev-only-suppression-hmac-key-change-me-0123456789ab';
export const DEV_DATA_SUBJECT_SEAL_KEY = 'dev-only-data-subject-seal-key-change-me-0123456789';

const secret = (devDefault: string) => z.string().min(32).default(devDefault);

/** Settings every service shares; each service extends this with its own. */
export const baseServiceConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  GATEWAY_SECRET: secret(DEV_GATEWAY_SECRET),
  SMTP_URL: z.string().default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().default('leadgraph <no-reply@leadgraph.local>'),
};

/** Parses env once, with a readable error listing every bad variable. */
export function loadConfig<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const config = result.data as z.infer<z.ZodObject<S>> & Record<string, unknown>;
  if (config.NODE_ENV === 'production') {
    const devSecrets = new Set([DEV_GATEWAY_SECRET, DEV_ACCESS_TOKEN_SECRET, DEV_SUPPRESSION_KEY, DEV_DATA_SUBJECT_SEAL_KEY]);
    const leaked = Object.entries(config)
      .filter(([, value]) => typeof value === 'string' && devSecrets.has(value))
      .map(([key]) => `${key}: a development default cannot be used in production`);
    if (leaked.length > 0) throw new ConfigError(service, leaked);
  }
  return config;
}

/** Mongo connection string for one service's own database: MONGO_URL's server, the service's db name. */
export function mongoUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
