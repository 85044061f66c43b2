import type { EventData } from '@leadgraph/events';

/** A verified data-subject request as privacy publishes it (PRV-03, PRV-05). */
export type DataSubjectRequestOpened = EventData<'DataSubjectRequestOpened'>;

/** A privacy officer lifted the restriction a (completed) RESTRICTION request obtained (PRV-05, GDPR art. 18(3)). */
export type DataSubjectRestrictionLifted = EventData<'DataSubjectRestrictionLifted'>;
