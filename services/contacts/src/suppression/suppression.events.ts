import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { SuppressionService } from './suppression.service';

/**
 * CON-08: opt-outs (PRV-01) suppress the person here. Erasure and objection requests (PRV-02)
 * suppress them too, through the data-subject-requests feature, which also answers them.
 */
export function suppressionConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; suppression: SuppressionService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'contacts' });
  return [
    consumer('ContactOptedOut', async (event) => {
      await deps.suppression.suppress({ type: 'OPT_OUT', id: event.data.optOutId }, event.data.identifiers, new Date(event.data.optedOutAt));
    }),
  ];
}
