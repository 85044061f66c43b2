import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express from 'express';
import { GraphQLError } from 'graphql';
import {
  DomainError,
  EventBus,
  IDENTITY_HEADER,
  RpcUnavailableError,
  createLogger,
  domainErrorExtensions,
  httpStatusOf,
  runServiceMain,
  signIdentity,
  systemClock,
  type Caller,
  type Clock,
  type Logger,
} from '@leadgraph/platform';
import { CallerResolver } from './auth/caller-resolver';
import { SUPERGRAPH_PATH } from './compose';
import { loadGatewayConfig, subgraphUrls, type GatewayConfig } from './config';

interface GatewayContext {
  caller: Caller;
  requestId: string;
  clientIp: string | null;
}

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Forwards each subgraph request with the caller signed by the gateway. */
class SignedIdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
    private readonly clock: Clock,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: Parameters<RemoteGraphQLDataSource<GatewayContext>['willSendRequest'] & object>[0]) {
    const caller: Caller = context.caller ?? { kind: 'anonymous' };
    request.http?.headers.set(IDENTITY_HEADER, await signIdentity(caller, this.secret, this.clock.now()));
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
    if (context.clientIp) request.http?.headers.set('x-leadgraph-client-ip', context.clientIp);
  }
}

function authenticationError(error: unknown): GraphQLError {
  if (error instanceof DomainError) {
    return new GraphQLError(error.message, {
      extensions: { ...domainErrorExtensions(error), http: { status: httpStatusOf(error.code) } },
    });
  }
  if (error instanceof RpcUnavailableError) {
    return new GraphQLError('Authentication service unavailable, retry shortly', {
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
    });
  }
  throw error;
}

export async function startGateway(
  config: GatewayConfig,
  overrides: { clock?: Clock; logger?: Logger; supergraphSdl?: string } = {},
): Promise<RunningGateway> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ name: 'gateway', level: config.LOG_LEVEL });
  const production = config.NODE_ENV === 'production';
  const bus = await EventBus.connect({ url: config.NATS_URL, name: 'gateway', logger });
  const callers = new CallerResolver(bus, config.ACCESS_TOKEN_SECRET, clock, config.CALLER_CACHE_MS);
  const urls = subgraphUrls(config);

  // @apollo/gateway reports usage to Apollo and probes cloud metadata addresses unless this is set;
  // leadgraph sends nothing outside its own infrastructure.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: overrides.supergraphSdl ?? fs.readFileSync(SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) => new SignedIdentityDataSource(urls[name] ?? url ?? '', config.GATEWAY_SECRET, clock),
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const armor = new ApolloArmor({
    // Field suggestions leak the schema; off in production like introspection.
    blockFieldSuggestion: { enabled: production },
    maxDepth: { n: 12 },
    maxAliases: { n: 20 },
    costLimit: { maxCost: 10_000 },
  });
  const protection = armor.protect();
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: protection.allowBatchedHttpRequests,
    includeStacktraceInErrorResponses: false,
    validationRules: protection.validationRules,
    plugins: [
      ...protection.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await server.start();

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/readyz', async (_request, response) => {
    const checks: Record<string, boolean> = { nats: bus.isConnected() };
    await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        const ready = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2000) })
          .then((answer) => answer.ok)
          .catch(() => false);
        checks[name] = ready;
      }),
    );
    const ready = Object.values(checks).every(Boolean);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => {
        let caller: Caller;
        try {
          caller = await callers.resolve(req.header('authorization'));
        } catch (error) {
          throw authenticationError(error);
        }
        return { caller, requestId: req.header('x-request-id') ?? randomUUID(), clientIp: req.ip ?? null };
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(config.PORT, config.HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    url,
    port,
    stop: async () => {
      await server.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await bus.close();
    },
  };
}

if (require.main === module) runServiceMain(() => startGateway(loadGatewayConfig()));
