import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { SuppressionService } from './suppression.service';

/** CON-08: opt-outs (PRV-01) and erasure requests (PRV-02) suppress the person here. */
export function suppressionConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; suppression: SuppressionService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'contacts' });
  return [
    consumer('ContactOptedOut', async (event) => {
      await deps.suppression.suppress({ type: 'OPT_OUT', id: event.data.optOutId }, event.data.identifiers, new Date(event.data.optedOutAt));
    }),
    consumer('DataSubjectRequestOpened', async (event) => {
      if (event.data.right !== 'ERASURE' || event.data.identifiers.length === 0) return;
      await deps.suppression.suppress({ type: 'ERASURE_REQUEST', id: event.data.requestId }, event.data.identifiers, new Date(event.data.openedAt));
    }),
  ];
}
