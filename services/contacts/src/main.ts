import {
  OutboxRelay,
  connectServiceInfra,
  dataSubjectAnswerModel,
  retentionRunReportModel,
  instanceContainer,
  runServiceMain,
  runOnce,
  schedulePeriodicJob,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadContactsConfig, type ContactsConfig } from './config';
import { contactIdentifierModel, contactModel } from './contacts/contact.model';
import { ContactResolver, resolveContactReference } from './contacts/contact.resolver';
import { ContactService } from './contacts/contact.service';
import { searchPublisher } from './contacts/contact-search.events';
import { doNotCallModel } from './do-not-call/do-not-call.model';
import { DoNotCallService } from './do-not-call/do-not-call.service';
import { enrichmentItemModel, enrichmentJobModel } from './enrichment/enrichment.model';
import { EnrichmentResolver } from './enrichment/enrichment.resolver';
import { EnrichmentService } from './enrichment/enrichment.service';
import { extractionFlagModel, usageCounterModel } from './rate-limits/rate-limit.model';
import { UsageGuardService } from './rate-limits/rate-limit.service';
import { workspaceDataConsumers } from './address-book/address-book.events';
import { addressBookActivityModel, addressBookEntryModel, contactListModel } from './address-book/address-book.model';
import { AddressBookResolver } from './address-book/address-book.resolver';
import { AddressBookService } from './address-book/address-book.service';
import { BillingCredits } from './billing-credits/billing-credits.service';
import { exportModel } from './exports/export.model';
import { ExportResolver } from './exports/export.resolver';
import { ExportService } from './exports/export.service';
import { crmDeliveryAttemptModel, crmDeliveryModel, crmWebhookModel } from './crm-webhooks/crm-webhook.model';
import { CrmWebhookResolver } from './crm-webhooks/crm-webhook.resolver';
import { CrmDeliverer, CrmWebhookService, indexLegacyDeliveries } from './crm-webhooks/crm-webhook.service';
import { crmWebhookConsumers } from './crm-webhooks/crm-webhook.events';
import { RateLimitResolver } from './rate-limits/rate-limit.resolver';
import { RetentionResolver } from './retention/retention.resolver';
import { RetentionService } from './retention/retention.service';
import { revealModel, revealRequestModel } from './reveals/reveal.model';
import { RevealResolver } from './reveals/reveal.resolver';
import { RevealService } from './reveals/reveal.service';
import { buildContactsSchema } from './schema';
import { suppressionConsumers } from './suppression/suppression.events';
import { dataSubjectRequestConsumers } from './data-subject-requests/data-subject-request.events';
import { dataSubjectCaseModel } from './data-subject-requests/data-subject-request.model';
import { DataSubjectRequestService } from './data-subject-requests/data-subject-request.service';
import { suppressionCaseModel, suppressionModel } from './suppression/suppression.model';
import { SuppressionService } from './suppression/suppression.service';

