import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { CreditLedgerService } from '../credits/credit.service';
import type { CreditOwnerDirectory } from './spend.service';

export interface SpendConsumerDependencies {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  owners: Pick<CreditOwnerDirectory, 'recordSubscription' | 'recordTermination'>;
  ledger: Pick<CreditLedgerService, 'forfeitAll'>;
}

/**
 * Who pays follows the workspace's subscription (BIL-08): PREMIUM while it runs, personal
 * credits once it ends, when the pool's credits are lost with the workspace (BIL-13). Each
 * handler is idempotent and ordered by event time, so duplicates and late events change nothing.
 */
export function spendEventConsumers(deps: SpendConsumerDependencies): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'billing' });
  return [
    consumer('SubscriptionStarted', async (event) => {
      const { workspaceId, subscriptionId, planId } = event.data;
      await deps.owners.recordSubscription({ workspaceId, subscriptionId, planId, at: new Date(event.time) });
    }, 'credit-owner-on-SubscriptionStarted'),
    consumer('SubscriptionChanged', async (event) => {
      const { workspaceId, subscriptionId, planId } = event.data;
      await deps.owners.recordSubscription({ workspaceId, subscriptionId, planId, at: new Date(event.data.changedAt) });
    }, 'credit-owner-on-SubscriptionChanged'),
    consumer('SubscriptionTerminated', async (event) => {
      const { workspaceId, subscriptionId } = event.data;
      const at = new Date(event.data.terminatedAt);
      await deps.owners.recordTermination({ workspaceId, subscriptionId, at });
      await deps.ledger.forfeitAll({ ownerType: 'WORKSPACE', ownerId: workspaceId }, 'SUBSCRIPTION_TERMINATED', at);
    }, 'credit-owner-on-SubscriptionTerminated'),
  ];
}
