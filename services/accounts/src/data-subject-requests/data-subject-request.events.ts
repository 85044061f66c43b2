import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { DataSubjectRequestService } from './data-subject-request.service';

/**
 * Privacy's verified data-subject requests (PRV-05) and opt-outs (PRV-08, marketing e-mails; the
 * referral side is `referrals-ContactOptedOut`), and lifted restrictions (art. 18(3)). Handlers are
 * idempotent: a request is answered once.
 */
export function dataSubjectRequestConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  requests: DataSubjectRequestService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'accounts' });
  return [
    consumer('DataSubjectRequestOpened', (event) => deps.requests.handle(event.data), 'data-subject-requests-DataSubjectRequestOpened'),
    // GDPR art. 18(3): privacy lifted a restriction; undo what that request restricted here.
    consumer('DataSubjectRestrictionLifted', (event) => deps.requests.liftRestriction(event.data), 'data-subject-requests-DataSubjectRestrictionLifted'),
    consumer(
      'ContactOptedOut',
      async (event) => {
        await deps.requests.stopMarketingOnOptOut(event.data.identifiers, new Date(event.data.optedOutAt));
      },
      'marketing-ContactOptedOut',
    ),
  ];
}
