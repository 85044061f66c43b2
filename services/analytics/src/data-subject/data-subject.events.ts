import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { DataSubjectService } from './data-subject.service';

/**
 * PRV-05 / ANA-05: analytics answers every verified data-subject request, and forgets the
 * identified events of a deleted account (ACC-06).
 *
 * No ContactOptedOut consumer, on purpose: an opt-out (PRV-01) names a contact of the B2B
 * database by keyed hashes of an e-mail, phone or profile URL, and analytics stores none of
 * those (ANA-03) nor any hash of them, so there is nothing it could match, and pretending to
 * delete would be dishonest. A person's analytics data is reached through their user id or
 * visitor ids: by an ERASURE request, or by withdrawing analytics consent (later events are
 * then only counted anonymously).
 */
export function dataSubjectConsumers(deps: { bus: EventBus; connection: Connection; clock: Clock; logger: Logger; dataSubjects: DataSubjectService }): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'analytics' });
  return [
    consumer('DataSubjectRequestOpened', async (event) => {
      await deps.dataSubjects.answer(event.data);
    }),
    // GDPR art. 18(3): privacy lifted a restriction this service applied; idempotent per event id.
    consumer('DataSubjectRestrictionLifted', async (event) => {
      await deps.dataSubjects.liftRestriction(event.data);
    }),
    consumer('AccountDeleted', async (event) => {
      await deps.dataSubjects.forgetDeletedAccount(event.data.userId);
    }),
  ];
}
