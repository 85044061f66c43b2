import { eventCatalog, type EventName, type ServiceName } from './catalog';

/** One JetStream stream carries every event; subjects are `leadgraph.<service>.<EventName>`. */
export const EVENT_STREAM = 'LEADGRAPH_EVENTS';
export const EVENT_SUBJECT_PREFIX = 'leadgraph';
export const EVENT_STREAM_SUBJECTS = [`${EVENT_SUBJECT_PREFIX}.>`];

export function eventSubject(name: EventName): string {
  return `${EVENT_SUBJECT_PREFIX}.${eventCatalog[name].source}.${name}`;
}

/** Where a consumer moves an event it gave up on: `leadgraph.dlq.<consumer service>.<EventName>`. */
export function deadLetterSubject(consumer: ServiceName | 'gateway', name: string): string {
  return `${EVENT_SUBJECT_PREFIX}.dlq.${consumer}.${name}`;
}
