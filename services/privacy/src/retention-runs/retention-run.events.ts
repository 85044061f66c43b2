import type { Connection } from 'mongoose';
import { consumerFactory, retentionReportEventName, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { RetentionRunService } from './retention-run.service';

/** PRV-07: each service's retention report becomes evidence here. */
export function retentionRunConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; runs: RetentionRunService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'privacy' });
  return Object.values(retentionReportEventName).map((name) => consumer(name, (event) => deps.runs.recordReport(event.data)));
}
