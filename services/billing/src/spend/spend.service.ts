import { isDuplicateKeyError, type Logger } from '@leadgraph/platform';
import type { CreditOwner } from '../credits/credit.model';
import type { CreditOwnerResolver } from '../credits/credit.service';
import type { WorkspacePlanModel } from './spend.model';
import { creditOwnerFor, type CreditCaller, type WorkspacePlanKind } from './spend.rules';

/** The plan kind of a catalogue plan id, or null when the catalogue does not know it. */
export type PlanKindLookup = (planId: string) => Promise<WorkspacePlanKind | null>;

/**
 * Decides who pays a caller's spends (BIL-08) from the workspace plans billing learnt from the
 * subscription events, so spending never waits on the subscription module's own storage.
 */
export class CreditOwnerDirectory implements CreditOwnerResolver {
  constructor(
    private readonly plans: WorkspacePlanModel,
    private readonly planKindOf: PlanKindLookup,
    private readonly logger: Logger,
  ) {}

  async ownerFor(caller: CreditCaller): Promise<CreditOwner> {
    if (caller.workspaceId === null) return creditOwnerFor(caller, null);
    const record = await this.plans.findById(caller.workspaceId, { plan: 1 }).lean<{ plan: WorkspacePlanKind }>();
    return creditOwnerFor(caller, record?.plan ?? null);
  }

  async workspacePlan(workspaceId: string): Promise<WorkspacePlanKind | null> {
    return (await this.plans.findById(workspaceId, { plan: 1 }).lean<{ plan: WorkspacePlanKind }>())?.plan ?? null;
  }

  /** A subscription started or changed: the workspace follows its plan (an unknown plan id counts as PREMIUM). */
  async recordSubscription(change: { workspaceId: string; subscriptionId: string; planId: string; at: Date }): Promise<void> {
    const kind = await this.planKindOf(change.planId);
    if (kind === null) this.logger.warn({ planId: change.planId }, 'subscription on a plan missing from the catalogue; treated as PREMIUM');
    await this.apply(change.workspaceId, { plan: kind ?? 'PREMIUM', subscriptionId: change.subscriptionId, planId: change.planId }, change.at);
  }

  /** BIL-13: when the subscription ends, the members fall back to their personal credits. */
  async recordTermination(change: { workspaceId: string; subscriptionId: string; at: Date }): Promise<void> {
    await this.apply(change.workspaceId, { plan: 'FREEMIUM', subscriptionId: change.subscriptionId, planId: 'terminated' }, change.at);
  }

  /** Newest event wins: an older event arriving late matches nothing and its upsert hits the existing id. */
  private async apply(workspaceId: string, fields: { plan: WorkspacePlanKind; subscriptionId: string; planId: string }, at: Date): Promise<void> {
    try {
      await this.plans.updateOne({ _id: workspaceId, asOf: { $lte: at } }, { $set: { ...fields, asOf: at } }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}