/** Composition root of the contacts subgraph. */
export async function startContactsService(config: ContactsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('contacts', config, overrides);
  const { connection, bus, clock, logger } = infra;
  const hashKey = { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION };
  const contacts = contactModel(connection);
  const identifiers = contactIdentifierModel(connection);

  const doNotCall = new DoNotCallService(doNotCallModel(connection), clock);
  const guard = new UsageGuardService(
    connection,
    usageCounterModel(connection),
    extractionFlagModel(connection),
    {
      searchesPerMinute: config.SEARCH_RATE_PER_MINUTE,
      revealsPerMinute: config.REVEAL_RATE_PER_MINUTE,
      revealsPerDay: config.BULK_REVEALS_PER_DAY,
      searchPagesPerDay: config.BULK_SEARCH_PAGES_PER_DAY,
    },
    clock,
    logger,
  );
  const contactService = new ContactService(contacts, identifiers, hashKey, guard, (numbers) => doNotCall.listed(numbers), searchPublisher(bus, clock, logger));
  const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contacts, identifiers, hashKey, clock, logger);

  // Services call this after writing events so the relay (built below) publishes now.
  const nudgeRelay = () => relay.nudge();
  const reveals = revealModel(connection);
  const revealService = new RevealService(
    reveals,
    revealRequestModel(connection),
    contacts,
    new BillingCredits(bus),
    guard,
    (numbers) => doNotCall.listed(numbers),
    clock,
    logger,
    nudgeRelay,
  );
  const addressBook = new AddressBookService(addressBookEntryModel(connection), contactListModel(connection), addressBookActivityModel(connection), revealService, clock, logger);
  suppression.addListener(revealService);
  suppression.addListener(addressBook);
  // Download links point at this service; its URL is known once it listens.
  let publicBaseUrl = config.PUBLIC_URL ?? '';
  const exports = exportModel(connection);
  const exportService = new ExportService(
    exports,
    contacts,
    reveals,
    addressBook,
    new BillingCredits(bus),
    { linkSecret: config.EXPORT_LINK_SECRET, publicBaseUrl: () => publicBaseUrl },
    clock,
    logger,
    nudgeRelay,
  );
  // CON-06 CRM push: charged through the export path above, delivered and retried here.
  const crmWebhooks = crmWebhookModel(connection);
  const crmDeliveries = crmDeliveryModel(connection);
  const crmAttempts = crmDeliveryAttemptModel(connection);
  const crmSettings = { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS, allowHttp: config.NODE_ENV !== 'production' };
  const crmDeliverer = new CrmDeliverer(crmWebhooks, crmDeliveries, crmAttempts, crmSettings, clock, logger, contacts);
  const crmService = new CrmWebhookService(crmWebhooks, crmDeliveries, crmAttempts, crmDeliverer, exportService, contacts, reveals, crmSettings, clock);
  // Issue 4b bulk enrichment: runs on submit, resumed at start-up and by the periodic job.
  const enrichment = new EnrichmentService(enrichmentJobModel(connection), enrichmentItemModel(connection), contacts, identifiers, suppression, revealService, hashKey, clock, logger);
  // PRV-05 / CON-08: stored CRM payloads and enrichment items lose an opted-out or erased person too.
  suppression.addListener(crmService);
  suppression.addListener(enrichment);
  // PRV-07: every pass (dry or not) is kept and reported to privacy through the outbox.
  const retentionReports = retentionRunReportModel(connection);
  const retention = new RetentionService(contacts, identifiers, revealService, retentionReports, { dryRun: config.RETENTION_DRY_RUN }, clock, logger, nudgeRelay);
  // PRV-02 / PRV-05: verified data-subject requests carried out here and answered once each.
  const dataSubjectAnswers = dataSubjectAnswerModel(connection);
  const dataSubjectRequests = new DataSubjectRequestService(
    dataSubjectCaseModel(connection),
    dataSubjectAnswers,
    contacts,
    identifiers,
    suppression,
    revealService,
    addressBook,
    exportService,
    { crm: crmService, enrichment },
    { hashKey, sealKey: config.DATA_SUBJECT_SEAL_KEY },
    clock,
    logger,
    nudgeRelay,
  );

  const schema = await buildContactsSchema(
    instanceContainer([
      new ContactResolver(contactService),
      new RevealResolver(revealService, contactService),
      new AddressBookResolver(addressBook, contactService),
      new ExportResolver(exportService),
      new RetentionResolver(retention),
      new RateLimitResolver(guard),
      new EnrichmentResolver(enrichment),
      new CrmWebhookResolver(crmService),
    ]),
    { Contact: { __resolveReference: resolveContactReference(contactService) } },
  );
  const relay = new OutboxRelay(bus, [reveals, exports, addressBookActivityModel(connection), dataSubjectAnswers, retentionReports] as unknown as OutboxModel[], logger);
  const jobIntervalMs = config.JOB_INTERVAL_SECONDS * 1000;
  const running = await serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers: [
      ...suppressionConsumers({ bus, connection, clock, logger, suppression }),
      ...dataSubjectRequestConsumers({ bus, connection, clock, logger, requests: dataSubjectRequests }),
      ...workspaceDataConsumers({ bus, connection, clock, logger, addressBook, reveals: revealService }),
      ...crmWebhookConsumers({ bus, connection, clock, logger, crm: crmService }),
    ],
    routes: (app) => {
      app.get('/exports/:id', (request, response, next) => {
        exportService
          .download(request.params.id, String(request.query.expires ?? ''), String(request.query.signature ?? ''), response)
          .catch(next);
      });
    },
  });
  if (!config.PUBLIC_URL) publicBaseUrl = new URL('/', running.url).toString();
  // Jobs start once the indexes exist (serveSubgraphService builds them before listening).
  const stopJobs = [
    schedulePeriodicJob('profile-retention', jobIntervalMs, () => retention.purgeExpired(), logger),
    schedulePeriodicJob('crm-webhook-retries', jobIntervalMs, () => crmDeliverer.retryDue(), logger),
  ];
  stopJobs.push(schedulePeriodicJob('enrichment-resume', jobIntervalMs, () => enrichment.resumeUnfinishedJobs(), logger), () => enrichment.stop());
  // PRV-05: once, so erasures find deliveries and enrichment items stored before they recorded whom they concern.
  const indexing = Promise.all([
    runOnce(connection, 'contacts-crm-delivery-contact-ids', clock.now(), () => indexLegacyDeliveries(crmDeliveries, exports, logger)),
    runOnce(connection, 'contacts-enrichment-item-hashes', clock.now(), () => enrichment.indexLegacyItems()),
  ]).catch((error: unknown) =>
    logger.error({ err: error }, 'indexing CRM deliveries and enrichment items for erasures failed'),
  );
  stopJobs.push(() => indexing.then(() => undefined));
  return {
    ...running,
    stop: async () => {
      for (const stop of stopJobs) await stop();
      await running.stop();
    },
  };
}

if (require.main === module) runServiceMain(() => startContactsService(loadContactsConfig()));
