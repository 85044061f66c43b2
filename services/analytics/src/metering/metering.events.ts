import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { UsageService } from '../usage/usage.service';
import type { MeteringService } from './metering.service';
import {
  creditsGrantedIncrements,
  creditsPerField,
  exportIncrements,
  revealIncrements,
  searchIncrements,
  signUpIncrements,
  subscriptionIncrements,
} from './metering.rules';

/**
 * ANA-02: usage measured from domain events, server side. Every handler is idempotent per event
 * id on its own (guarded `$inc`, `$min`), beyond the consumer's processed-event check.
 */
export function meteringConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  metering: MeteringService;
  usage: UsageService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'analytics' });
  const { metering, usage } = deps;
  return [
    consumer('ContactRevealed', async (event) => {
      const at = new Date(event.data.revealedAt);
      await metering.count(event.id, at, revealIncrements(event.data));
      await metering.funnelStep(event.data.userId, 'firstRevealAt', at);
      const { workspaceId } = event.data;
      if (!workspaceId) return;
      for (const { field, credits } of creditsPerField(event.data.fields, event.data.creditsCharged)) {
        await usage.record({ workspaceId, creditType: field, occurredAt: at, creditsSpent: credits, actions: 1, eventId: event.id });
      }
    }),
    consumer('ContactsExported', async (event) => {
      const at = new Date(event.data.exportedAt);
      await metering.count(event.id, at, exportIncrements(event.data));
      const { workspaceId } = event.data;
      if (workspaceId && event.data.contactCount > 0) {
        await usage.record({ workspaceId, creditType: 'EXPORT', occurredAt: at, creditsSpent: event.data.contactCount, actions: event.data.contactCount, eventId: event.id });
      }
    }),
    consumer('ContactSearchPerformed', async (event) => {
      const at = new Date(event.data.searchedAt);
      await metering.count(event.id, at, searchIncrements(event.data));
      await metering.funnelStep(event.data.userId, 'firstSearchAt', at);
    }),
    consumer('CreditsGranted', (event) => metering.count(event.id, new Date(event.data.grantedAt), creditsGrantedIncrements(event.data))),
    consumer('AccountCreated', async (event) => {
      const at = new Date(event.data.createdAt);
      await metering.count(event.id, at, signUpIncrements());
      await metering.funnelStep(event.data.userId, 'signedUpAt', at);
    }),
    consumer('SubscriptionStarted', async (event) => {
      const at = new Date(event.data.periodStart);
      await metering.count(event.id, at, subscriptionIncrements(event.data));
      await metering.funnelStep(event.data.subscriberUserId, 'subscribedAt', at);
    }),
  ];
}
