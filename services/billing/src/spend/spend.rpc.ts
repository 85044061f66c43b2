import type { Subscription } from 'nats';
import { rpcContracts } from '@leadgraph/events';
import { serveRpc, type EventBus, type Logger } from '@leadgraph/platform';
import type { CreditLedgerService } from '../credits/credit.service';

/** Requests in progress at once per replica: concurrent spends are safe (guarded writes). */
const RPC_CONCURRENCY = 64;

/**
 * Serves the credit RPCs other services call (contacts: reveals and exports, CON-03/04), in the
 * `billing` queue group so one replica answers each request. Refusals travel as domain errors
 * (INSUFFICIENT_CREDITS with the credit type, FORBIDDEN with reason CREDIT_BUDGET_EXCEEDED).
 */
export function serveCreditRpcs(bus: EventBus, ledger: CreditLedgerService, logger: Logger): Subscription[] {
  return [
    serveRpc(bus, rpcContracts.spendCredits.subject, {
      request: rpcContracts.spendCredits.request,
      handler: async (request) => {
        const receipt = await ledger.spend(request);
        return { ...receipt, spentAt: receipt.spentAt.toISOString() };
      },
      queue: 'billing',
      logger,
      concurrency: RPC_CONCURRENCY,
    }),
    serveRpc(bus, rpcContracts.quoteCredits.subject, {
      request: rpcContracts.quoteCredits.request,
      handler: (request) => ledger.quote(request),
      queue: 'billing',
      logger,
      concurrency: RPC_CONCURRENCY,
    }),
    serveRpc(bus, rpcContracts.refundCredits.subject, {
      request: rpcContracts.refundCredits.request,
      handler: (request) => ledger.refund(request),
      queue: 'billing',
      logger,
      concurrency: RPC_CONCURRENCY,
    }),
  ];
}
