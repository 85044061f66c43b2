import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import { addressBookActivityEntry } from './activity.rules';
import type { ActivityLog } from './activity.service';

/** Other services' workspace actions that belong in the workspace activity log (ACC-05). */
export function activityConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  activity: Pick<ActivityLog, 'record'>;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'accounts' });
  return [
    consumer('AddressBookActivityRecorded', async (event) => {
      await deps.activity.record({
        // The contacts activity id: a redelivered event writes the same entry again, not a second one.
        id: `address-book:${event.data.activityId}`,
        workspaceId: event.data.workspaceId,
        actorUserId: event.data.actorUserId,
        ...addressBookActivityEntry(event.data),
        at: new Date(event.data.at),
      });
    }),
  ];
}
