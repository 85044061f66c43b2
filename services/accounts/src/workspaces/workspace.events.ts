import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
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
 * What accounts does on events: seat limits follow the subscription (BIL-02); a terminated
 * subscription deletes the workspace, its members keep their accounts (BIL-13); a deleted
 * workspace, whatever the cause, is followed up (members detached, links and tokens revoked,
 * activity purged: ACC-06). Every handler is idempotent.
 */
export function workspaceEventConsumers(deps: WorkspaceConsumerDependencies): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'accounts' });
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
