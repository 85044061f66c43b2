import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { WorkspaceRosterService } from './workspace-roster.service';

/** Keeps billing's head count of each workspace from accounts' events. */
export function workspaceRosterConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  rosters: WorkspaceRosterService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'billing' });
  const { rosters } = deps;
  return [
    consumer('WorkspaceCreated', (event) => rosters.memberJoined(event.data.workspaceId, event.data.createdByUserId), 'roster-WorkspaceCreated'),
    consumer('MemberJoined', (event) => rosters.memberJoined(event.data.workspaceId, event.data.userId), 'roster-MemberJoined'),
    consumer('MemberRemoved', (event) => rosters.memberLeft(event.data.workspaceId, event.data.userId), 'roster-MemberRemoved'),
    consumer('WorkspaceDeleted', (event) => rosters.workspaceDeleted(event.data.workspaceId), 'roster-WorkspaceDeleted'),
  ];
}
