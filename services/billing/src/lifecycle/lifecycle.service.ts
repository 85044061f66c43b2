import type { Clock, Logger } from '@leadgraph/platform';
import type { RetentionService } from '../retention/retention.service';
import type { PlanService } from '../plans/plan.service';
import type { SubscriptionService } from '../subscriptions/subscription.service';
import type { WebhookService } from '../webhooks/webhook.service';

export interface LifecycleReport {
  renewed: number;
  terminatedForSuspension: number;
  priceNotices: number;
  invoicesPurged: number;
  webhooksRetried: number;
}

/**
 * The subscription lifecycle on the injected clock: renewals and period ends (BIL-05, BIL-10,
 * BIL-13), formal notices and terminations of suspended subscriptions (BIL-12, BIL-14), price
 * revision notices (BIL-15), invoice retention (BIL-17, reported for PRV-07) and the retries of interrupted work.
 * The periodic job calls `runAll`; tests call it (or one step) after moving the clock.
 */
export class LifecycleService {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly plans: PlanService,
    private readonly webhooks: WebhookService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** The reported retention pass over invoices (BIL-17, PRV-07). */
    private readonly retention: Pick<RetentionService, 'runScheduled'>,
  ) {}

  async runAll(): Promise<LifecycleReport> {
    const webhooksRetried = await this.webhooks.processLeftovers();
    await this.resumeInterruptedWork();
    const renewed = await this.runRenewals();
    const terminatedForSuspension = await this.runSuspensions();
    const priceNotices = await this.runPriceRevisionNotices();
    const invoicesPurged = (await this.retention.runScheduled()).deleted;
    return { renewed, terminatedForSuspension, priceNotices, invoicesPurged, webhooksRetried };
  }

  /**
   * Every subscription whose period ended is renewed or ended; only then do the ended periods'
   * credits expire, so rollover plans carry over what was left (BIL-05). One instant for both:
   * nothing expires whose subscription this pass did not renew first.
   */
  async runRenewals(): Promise<number> {
    const now = this.clock.now();
    let renewed = 0;
    for (const subscriptionId of await this.subscriptions.dueForRollover(now)) {
      await this.each('rollover', subscriptionId, () => this.subscriptions.rollOver(subscriptionId));
      renewed += 1;
    }
    await this.subscriptions.expireEndedPeriods(now);
    return renewed;
  }

  /** Formal notices not sent yet go out; suspensions that ran out end their subscriptions. */
  async runSuspensions(): Promise<number> {
    for (const subscriptionId of await this.subscriptions.subscriptionsAwaitingFormalNotice()) {
      await this.each('formal-notice', subscriptionId, () => this.subscriptions.sendFormalNotice(subscriptionId));
    }
    return this.subscriptions.terminateExpiredSuspensions();
  }

  /** Subscribers of a revised plan are told once per revision (BIL-15). */
  async runPriceRevisionNotices(): Promise<number> {
    let told = 0;
    for (const revision of await this.plans.allRevisions()) {
      for (const subscriptionId of await this.subscriptions.subscriptionsOnPlan(revision.planId)) {
        await this.each('price-revision-notice', subscriptionId, async () => {
          if (await this.subscriptions.noticePriceRevision(revision, subscriptionId)) told += 1;
        });
      }
    }
    return told;
  }

  /** Grants, add-on renewals, termination follow-ups and late charges a crash left half done. */
  async resumeInterruptedWork(): Promise<void> {
    for (const { invoiceId, countedTo } of await this.subscriptions.lateChargesToBill()) {
      await this.each('late-charges', invoiceId, () => this.subscriptions.billLateCharges(invoiceId, countedTo));
    }
    for (const subscriptionId of await this.subscriptions.terminationsToComplete()) {
      await this.each('termination-follow-up', subscriptionId, () => this.subscriptions.completeTermination(subscriptionId));
    }
    for (const subscriptionId of await this.subscriptions.subscriptionsWithPendingWork()) {
      await this.each('pending-grants', subscriptionId, async () => {
        await this.subscriptions.settleGrants(subscriptionId);
        await this.subscriptions.chargeAddOnRenewals(subscriptionId);
      });
    }
  }

  /** One subscription's failure never stops the others; the next pass retries it. */
  private async each(step: string, subscriptionId: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error, step, subscriptionId }, 'subscription lifecycle step failed; will retry');
    }
  }
}
