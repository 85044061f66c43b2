import type { Connection } from 'mongoose';
import { consumerFactory, type BackgroundConsumer, type Clock, type EventBus, type Logger } from '@leadgraph/platform';
import shippedAwards from './credit-awards.json';
import { awardedCredits, creditAwardsSchema, rewardExpiry, type CreditAwards } from './credit.rules';
import type { CreditLedgerService } from './credit.service';

export interface CreditConsumerDependencies {
  bus: EventBus;
  connection: Connection;
  clock: Clock;
  logger: Logger;
  ledger: Pick<CreditLedgerService, 'grant' | 'forfeitAll'>;
  /** Defaults to the shipped credit-awards.json (validated: a bad file stops start-up). */
  awards?: CreditAwards;
}

/**
 * What the ledger does on account events. Idempotent by construction: grants use keys derived
 * from the facts (one registration award per user, however often a profile is linked; one reward
 * per invitation), forfeits find nothing left the second time.
 */
export function creditEventConsumers(deps: CreditConsumerDependencies): BackgroundConsumer[] {
  const consumer = consumerFactory({ ...deps, service: 'billing' });
  const awards = deps.awards ?? creditAwardsSchema.parse(shippedAwards);
  return [
    // ACC-04, BIL-04: one-time registration credits, personal and never expiring.
    consumer('LinkedInProfileLinked', async (event) => {
      const { userId } = event.data;
      for (const { creditType, amount } of awardedCredits(awards.registration)) {
        await deps.ledger.grant({
          owner: { ownerType: 'USER', ownerId: userId },
          creditType,
          amount,
          source: 'REGISTRATION',
          expiresAt: null,
          idempotencyKey: `registration:${userId}:${creditType}`,
        });
      }
    }),
    // BIL-04/05: reward credits to the referrer, until the end of the current period.
    consumer('ReferralRewardEarned', async (event) => {
      const { referrerUserId, invitationId } = event.data;
      const expiresAt = rewardExpiry(new Date(event.data.earnedAt));
      // Handled after its period ended (long outage): the reward would already have expired.
      if (expiresAt.getTime() <= deps.clock.now().getTime()) {
        deps.logger.warn({ invitationId }, 'referral reward handled after its period; nothing to grant');
        return;
      }
      for (const { creditType, amount } of awardedCredits(awards.referralReward)) {
        await deps.ledger.grant({
          owner: { ownerType: 'USER', ownerId: referrerUserId },
          creditType,
          amount,
          source: 'REWARD',
          expiresAt,
          idempotencyKey: `referral-reward:${invitationId}:${creditType}`,
        });
      }
    }),
    // ACC-06: the workspace's pool is lost with it; its members' personal credits (a freemium
    // administrator's included) are another owner's and stay.
    consumer('WorkspaceDeleted', async (event) => {
      await deps.ledger.forfeitAll({ ownerType: 'WORKSPACE', ownerId: event.data.workspaceId }, 'WORKSPACE_DELETED', new Date(event.data.deletedAt));
    }),
    // ACC-06: a deleted account's personal credits go; so does the pool of the workspace deleted with it.
    consumer('AccountDeleted', async (event) => {
      const at = new Date(event.data.deletedAt);
      await deps.ledger.forfeitAll({ ownerType: 'USER', ownerId: event.data.userId }, 'ACCOUNT_DELETED', at);
      if (event.data.deletedWorkspaceId) {
        await deps.ledger.forfeitAll({ ownerType: 'WORKSPACE', ownerId: event.data.deletedWorkspaceId }, 'WORKSPACE_DELETED', at);
      }
    }),
  ];
}
