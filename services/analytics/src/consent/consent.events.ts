import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { ConsentProjection } from './consent.service';

/** ANA-01 / PRV-06: keeps the local consent projection in step with privacy's records. */
export function consentConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; consent: ConsentProjection }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'analytics' });
  return [consumer('ConsentChanged', (event) => deps.consent.applyConsentChanged(event.data))];
}
