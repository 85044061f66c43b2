import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import { IDENTITY_HEADER, verifyIdentity } from '../auth/identity-header';
import type { Clock } from '../clock/clock';
import { createErrorFormatter } from '../errors/errors';
import type { Logger } from '../logging/logger';
import type { RequestContext } from './context';

export interface SubgraphServerOptions {
  name: string;
  schema: GraphQLSchema;
  gatewaySecret: string;
  production: boolean;
  clock: Clock;
  logger: Logger;
  /** Named readiness probes (Mongo, NATS...) for `/readyz`. */
  readiness: Record<string, () => Promise<boolean>>;
  /** Extra HTTP routes (public pages, webhooks), mounted before `/graphql`. */
  routes?: (app: Express) => void;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Express app with `/healthz`, `/readyz` and the subgraph on `/graphql`, guarded by the gateway signature. */
export async function startSubgraphServer(options: SubgraphServerOptions, port: number, host = '127.0.0.1'): Promise<RunningHttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok', service: options.name });
  });
  app.get('/readyz', async (_request, response) => {
    const checks: Record<string, boolean> = {};
    for (const [name, probe] of Object.entries(options.readiness)) {
      checks[name] = await probe().catch(() => false);
    }
    const ready = Object.values(checks).every(Boolean);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  options.routes?.(app);

  const server = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: !options.production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter((error) => options.logger.error({ err: error }, 'unexpected resolver error')),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No Apollo Studio reporting: traces would only cost time.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await server.start();

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    async (request, response, next) => {
      // Subgraphs are reachable only through the gateway: no valid signature, no GraphQL.
      const header = request.header(IDENTITY_HEADER);
      const caller = await verifyIdentity(header, options.gatewaySecret, options.clock.now());
      if (!caller) {
        response.status(401).json({
          errors: [{ message: 'Requests must come through the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
        });
        return;
      }
      response.locals.caller = caller;
      next();
    },
    expressMiddleware(server, {
      context: async ({ req, res }) => {
        const requestId = req.header('x-request-id') ?? randomUUID();
        return {
          caller: res.locals.caller,
          requestId,
          logger: options.logger.child({ requestId }),
          clientIp: req.header('x-leadgraph-client-ip') ?? null,
        } satisfies RequestContext;
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  const address = httpServer.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/graphql`,
    port: address.port,
    close: async () => {
      await server.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
