import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { CrmWebhookService } from './crm-webhook.service';

/** CON-08: a scope that had revealed a contact now opted out gets a `contact.opted_out` webhook. */
export function crmWebhookConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; crm: CrmWebhookService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'contacts' });
  return [
    consumer('RevealedContactOptedOut', async (event) => {
      const scope = event.data.workspaceId ? `ws:${event.data.workspaceId}` : event.data.userId ? `user:${event.data.userId}` : null;
      if (!scope) return;
      await deps.crm.notifyOptedOut(scope, event.data.workspaceId, event.data.contactId, new Date(event.data.optedOutAt));
    }),
  ];
}
