import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadContactsConfig, type ContactsConfig } from './config';
import { contactIdentifierModel, contactModel } from './contacts/contact.model';
import { ContactResolver, resolveContactReference } from './contacts/contact.resolver';
import { ContactService } from './contacts/contact.service';
import { doNotCallModel } from './do-not-call/do-not-call.model';
import { DoNotCallService } from './do-not-call/do-not-call.service';
import { extractionFlagModel, usageCounterModel } from './rate-limits/rate-limit.model';
import { UsageGuardService } from './rate-limits/rate-limit.service';
import { BillingCredits } from './billing-credits/billing-credits.service';
import { revealModel, revealRequestModel } from './reveals/reveal.model';
import { RevealResolver } from './reveals/reveal.resolver';
import { RevealService } from './reveals/reveal.service';
import { buildContactsSchema } from './schema';
import { suppressionConsumers } from './suppression/suppression.events';
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
  const contactService = new ContactService(contacts, identifiers, hashKey, guard, (numbers) => doNotCall.listed(numbers));
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
  suppression.addListener(revealService);

  const schema = await buildContactsSchema(instanceContainer([new ContactResolver(contactService), new RevealResolver(revealService, contactService)]), {
    Contact: { __resolveReference: resolveContactReference(contactService) },
  });
  const relay = new OutboxRelay(bus, [reveals] as unknown as OutboxModel[], logger);
  return serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers: [...suppressionConsumers({ bus, connection, clock, logger, suppression })],
  });
}

if (require.main === module) runServiceMain(() => startContactsService(loadContactsConfig()));
