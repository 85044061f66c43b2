import type { Connection } from 'mongoose';
import { dataSubjectAnswerEventName, consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { DataSubjectRequestService } from './data-subject-request.service';

/** PRV-05: every answering service's confirmation comes back here. */
export function dataSubjectRequestConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; requests: DataSubjectRequestService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'privacy' });
  return Object.values(dataSubjectAnswerEventName).map((name) => consumer(name, (event) => deps.requests.recordAnswer(event.data)));
}
