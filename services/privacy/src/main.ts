import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadPrivacyConfig, type PrivacyConfig } from './config';
import { retentionRuleModel } from './retention-schedule/retention-schedule.model';
import { RetentionScheduleResolver } from './retention-schedule/retention-schedule.resolver';
import { RetentionScheduleService } from './retention-schedule/retention-schedule.service';
import { buildPrivacySchema } from './schema';
import { subProcessorModel } from './sub-processors/sub-processor.model';
import { SubProcessorResolver } from './sub-processors/sub-processor.resolver';
import { SubProcessorService } from './sub-processors/sub-processor.service';

/** Composition root of the privacy subgraph. */
export async function startPrivacyService(config: PrivacyConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('privacy', config, overrides);
  const { connection, bus, logger } = infra;
  const subProcessorService = new SubProcessorService(subProcessorModel(connection));
  const retentionScheduleService = new RetentionScheduleService(retentionRuleModel(connection));
  await subProcessorService.seed();
  await retentionScheduleService.seed();

  const schema = await buildPrivacySchema(
    instanceContainer([new SubProcessorResolver(subProcessorService), new RetentionScheduleResolver(retentionScheduleService)]),
  );
  // No aggregate publishes events yet; the relay is there for the ones that will (opt-outs, requests).
  const relay = new OutboxRelay(bus, [], logger);
  return serveSubgraphService(infra, config, { schema, relay });
}

if (require.main === module) runServiceMain(() => startPrivacyService(loadPrivacyConfig()));
