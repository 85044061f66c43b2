import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { RevealService } from '../reveals/reveal.service';
import type { AddressBookService } from './address-book.service';

/**
 * A workspace's contacts data goes with the workspace: deleted workspace (ACC-06), account
 * deleted (its personal reveals, and the workspace it was sole admin of), and the end of a
 * premium subscription (BIL-13). Handlers are idempotent purges.
 */
export function workspaceDataConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  addressBook: AddressBookService;
  reveals: RevealService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'contacts' });
  const purge = async (scope: string) => {
    await deps.addressBook.purgeScope(scope);
    await deps.reveals.purgeScope(scope);
  };
  return [
    consumer('WorkspaceDeleted', (event) => purge(`ws:${event.data.workspaceId}`)),
    consumer('AccountDeleted', async (event) => {
      await purge(`user:${event.data.userId}`);
      if (event.data.deletedWorkspaceId) await purge(`ws:${event.data.deletedWorkspaceId}`);
    }),
    consumer('SubscriptionTerminated', (event) => purge(`ws:${event.data.workspaceId}`)),
  ];
}
