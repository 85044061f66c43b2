import { randomUUID } from 'node:crypto';
import { createEvent } from '@leadgraph/events';
import type { Clock, EventBus, Logger } from '@leadgraph/platform';
import type { SearchPerformed } from './contact.service';

/**
 * ContactSearchPerformed for analytics' usage metering (ANA-02). A search is a read: it changes
 * no document, so there is no outbox to carry the event (EVT-02's guarantee is for state
 * changes). It is published directly after the search, best-effort: a lost count is acceptable
 * for usage metering, failing or slowing the search for it is not; a failure is logged.
 */
export function searchPublisher(bus: EventBus, clock: Clock, logger: Logger): (search: SearchPerformed) => void {
  return (search) => {
    const now = clock.now();
    const searchId = randomUUID();
    const event = createEvent('ContactSearchPerformed', { searchId, ...search, searchedAt: now.toISOString() }, { subject: `search/${searchId}`, time: now });
    bus.publish(event).catch((error: unknown) => logger.warn({ err: error, eventId: event.id }, 'ContactSearchPerformed not published (usage metering only)'));
  };
}
