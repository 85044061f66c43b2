import type { Connection } from 'mongoose';
import type { EventName } from '@leadgraph/events';
import { EventConsumer, type Clock, type EventBus, type EventHandler, type Logger } from '@leadgraph/platform';
import type { ActivityLog } from '../activity/activity.service';
import type { ApiTokenService } from '../api-tokens/api-token.service';
import type { InvitationService } from '../invitations/invitation.service';
import type { WorkspaceService } from './workspace.service';

export interface WorkspaceConsumerDependencies {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  workspaces: WorkspaceService;
  invitations: Pick<InvitationService, 'revokeAllOf'>;
  apiTokens: Pick<ApiTokenService, 'revokeAllInWorkspace'>;
  activity: Pick<ActivityLog, 'purgeWorkspace'>;
}

/**
 * Durable name per database: handled event ids are remembered in the service's database, so two
 * deployments that share a NATS server but not a database (test runs, staging) must not share a
 * durable consumer, or one would acknowledge events meant for the other.
 */
export function durableConsumerName(event: EventName, database: string): string {
  return `${event}__${database.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * What accounts does on events: seat limits follow the subscription (BIL-02); a terminated
 * subscription deletes the workspace, its members keep their accounts (BIL-13); a deleted
 * workspace, whatever the cause, is followed up (members detached, links and tokens revoked,
 * activity purged: ACC-06). Every handler is idempotent.
 */
export function workspaceEventConsumers(deps: WorkspaceConsumerDependencies): Array<EventConsumer<EventName>> {
  const database = deps.connection.name;
  const consumer = <N extends EventName>(event: N, handler: EventHandler<N>): EventConsumer<EventName> =>
    new EventConsumer<N>({
      bus: deps.bus,
      service: 'accounts',
      name: durableConsumerName(event, database),
      event,
      handler,
      connection: deps.connection,
      clock: deps.clock,
      logger: deps.logger,
      // The runtime list only starts and stops consumers; handlers stay typed per event above.
    }) as unknown as EventConsumer<EventName>;

  return [
    consumer('SubscriptionStarted', async (event) => {
      await deps.workspaces.applySeatLimit(event.data.workspaceId, event.data.seats, new Date(event.time), event.id);
    }),
    consumer('SubscriptionChanged', async (event) => {
      await deps.workspaces.applySeatLimit(event.data.workspaceId, event.data.seats, new Date(event.time), event.id);
    }),
    consumer('SubscriptionTerminated', async (event) => {
      await deps.workspaces.deleteWorkspace(event.data.workspaceId, 'SUBSCRIPTION_TERMINATED', new Date(event.data.terminatedAt));
    }),
    consumer('WorkspaceDeleted', async (event) => {
      const { workspaceId } = event.data;
      const at = new Date(event.data.deletedAt);
      await deps.workspaces.detachMembers(workspaceId);
      await deps.invitations.revokeAllOf(workspaceId, at);
      await deps.apiTokens.revokeAllInWorkspace(workspaceId, at);
      await deps.activity.purgeWorkspace(workspaceId);
    }),
  ];
}
