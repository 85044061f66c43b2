import type { Subscription } from 'nats';
import { rpcContracts } from '@leadgraph/events';
import { serveRpc, type EventBus, type Logger } from '@leadgraph/platform';
import type { ApiTokenService } from './api-token.service';

/** Serves `rpc.accounts.resolveApiToken` to the gateway (ACC-08); queue group: one answer across replicas. */
export function serveResolveApiToken(bus: EventBus, apiTokens: ApiTokenService, logger: Logger): Subscription {
  return serveRpc(bus, rpcContracts.resolveApiToken.subject, {
    request: rpcContracts.resolveApiToken.request,
    handler: (request) => apiTokens.resolve(request.token),
    queue: 'accounts',
    logger,
  });
}
