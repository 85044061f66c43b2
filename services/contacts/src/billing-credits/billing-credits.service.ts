import { rpcContracts, type RpcRequest, type RpcResponse } from '@leadgraph/events';
import { callRpc, type EventBus } from '@leadgraph/platform';

/** Billing's credit API on NATS (CON-03/04/06): quote, spend once per key, refund. */
export interface CreditSpending {
  quote(request: RpcRequest<'quoteCredits'>): Promise<RpcResponse<'quoteCredits'>>;
  spend(request: RpcRequest<'spendCredits'>): Promise<RpcResponse<'spendCredits'>>;
  refund(request: RpcRequest<'refundCredits'>): Promise<RpcResponse<'refundCredits'>>;
}

export class BillingCredits implements CreditSpending {
  constructor(
    private readonly bus: EventBus,
    // Billing answers within milliseconds; the margin is for bursts (64 concurrent reveals on 2 cores).
    private readonly timeoutMs = 20_000,
  ) {}

  quote(request: RpcRequest<'quoteCredits'>) {
    return callRpc(this.bus, rpcContracts.quoteCredits.subject, request, rpcContracts.quoteCredits.response, this.timeoutMs);
  }

  spend(request: RpcRequest<'spendCredits'>) {
    return callRpc(this.bus, rpcContracts.spendCredits.subject, request, rpcContracts.spendCredits.response, this.timeoutMs);
  }

  refund(request: RpcRequest<'refundCredits'>) {
    return callRpc(this.bus, rpcContracts.refundCredits.subject, request, rpcContracts.refundCredits.response, this.timeoutMs);
  }
}
