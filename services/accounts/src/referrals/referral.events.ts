import type { Connection } from 'mongoose';
import type { EventName } from '@leadgraph/events';
import { EventConsumer, type Clock, type EventBus, type EventHandler, type Logger } from '@leadgraph/platform';
import type { ReferralService } from './referral.service';

/**
 * Referral consumers. The reward follows this service's own AccountCreated rather than the
 * verification request, so it is never lost between the two writes (EVT-02); handlers are idempotent.
 * Durable names carry the database name, as in workspace.events.ts: deployments sharing a NATS
 * server but not a database must not share a durable.
 */
export function referralConsumers(deps: {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  referrals: ReferralService;
}): Array<EventConsumer<EventName>> {
  const database = deps.connection.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const consumer = <N extends EventName>(event: N, handler: EventHandler<N>): EventConsumer<EventName> =>
    new EventConsumer<N>({
      bus: deps.bus,
      service: 'accounts',
      name: `referrals-${event}__${database}`,
      event,
      handler,
      connection: deps.connection,
      clock: deps.clock,
      logger: deps.logger,
      // The runtime list only starts and stops consumers; handlers stay typed per event here.
    }) as unknown as EventConsumer<EventName>;

  return [
    consumer('AccountCreated', (event) => deps.referrals.rewardSignUp(event.data.userId, new Date(event.data.createdAt))),
    consumer('ContactOptedOut', (event) => deps.referrals.forgetOptedOut(event.data.identifiers, new Date(event.data.optedOutAt))),
  ];
}
