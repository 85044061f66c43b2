import type { EventData } from '@leadgraph/events';

/** A verified data-subject request as privacy publishes it (PRV-03, PRV-05). */
export type DataSubjectRequestOpened = EventData<'DataSubjectRequestOpened'>;
