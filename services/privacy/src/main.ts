import {
  Mailer,
  OutboxRelay,
  type OutboxModel,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
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
  const relay = new OutboxRelay(bus, [consentRecords as unknown as OutboxModel, optOutRequests as unknown as OutboxModel], logger);
  const consentService = new ConsentService(consentRecords, auditTrail, infra.clock, () => relay.nudge());

  const schema = await buildPrivacySchema(
    instanceContainer([
      new SubProcessorResolver(subProcessorService),
      new RetentionScheduleResolver(retentionScheduleService),
      new ConsentResolver(consentService),
      new PrivacyAuditResolver(auditTrail),
    ]),
  );
  // Public opt-out page (PRV-01): confirmed requests carry ContactOptedOut in their outbox.
  const mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM);
  const optOutService = new OptOutService(
    optOutRequests,
    mailer,
    infra.clock,
    logger,
    defaultOptOutSettings({ secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION }),
    () => relay.nudge(),
  );
  return serveSubgraphService(infra, config, { schema, relay, routes: optOutRoutes(optOutService), onStop: [() => mailer.close()] });
}

if (require.main === module) runServiceMain(() => startPrivacyService(loadPrivacyConfig()));
