import { rpcContracts, type RpcResponse } from '@leadgraph/events';
import { DomainError, ErrorCode, serveRpc, type EventBus } from '@leadgraph/platform';
import { connectTestBus, testLogger } from '@leadgraph/platform/src/testing';

type CreditType = 'PRO_EMAIL' | 'PHONE' | 'DIRECT_EMAIL' | 'EXPORT';

/**
 * A stand-in for billing's credit RPCs on a test file's own NATS server: balances per payer and
 * type, one charge per idempotency key, refunds; it counts what it charged so tests can assert
 * "never twice". Payer = the workspace, or the user outside one.
 */
export class BillingResponder {
  readonly balances = new Map<string, number>();
  readonly receipts = new Map<string, RpcResponse<'spendCredits'>>();
  readonly refunded = new Set<string>();
  spendCalls = 0;
  /** Delay before answering a spend, to widen race windows in concurrency tests. */
  spendDelayMs = 0;
  private bus: EventBus | null = null;

  static async start(natsUrl: string): Promise<BillingResponder> {
    const responder = new BillingResponder();
    responder.bus = await connectTestBus('billing-responder', natsUrl);
    const logger = testLogger('billing-responder');
    const bus = responder.bus;
    serveRpc(bus, rpcContracts.quoteCredits.subject, { request: rpcContracts.quoteCredits.request, queue: 'billing', logger, handler: async (request) => responder.quote(request.caller, request.creditType, request.amount) });
    serveRpc(bus, rpcContracts.spendCredits.subject, { request: rpcContracts.spendCredits.request, queue: 'billing', logger, handler: (request) => responder.spend(request) });
    serveRpc(bus, rpcContracts.refundCredits.subject, { request: rpcContracts.refundCredits.request, queue: 'billing', logger, handler: async (request) => responder.refund(request.spendIdempotencyKey) });
    await bus.connection.flush();
    return responder;
  }

  payerOf(caller: { userId: string; workspaceId: string | null }): string {
    return caller.workspaceId ?? caller.userId;
  }

  grant(payer: string, type: CreditType, amount: number): void {
    this.balances.set(`${payer}:${type}`, this.balance(payer, type) + amount);
  }

  balance(payer: string, type: CreditType): number {
    return this.balances.get(`${payer}:${type}`) ?? 0;
  }

  /** Charges actually made (each key once). */
  charges(): Array<RpcResponse<'spendCredits'>> {
    return [...this.receipts.entries()].filter(([key]) => !this.refunded.has(key)).map(([, receipt]) => receipt);
  }

  private owner(caller: { userId: string; workspaceId: string | null }) {
    return { ownerType: caller.workspaceId ? ('WORKSPACE' as const) : ('USER' as const), ownerId: this.payerOf(caller) };
  }

  private quote(caller: { userId: string; workspaceId: string | null }, creditType: CreditType, amount: number): RpcResponse<'quoteCredits'> {
    const available = this.balance(this.payerOf(caller), creditType);
    const allowed = available >= amount;
    return {
      owner: this.owner(caller),
      creditType,
      cost: amount,
      available,
      allowed,
      refusal: allowed ? null : { reason: 'INSUFFICIENT_CREDITS', message: `${available} ${creditType} credits left` },
    };
  }

  private async spend(request: { idempotencyKey: string; caller: { userId: string; workspaceId: string | null }; creditType: CreditType; amount: number }): Promise<RpcResponse<'spendCredits'>> {
    this.spendCalls += 1;
    if (this.spendDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.spendDelayMs));
    const known = this.receipts.get(request.idempotencyKey);
    if (known) return known;
    const payer = this.payerOf(request.caller);
    const balance = this.balance(payer, request.creditType);
    if (balance < request.amount) {
      throw new DomainError(ErrorCode.INSUFFICIENT_CREDITS, `Not enough ${request.creditType} credits`, { creditType: request.creditType });
    }
    this.balances.set(`${payer}:${request.creditType}`, balance - request.amount);
    const receipt: RpcResponse<'spendCredits'> = {
      idempotencyKey: request.idempotencyKey,
      entryId: `entry-${this.receipts.size + 1}`,
      owner: this.owner(request.caller),
      creditType: request.creditType,
      charged: request.amount,
      remaining: balance - request.amount,
      spentAt: new Date().toISOString(),
    };
    this.receipts.set(request.idempotencyKey, receipt);
    return receipt;
  }

  private refund(key: string): RpcResponse<'refundCredits'> {
    const receipt = this.receipts.get(key);
    if (!receipt) throw new DomainError(ErrorCode.NOT_FOUND, 'No such spend');
    if (!this.refunded.has(key)) {
      this.refunded.add(key);
      this.grant(receipt.owner.ownerId, receipt.creditType, receipt.charged);
    }
    return { spendIdempotencyKey: key, owner: receipt.owner, creditType: receipt.creditType, refunded: receipt.charged, remaining: this.balance(receipt.owner.ownerId, receipt.creditType) };
  }

  async stop(): Promise<void> {
    await this.bus?.close();
  }
}
