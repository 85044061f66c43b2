import type { Subscription } from 'nats';
import { rpcContracts } from '@leadgraph/events';
import { serveRpc, type EventBus, type Logger } from '@leadgraph/platform';
import type { SessionService } from './session.service';

/** Serves `rpc.accounts.resolveSession` to the gateway; one answer per request across replicas (queue group). */
export function serveResolveSession(bus: EventBus, sessions: SessionService, logger: Logger): Subscription {
  return serveRpc(bus, rpcContracts.resolveSession.subject, {
    request: rpcContracts.resolveSession.request,
    handler: (request) => sessions.resolveSession(request),
    queue: 'accounts',
    logger,
  });
}
