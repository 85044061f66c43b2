import {
  Mailer,
  OutboxRelay,
  callRpc,
  type OutboxModel,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  schedulePeriodicJob,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { rpcContracts } from '@leadgraph/events';
import { PrivacyAuditResolver } from './audit/audit.resolver';
import { privacyAuditEntryModel } from './audit/audit.model';
import { PrivacyAuditTrail } from './audit/audit.service';
import { consentRecordModel } from './consent/consent.model';
import { ConsentResolver } from './consent/consent.resolver';
import { ConsentService } from './consent/consent.service';
import { loadPrivacyConfig, type PrivacyConfig } from './config';
import { optOutRequestModel } from './opt-out/opt-out.model';
import { optOutRoutes } from './opt-out/opt-out.routes';
import { OptOutService, defaultOptOutSettings } from './opt-out/opt-out.service';
import { retentionRuleModel } from './retention-schedule/retention-schedule.model';
import { RetentionScheduleResolver } from './retention-schedule/retention-schedule.resolver';
import { RetentionScheduleService } from './retention-schedule/retention-schedule.service';
import { dataSubjectRequestConsumers } from './data-subject-requests/data-subject-request.events';
import { dataSubjectAnswerChunkModel, dataSubjectExportModel, dataSubjectRequestModel } from './data-subject-requests/data-subject-request.model';
import { DataSubjectRequestResolver } from './data-subject-requests/data-subject-request.resolver';
import { dataSubjectRequestRoutes } from './data-subject-requests/data-subject-request.routes';
import { DataSubjectRequestService } from './data-subject-requests/data-subject-request.service';
import { RequestRetentionService } from './request-retention/request-retention.service';
import { retentionRunConsumers } from './retention-runs/retention-run.events';
import { retentionRunEvidenceModel } from './retention-runs/retention-run.model';
import { RetentionRunResolver } from './retention-runs/retention-run.resolver';
import { RetentionRunService } from './retention-runs/retention-run.service';
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
  const auditTrail = new PrivacyAuditTrail(privacyAuditEntryModel(connection), infra.clock);
  const consentRecords = consentRecordModel(connection);
  // Consent records carry ConsentChanged in their outbox (PRV-06).
  const optOutRequests = optOutRequestModel(connection);
  const requests = dataSubjectRequestModel(connection);
  const relay = new OutboxRelay(bus, [consentRecords, optOutRequests, requests] as unknown as OutboxModel[], logger);
  const consentService = new ConsentService(consentRecords, auditTrail, infra.clock, () => relay.nudge());
  const mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM);
  const hashKey = { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION };
  let publicUrl = config.PUBLIC_URL ?? '';
  const requestService = new DataSubjectRequestService(
    requests,
    dataSubjectExportModel(connection),
    dataSubjectAnswerChunkModel(connection),
    {
      mailer,
      clock: infra.clock,
      logger,
      auditTrail,
      consent: consentService,
      subProcessors: subProcessorService,
      retentionSchedule: retentionScheduleService,
      workspaceNames: async (workspaceIds) => {
        const answer = await callRpc(bus, rpcContracts.describeWorkspaces.subject, { workspaceIds }, rpcContracts.describeWorkspaces.response);
        return new Map(answer.workspaces.map((workspace) => [workspace.workspaceId, workspace.name]));
      },
      onEventsQueued: () => relay.nudge(),
    },
    { hashKey, sealKey: config.DATA_SUBJECT_SEAL_KEY, publicUrl: () => publicUrl, requestsPerIpPerHour: 20, requestsPerEmailPerHour: 5, verificationsPerIpPerHour: 60 },
  );
  const retentionRuns = new RetentionRunService(retentionRunEvidenceModel(connection), retentionScheduleService, auditTrail, infra.clock, logger);

  const schema = await buildPrivacySchema(
    instanceContainer([
      new SubProcessorResolver(subProcessorService),
      new RetentionScheduleResolver(retentionScheduleService),
      new ConsentResolver(consentService),
      new PrivacyAuditResolver(auditTrail),
      new DataSubjectRequestResolver(requestService),
      new RetentionRunResolver(retentionRuns),
    ]),
  );
  // Public opt-out page (PRV-01): confirmed requests carry ContactOptedOut in their outbox.
  const optOutService = new OptOutService(
    optOutRequests,
    mailer,
    infra.clock,
    logger,
    defaultOptOutSettings(hashKey),
    () => relay.nudge(),
    auditTrail,
  );
  const consumers = [
    ...dataSubjectRequestConsumers({ bus, connection, clock: infra.clock, logger, requests: requestService }),
    ...retentionRunConsumers({ bus, connection, clock: infra.clock, logger, runs: retentionRuns }),
  ];
  const requestRetention = new RequestRetentionService(requests, dataSubjectExportModel(connection), optOutRequests, dataSubjectAnswerChunkModel(connection), retentionRuns, infra.clock, logger, config.RETENTION_DRY_RUN);
  const stopRetentionJob = schedulePeriodicJob('privacy-requests-retention', config.PRIVACY_RETENTION_INTERVAL_MS, () => requestRetention.purge(), logger);
  const stopDeadlineJob = schedulePeriodicJob('data-subject-request-deadlines', config.PRIVACY_JOB_INTERVAL_MS, () => requestService.denyUnverifiedPastDue(), logger);
  const running = await serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers,
    routes: (app) => {
      optOutRoutes(optOutService)(app);
      dataSubjectRequestRoutes(requestService)(app);
    },
    onStop: [stopDeadlineJob, stopRetentionJob, () => mailer.close()],
  });
  if (!config.PUBLIC_URL) publicUrl = new URL(running.url).origin;
  return running;
}

if (require.main === module) runServiceMain(() => startPrivacyService(loadPrivacyConfig()));
