import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { DataSubjectRequestService } from './data-subject-request.service';

/**
 * Billing carries out and answers every verified data-subject request (PRV-05); a redelivery is answered once.
 * A lifted restriction is undone once per event id (and lifting again changes nothing).
 */
export function dataSubjectRequestConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  requests: DataSubjectRequestService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'billing' });
  return [
    consumer('DataSubjectRequestOpened', async (event) => {
      await deps.requests.handle(event.data);
    }, 'dsr-DataSubjectRequestOpened'),
    // Lifts only what that request restricted; other causes (an erasure's legal retention) remain.
    consumer('DataSubjectRestrictionLifted', async (event) => {
      await deps.requests.liftRestriction(event.data);
    }, 'dsr-DataSubjectRestrictionLifted'),
  ];
}
