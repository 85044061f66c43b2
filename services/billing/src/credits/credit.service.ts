import type { Caller, Clock } from '@leadgraph/platform';
import type { CreditLedgerModel, CreditOwner } from './credit.model';
import { assertMayReadCredits, deriveBalances, type CreditBalance, type LedgerLine } from './credit.rules';

export class CreditService {
  constructor(
    private readonly ledger: CreditLedgerModel,
    private readonly clock: Clock,
  ) {}

  /** The owner's balances, one per credit type, as the caller may see them. */
  async balancesFor(caller: Caller, owner: CreditOwner): Promise<CreditBalance[]> {
    assertMayReadCredits(caller, owner);
    const lines = await this.ledger
      .find(
        { ownerType: owner.ownerType, ownerId: owner.ownerId },
        { kind: 1, creditType: 1, amount: 1, grantId: 1, unlimited: 1, expiresAt: 1 },
      )
      .lean<LedgerLine[]>();
    return deriveBalances(lines, this.clock.now());
  }
}
