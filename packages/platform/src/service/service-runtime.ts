import type { Connection } from 'mongoose';
import type { Subscription } from 'nats';
import type { GraphQLSchema } from 'graphql';
import type { Express } from 'express';
import { z } from 'zod';
import type { ServiceName } from '@leadgraph/events';
import { systemClock, type Clock } from '../clock/clock';
import { DEV_DATA_SUBJECT_SEAL_KEY, baseServiceConfigShape } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';
import { connectMongo, isMongoReady, syncIndexes } from '../mongo/connection';
import { EventBus } from '../bus/event-bus';
import { processedEventModel } from '../bus/processed-event.model';
import type { OutboxRelay } from '../bus/outbox-relay';
import type { BackgroundConsumer } from '../bus/event-consumer';
import { startSubgraphServer } from '../graphql/subgraph-server';

/** Config fields every subgraph service has; `port` and db name defaults differ per service. */
export function subgraphServiceConfigShape(service: ServiceName, defaultPort: number) {
  return {
    ...baseServiceConfigShape,
    PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
    MONGO_URL: z.string().default('mongodb://127.0.0.1:27017'),
    MONGO_DB: z.string().default(`leadgraph_${service}`),
    /** Seals personal data inside data-subject request events (PRV-05); the same on every subgraph. */
    DATA_SUBJECT_SEAL_KEY: z.string().min(32).default(DEV_DATA_SUBJECT_SEAL_KEY),
  };
}

export interface SubgraphServiceConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  LOG_LEVEL: string;
  HOST: string;
  PORT: number;
  MONGO_URL: string;
  MONGO_DB: string;
  DATA_SUBJECT_SEAL_KEY: string;
  NATS_URL: string;
  GATEWAY_SECRET: string;
}

/** What a service's composition root gets before it wires its features. */
export interface ServiceInfra {
  name: ServiceName;
  connection: Connection;
  bus: EventBus;
  logger: Logger;
  clock: Clock;
}

export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
}

export async function connectServiceInfra(
  name: ServiceName,
  config: SubgraphServiceConfig,
  overrides: ServiceOverrides = {},
): Promise<ServiceInfra> {
  const logger = overrides.logger ?? createLogger({ name, level: config.LOG_LEVEL });
  const connection = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  // Registered now so its collection is created at start-up with the others (see syncIndexes).
  processedEventModel(connection);
  const bus = await EventBus.connect({ url: config.NATS_URL, name, logger });
  return { name, connection, bus, logger, clock: overrides.clock ?? systemClock };
}

export interface RunningService {
  name: ServiceName;
  url: string;
  port: number;
  infra: ServiceInfra;
  relay: OutboxRelay;
  stop(): Promise<void>;
}

/**
 * Builds indexes, starts the outbox relay, event consumers and RPC handlers, then serves the
 * subgraph. `stop()` undoes all of it in reverse order.
 */
export async function serveSubgraphService(
  infra: ServiceInfra,
  config: SubgraphServiceConfig,
  parts: {
    schema: GraphQLSchema;
    relay: OutboxRelay;
    consumers?: BackgroundConsumer[];
    rpc?: Subscription[];
    routes?: (app: Express) => void;
    /** Periodic jobs' stop functions and other resources to release on stop. */
    onStop?: Array<() => Promise<void> | void>;
  },
): Promise<RunningService> {
  await syncIndexes(infra.connection);
  parts.relay.start();
  for (const consumer of parts.consumers ?? []) await consumer.start();
  const http = await startSubgraphServer(
    {
      name: infra.name,
      schema: parts.schema,
      gatewaySecret: config.GATEWAY_SECRET,
      production: config.NODE_ENV === 'production',
      clock: infra.clock,
      logger: infra.logger,
      readiness: {
        mongo: () => isMongoReady(infra.connection),
        nats: async () => infra.bus.isConnected(),
      },
      routes: parts.routes,
    },
    config.PORT,
    config.HOST,
  );
  infra.logger.info({ url: http.url }, `${infra.name} subgraph listening`);
  return {
    name: infra.name,
    url: http.url,
    port: http.port,
    infra,
    relay: parts.relay,
    stop: async () => {
      await http.close();
      for (const stop of parts.onStop ?? []) await stop();
      for (const subscription of parts.rpc ?? []) subscription.unsubscribe();
      for (const consumer of parts.consumers ?? []) await consumer.stop();
      await parts.relay.stop();
      await infra.bus.close();
      await infra.connection.close();
    },
  };
}

/** Entry point helper for `node main.ts`: starts, logs fatal errors, stops cleanly on signals. */
export function runServiceMain(start: () => Promise<{ stop(): Promise<void> }>): void {
  start()
    .then((running) => {
      const shutdown = () => {
        running.stop().finally(() => process.exit(0));
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
