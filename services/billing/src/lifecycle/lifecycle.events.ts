import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { SubscriptionService } from '../subscriptions/subscription.service';

export interface LifecycleConsumerDependencies {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  subscriptions: SubscriptionService;
}

/**
 * What billing does on accounts' events: every new account gets FREEMIUM (BIL-02); a deleted
 * account or workspace ends its PREMIUM early (ACC-06, BIL-11); a suspension for breach suspends
 * the subscriber's subscriptions and a reinstatement lifts it (BIL-12). Every handler is idempotent.
 */
export function lifecycleEventConsumers(deps: LifecycleConsumerDependencies): BackgroundConsumer[] {
  // Named durables: the credit ledger consumes some of the same events in this service.
  const consumer = consumerFactory({ ...deps, service: 'billing' });
  const { subscriptions } = deps;
  return [
    consumer('AccountCreated', async (event) => {
      await subscriptions.startFreemium(event.data.userId, new Date(event.data.createdAt));
    }, 'subscriptions-AccountCreated'),
    consumer('AccountDeleted', async (event) => {
      const at = new Date(event.data.deletedAt);
      await subscriptions.endFreemium(event.data.userId, at);
      await subscriptions.terminateEarlyForDeletion({
        subscriberUserId: event.data.userId,
        deletedWorkspaceId: event.data.deletedWorkspaceId,
        reason: 'ACCOUNT_DELETED',
        at,
      });
    }, 'subscriptions-AccountDeleted'),
    consumer('WorkspaceDeleted', async (event) => {
      // Our own termination deleted it: nothing more to do.
      if (event.data.reason === 'SUBSCRIPTION_TERMINATED') return;
      await subscriptions.terminateEarlyForDeletion({
        workspaceId: event.data.workspaceId,
        deletedWorkspaceId: event.data.workspaceId,
        reason: event.data.reason === 'SOLE_ADMIN_ACCOUNT_DELETED' ? 'ACCOUNT_DELETED' : 'SUBSCRIBER_CHOICE',
        at: new Date(event.data.deletedAt),
      });
    }, 'subscriptions-WorkspaceDeleted'),
    consumer('AccountSuspended', async (event) => {
      await subscriptions.suspendForBreach(event.data.userId, new Date(event.data.suspendedAt), new Date(event.data.regulariseBy));
    }, 'subscriptions-AccountSuspended'),
    consumer('AccountReinstated', async (event) => {
      await subscriptions.liftBreach(event.data.userId);
    }, 'subscriptions-AccountReinstated'),
  ];
}
