import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import type { ReferralService } from './referral.service';

/**
 * Referral consumers. The reward follows this service's own AccountCreated rather than the
 * verification request, so it is never lost between the two writes (EVT-02); handlers are idempotent.
 */
export function referralConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  referrals: ReferralService;
}): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'accounts' });
  return [
    consumer(
      'AccountCreated',
      (event) => deps.referrals.rewardSignUp(event.data.userId, new Date(event.data.createdAt)),
      'referrals-AccountCreated',
    ),
    consumer(
      'ContactOptedOut',
      (event) => deps.referrals.forgetOptedOut(event.data.identifiers, new Date(event.data.optedOutAt)),
      'referrals-ContactOptedOut',
    ),
  ];
}
