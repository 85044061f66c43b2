import { creditTypes, forbidden, unauthenticated, type Caller } from '@leadgraph/platform';
import type { CreditType } from '../plans/plan.model';
import type { CreditLedgerEntryDocument, CreditOwner } from './credit.model';

export interface CreditBalance {
  creditType: CreditType;
  /** Credits usable now: unexpired grants minus what was spent or expired from them. */
  balance: number;
  /** A live fair-use "unlimited" grant is part of the balance (BIL-07). */
  unlimited: boolean;
  /** When the first of the remaining credits expires; null when none expire. */
  nearestExpiry: Date | null;
}

export type LedgerLine = Pick<CreditLedgerEntryDocument, '_id' | 'kind' | 'creditType' | 'amount' | 'grantId' | 'unlimited' | 'expiresAt'>;

/**
 * Balance per credit type, every type listed (zero when nothing was granted). Expiry is checked
 * here, on read, because the database never expires anything by itself.
 */
export function deriveBalances(lines: readonly LedgerLine[], now: Date): CreditBalance[] {
  const remainingByGrant = new Map<string, number>();
  for (const line of lines) if (line.kind === 'GRANT') remainingByGrant.set(line._id, line.amount);
  for (const line of lines) {
    if (line.kind === 'GRANT' || !line.grantId) continue;
    const remaining = remainingByGrant.get(line.grantId);
    // A line pointing to an unknown grant cannot change a balance.
    if (remaining === undefined) continue;
    remainingByGrant.set(line.grantId, line.kind === 'REFUND' ? remaining + line.amount : remaining - line.amount);
  }
  return creditTypes.map((creditType) => {
    const liveGrants = lines.filter(
      (line) =>
        line.kind === 'GRANT' &&
        line.creditType === creditType &&
        (line.expiresAt === null || line.expiresAt.getTime() > now.getTime()) &&
        (remainingByGrant.get(line._id) ?? 0) > 0,
    );
    const expiries = liveGrants.flatMap((grant) => (grant.expiresAt ? [grant.expiresAt.getTime()] : []));
    return {
      creditType,
      balance: liveGrants.reduce((sum, grant) => sum + (remainingByGrant.get(grant._id) ?? 0), 0),
      unlimited: liveGrants.some((grant) => grant.unlimited),
      nearestExpiry: expiries.length > 0 ? new Date(Math.min(...expiries)) : null,
    };
  });
}

/**
 * Only the owner reads credits: a user their personal credits, a workspace's members its pool
 * (BIL-08). Partner tokens act for their creator's workspace and need `billing:read` (ACC-08).
 */
export function assertMayReadCredits(caller: Caller, owner: CreditOwner): void {
  if (caller.kind === 'anonymous') throw unauthenticated();
  if (caller.kind === 'apiToken' && !caller.scopes.includes('billing:read')) {
    throw forbidden('Missing scope billing:read', 'billing:read');
  }
  const isOwner = owner.ownerType === 'USER' ? caller.userId === owner.ownerId : caller.workspaceId === owner.ownerId;
  if (!isOwner) throw forbidden('Only the owner of these credits may read them');
}
