import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadContactsConfig, type ContactsConfig } from './config';
import { contactModel } from './contacts/contact.model';
import { ContactResolver, resolveContactReference } from './contacts/contact.resolver';
import { ContactService } from './contacts/contact.service';
import { buildContactsSchema } from './schema';

/** Composition root of the contacts subgraph. */
export async function startContactsService(config: ContactsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('contacts', config, overrides);
  const { connection, bus, logger } = infra;
  const contactService = new ContactService(contactModel(connection));

  const schema = await buildContactsSchema(instanceContainer([new ContactResolver(contactService)]), {
    Contact: { __resolveReference: resolveContactReference(contactService) },
  });
  // No aggregate publishes events yet; the relay is there for the ones that will (reveals, exports).
  const relay = new OutboxRelay(bus, [], logger);
  return serveSubgraphService(infra, config, { schema, relay });
}

if (require.main === module) runServiceMain(() => startContactsService(loadContactsConfig()));
