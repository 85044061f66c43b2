import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { DataSubjectRequestService } from './data-subject-request.service';

/**
 * PRV-05: every verified data-subject request (privacy publishes it only after PRV-03) is carried
 * out here and answered with DataSubjectRequestAnsweredByContacts, once per request.
 */
export function dataSubjectRequestConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; requests: DataSubjectRequestService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'contacts' });
  return [
    consumer('DataSubjectRequestOpened', async (event) => {
      await deps.requests.handle(event.data);
    }),
    // GDPR art. 18(3): privacy lifts a completed restriction; only that request's restriction goes.
    consumer('DataSubjectRestrictionLifted', async (event) => {
      await deps.requests.lift(event.data);
    }),
  ];
}
