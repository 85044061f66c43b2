import {
  OutboxRelay,
  connectServiceInfra,
  dataSubjectAnswerModel,
  instanceContainer,
  retentionRunReportModel,
  runServiceMain,
  schedulePeriodicJob,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { pageCountModel, rawEventModel } from './collection/collection.model';
import { CollectionResolver } from './collection/collection.resolver';
import { collectionRoutes } from './collection/collection.routes';
import { defaultCollectionLimits } from './collection/collection.rules';
import { CollectionService } from './collection/collection.service';
import { loadAnalyticsConfig, type AnalyticsConfig } from './config';
import { consentConsumers } from './consent/consent.events';
import { analyticsConsentModel } from './consent/consent.model';
import { ConsentProjection } from './consent/consent.service';
import { dataSubjectConsumers } from './data-subject/data-subject.events';
import { erasureTallyModel } from './data-subject/data-subject.model';
import { DataSubjectService } from './data-subject/data-subject.service';
import { meteringConsumers } from './metering/metering.events';
import { funnelUserModel, metricHourlyModel } from './metering/metering.model';
import { MeteringService } from './metering/metering.service';
import { ReportsResolver } from './reports/reports.resolver';
import { ReportsService } from './reports/reports.service';
import { RetentionService } from './retention/retention.service';
import { buildAnalyticsSchema } from './schema';
import { usageDailyModel } from './usage/usage.model';
import { UsageResolver } from './usage/usage.resolver';
import { UsageService } from './usage/usage.service';

/** Composition root of the analytics subgraph. */
export async function startAnalyticsService(config: AnalyticsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('analytics', config, overrides);
  const { connection, bus, clock, logger } = infra;
  const answers = dataSubjectAnswerModel(connection);
  const retentionReports = retentionRunReportModel(connection);
  // Analytics publishes data-subject answers and retention reports (PRV-05, PRV-07).
  const relay = new OutboxRelay(bus, [answers as unknown as OutboxModel, retentionReports as unknown as OutboxModel], logger);
  const nudgeRelay = () => relay.nudge();

  const usageService = new UsageService(usageDailyModel(connection), config.ANALYTICS_TIME_ZONE, clock);
  const consents = analyticsConsentModel(connection);
  const consent = new ConsentProjection(consents, clock, config.ANALYTICS_CONSENT_CACHE_TTL_MS);
  const rawEvents = rawEventModel(connection);
  const funnel = funnelUserModel(connection);
  const collection = new CollectionService(rawEvents, pageCountModel(connection), consent, clock, config.ANALYTICS_TIME_ZONE, {
    ...defaultCollectionLimits,
    maxEventsPerBatch: config.ANALYTICS_MAX_EVENTS_PER_BATCH,
  });
  const metering = new MeteringService(metricHourlyModel(connection), funnel, clock, (userId) => consent.isRestricted({ subjectType: 'USER', subjectId: userId }));
  const reports = new ReportsService(metricHourlyModel(connection), funnel, pageCountModel(connection), config.ANALYTICS_TIME_ZONE);
  const dataSubjects = new DataSubjectService(rawEvents, funnel, consent, answers, erasureTallyModel(connection), config.DATA_SUBJECT_SEAL_KEY, clock, logger, nudgeRelay);
  const retention = new RetentionService(rawEvents, funnel, consents, retentionReports, clock, logger, nudgeRelay);

  const schema = await buildAnalyticsSchema(instanceContainer([new UsageResolver(usageService), new ReportsResolver(reports), new CollectionResolver(collection, config.ANALYTICS_COLLECT_BATCHES_PER_MINUTE)]));
  const consumers = [
    ...consentConsumers({ bus, connection, clock, logger, consent }),
    ...meteringConsumers({ bus, connection, clock, logger, metering, usage: usageService }),
    ...dataSubjectConsumers({ bus, connection, clock, logger, dataSubjects }),
  ];
  const stopRetention = schedulePeriodicJob(
    'analytics-raw-retention',
    config.ANALYTICS_RETENTION_INTERVAL_MS,
    () => retention.purgeRawEvents({ dryRun: config.RETENTION_DRY_RUN }),
    logger,
  );
  return serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers,
    routes: collectionRoutes(collection, { maxBodyBytes: config.ANALYTICS_MAX_BODY_BYTES, batchesPerMinute: config.ANALYTICS_COLLECT_BATCHES_PER_MINUTE, trustProxy: config.ANALYTICS_TRUST_PROXY, corsOrigins: config.ANALYTICS_CORS_ORIGINS, logger }),
    onStop: [stopRetention],
  });
}

if (require.main === module) runServiceMain(() => startAnalyticsService(loadAnalyticsConfig()));
