import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadAnalyticsConfig, type AnalyticsConfig } from './config';
import { buildAnalyticsSchema } from './schema';
import { usageDailyModel } from './usage/usage.model';
import { UsageResolver } from './usage/usage.resolver';
import { UsageService } from './usage/usage.service';

/** Composition root of the analytics subgraph. */
export async function startAnalyticsService(config: AnalyticsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('analytics', config, overrides);
  const { connection, bus, clock, logger } = infra;
  const usageService = new UsageService(usageDailyModel(connection), config.ANALYTICS_TIME_ZONE, clock);

  const schema = await buildAnalyticsSchema(instanceContainer([new UsageResolver(usageService)]));
  // Analytics publishes nothing yet; the relay keeps the runtime uniform.
  const relay = new OutboxRelay(bus, [], logger);
  return serveSubgraphService(infra, config, { schema, relay });
}

if (require.main === module) runServiceMain(() => startAnalyticsService(loadAnalyticsConfig()));
