import { randomUUID } from 'node:crypto';
import type { UpdateQuery } from 'mongoose';
import { createEvent, type LeadgraphEvent } from '@leadgraph/events';
import {
  badInput,
  conflict,
  isDuplicateKeyError,
  notFound,
  parseInput,
  pushToOutbox,
  type Caller,
  type Clock,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { InvoiceDocument } from '../invoices/invoice.model';
import { RECOVERY_FEE_CENTS, lateChargesLines, lateInterestRateBasisPoints, legalRateOn, type LegalInterestRate } from '../invoices/invoice.rules';
import type { InvoiceService } from '../invoices/invoice.service';
import {
  breachTerminationAt,
  decideRollover,
  formalNoticeMail,
  nextPeriodTerms,
  nonPaymentTerminationAt,
  oldPriceKeptUntil,
  priceRevisionAnswerBy,
  priceRevisionNoticeMail,
  revisionAnswerProblem,
  revisionAppliesAt,
  statusFromSuspensions,
  suspensionTerminationDue,
  type NoticeMail,
} from '../lifecycle/lifecycle.rules';
import type { PaymentMethodService } from '../payment-methods/payment-method.service';
import type { CreditType, PlanDocument, PriceRevisionDocument } from '../plans/plan.model';
import { addOnPriceCents, isAddOnCreditType, seatsProblem } from '../plans/plan.rules';
import type { WorkspaceRosterService } from '../workspace-roster/workspace-roster.service';
import { seatsBelowMembersProblem } from '../workspace-roster/workspace-roster.rules';
import type { PlanService } from '../plans/plan.service';
import { invoiceFactsFrom, type InvoiceFacts } from '../stripe/stripe.rules';
import { PaymentDeclinedError, type StripeBilling } from '../stripe/stripe.service';
import type { VatService } from '../vat/vat.service';
import {
  liveKeyOf,
  type GrantOrder,
  type PendingAddOnPurchase,
  type PendingUpgrade,
  type PeriodCredit,
  type PeriodRecord,
  type ScheduledChange,
  type SubscriptionDocument,
  type SubscriptionModel,
  type SubscriptionOwner,
  type TerminationReason,
} from './subscription.model';
import {
  assertMayReadBilling,
  buyAddOnInputSchema,
  cancelInputSchema,
  changePlanInputSchema,
  classifyPlanChange,
  creditsForPeriod,
  endOfTermChange,
  eventStatusOf,
  periodAt,
  respondToPriceRevisionInputSchema,
  splitGrant,
  subscribeInputSchema,
  upgradeCharge,
  workspaceAdminOf,
  type BuyAddOnInput,
  type CancelInput,
  type ChangePlanInput,
  type PeriodGrant,
  type RespondToPriceRevisionInput,
  type SubscribeInput,
  type SubscriptionTerms,
} from './subscription.rules';

/** What the subscription lifecycle needs of the credit ledger (BIL-05, BIL-13). */
export interface SubscriptionCreditLedger {
  grant(input: {
    owner: SubscriptionOwner;
    creditType: CreditType;
    amount: number;
    source: 'SUBSCRIPTION' | 'ADD_ON';
    expiresAt: Date;
    unlimited?: boolean;
    idempotencyKey: string;
  }): Promise<unknown>;
  expireDue(now: Date): Promise<unknown>;
  forfeitAll(owner: SubscriptionOwner, reason: 'SUBSCRIPTION_TERMINATED' | 'WORKSPACE_DELETED' | 'ACCOUNT_DELETED', at: Date): Promise<unknown>;
  balances(owner: SubscriptionOwner, at: Date): Promise<ReadonlyArray<{ creditType: CreditType; available: number; unlimited: boolean }>>;
}

/** APPLIED: in effect now; SCHEDULED: at the end of a period; PAYMENT_PENDING: waits for Stripe; PAYMENT_DECLINED: nothing changed. */
export type ChangeOutcome = 'APPLIED' | 'SCHEDULED' | 'PAYMENT_PENDING' | 'PAYMENT_DECLINED';

/** The answer of every mutation: the subscription as it is now and what was charged, if anything. */
export interface SubscriptionChangeResult {
  subscription: SubscriptionDocument;
  outcome: ChangeOutcome;
  charge: { invoice: InvoiceDocument; declineCode: string | null; monthsCharged: number | null } | null;
}

export interface SubscriptionServiceDependencies {
  subscriptions: SubscriptionModel;
  plans: PlanService;
  vat: VatService;
  stripe: StripeBilling;
  invoices: InvoiceService;
  paymentMethods: PaymentMethodService;
  ledger: SubscriptionCreditLedger;
  /** Head count per workspace, from accounts' events: seats never go below it (BIL-02). */
  rosters: Pick<WorkspaceRosterService, 'memberCount'>;
  mailer: Pick<Mailer, 'send'>;
  legalRates: readonly LegalInterestRate[];
  clock: Clock;
  logger: Logger;
  /** Called after writes that queued events, so the outbox relay publishes them now. */
  outboxWritten?: () => void;
}

const LIVE_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;
const GUARDED_WRITE_ATTEMPTS = 20;

/**
 * Subscriptions (BIL-02, BIL-05, BIL-06, BIL-09..BIL-15): FREEMIUM for every user, PREMIUM bought by
 * a workspace administrator through Stripe. Every state change is one guarded single-document
 * update carrying its events (outbox) and the credit grants it implies (`pendingGrants`), which
 * are then written to the ledger with idempotency keys and removed: a crash anywhere is resumed
 * by the lifecycle job without granting twice.
 */
export class SubscriptionService {
  private readonly subscriptions: SubscriptionModel;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outboxWritten: () => void;

  constructor(private readonly deps: SubscriptionServiceDependencies) {
    this.subscriptions = deps.subscriptions;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.outboxWritten = deps.outboxWritten ?? (() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Reading
  // -------------------------------------------------------------------------------------------

  async findById(subscriptionId: string): Promise<SubscriptionDocument | null> {
    return this.subscriptions.findById(subscriptionId).lean<SubscriptionDocument>();
  }

  /** The owner's live subscription (PAUSED FREEMIUM included), or the latest one when none lives. */
  async currentFor(caller: Caller, owner: SubscriptionOwner): Promise<SubscriptionDocument | null> {
    assertMayReadBilling(caller, owner);
    const live = await this.subscriptions.findOne({ liveKey: liveKeyOf(owner) }).lean<SubscriptionDocument>();
    if (live) return live;
    return this.subscriptions
      .findOne({ 'owner.ownerType': owner.ownerType, 'owner.ownerId': owner.ownerId, status: 'TERMINATED' })
      .sort({ createdAt: -1 })
      .lean<SubscriptionDocument>();
  }

  private async livePremiumOf(workspaceId: string): Promise<SubscriptionDocument> {
    const subscription = await this.subscriptions.findOne({ liveKey: liveKeyOf({ ownerType: 'WORKSPACE', ownerId: workspaceId }) }).lean<SubscriptionDocument>();
    if (!subscription || subscription.status === 'PENDING_PAYMENT') throw notFound('The workspace has no subscription');
    return subscription;
  }

  // -------------------------------------------------------------------------------------------
  // FREEMIUM (BIL-02, BIL-08)
  // -------------------------------------------------------------------------------------------

  /** Every new account gets a FREEMIUM subscription with personal monthly credits. Idempotent. */
  async startFreemium(userId: string, createdAt: Date): Promise<void> {
    const plan = await this.freemiumPlan();
    const owner: SubscriptionOwner = { ownerType: 'USER', ownerId: userId };
    const id = `freemium:${userId}`;
    const period = periodAt(createdAt, plan.billingPeriod, 0);
    const now = this.clock.now();
    try {
      await this.subscriptions.create({
        _id: id,
        kind: 'FREEMIUM',
        owner,
        subscriberUserId: userId,
        workspaceId: null,
        liveKey: liveKeyOf(owner),
        planId: plan._id,
        billingPeriod: plan.billingPeriod,
        pricePerSeatCents: 0,
        seats: 1,
        status: 'ACTIVE',
        anchor: createdAt,
        currentPeriod: period,
        billing: null,
        stripe: null,
        scheduledChange: null,
        pendingUpgrade: null,
        addOnRenewals: [],
        pendingAddOns: [],
        breach: null,
        nonPayment: null,
        priceRevision: null,
        periodCredits: limitedCredits(creditsForPeriod(plan, 1)),
        pendingGrants: grantOrders(id, period, creditsForPeriod(plan, 1), 'period'),
        termination: null,
        createdAt: now,
        updatedAt: now,
        outbox: [],
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    await this.settleGrants(id);
  }

  /** A user's account is gone: their FREEMIUM ends at once (nothing is published: no workspace depends on it). */
  async endFreemium(userId: string, at: Date): Promise<void> {
    await this.subscriptions.updateOne(
      { _id: `freemium:${userId}`, status: { $in: ['ACTIVE', 'PAUSED', 'SUSPENDED'] } },
      { $set: { status: 'TERMINATED', termination: { reason: 'ACCOUNT_DELETED', at, followUpsDone: true }, pendingGrants: [], updatedAt: at }, $unset: { liveKey: 1 } },
    );
  }

  private async freemiumPlan(): Promise<PlanDocument> {
    const plan = (await this.deps.plans.listAvailable()).find((candidate) => candidate.kind === 'FREEMIUM');
    if (!plan) throw new Error('the catalogue offers no FREEMIUM plan');
    return plan;
  }

  /** A PREMIUM subscriber's own FREEMIUM stops while the PREMIUM lasts. */
  private async pauseFreemium(userId: string): Promise<void> {
    await this.subscriptions.updateOne(
      { _id: `freemium:${userId}`, status: 'ACTIVE' },
      { $set: { status: 'PAUSED', updatedAt: this.clock.now() } },
    );
  }

  /** The end of a PREMIUM: its subscriber falls back to FREEMIUM, a new period from now (BIL-13). */
  private async resumeFreemium(userId: string): Promise<void> {
    const id = `freemium:${userId}`;
    const paused = await this.subscriptions.findOne({ _id: id, status: 'PAUSED' }).lean<SubscriptionDocument>();
    if (!paused) return;
    const plan = await this.freemiumPlan();
    const now = this.clock.now();
    const period = periodAt(now, plan.billingPeriod, 0);
    await this.subscriptions.updateOne(
      { _id: id, status: 'PAUSED' },
      {
        $set: { status: 'ACTIVE', anchor: now, currentPeriod: period, periodCredits: limitedCredits(creditsForPeriod(plan, 1)), updatedAt: now },
        $push: { pendingGrants: { $each: grantOrders(id, period, creditsForPeriod(plan, 1), 'period') } },
      },
    );
    await this.settleGrants(id);
  }

  // -------------------------------------------------------------------------------------------
  // PREMIUM purchase (BIL-02, BIL-16)
  // -------------------------------------------------------------------------------------------

  /**
   * A workspace administrator buys a PREMIUM plan for N seats: price x seats + VAT, charged through
   * Stripe at once; the subscription starts (credits, SubscriptionStarted) when the first invoice
   * is paid. Input and plan errors are found before anything is written.
   */
  async subscribe(caller: Caller, rawInput: SubscribeInput): Promise<SubscriptionChangeResult> {
    const input = parseInput(subscribeInputSchema, rawInput);
    const { userId, workspaceId } = workspaceAdminOf(caller);
    const plan = await this.deps.plans.findById(input.planId);
    if (!plan || !plan.available || plan.kind !== 'PREMIUM') throw badInput('planId', 'planId: no such PREMIUM plan is offered');
    const problem = seatsProblem(plan, input.seats) ?? seatsBelowMembersProblem(input.seats, await this.deps.rosters.memberCount(workspaceId));
    if (problem) throw badInput('seats', `seats: ${problem}`);
    const vat = await this.deps.vat.decide(input.billingCountry, input.vatNumber ?? null);
    const owner: SubscriptionOwner = { ownerType: 'WORKSPACE', ownerId: workspaceId };
    const live = await this.subscriptions.findOne({ liveKey: liveKeyOf(owner) }).lean<SubscriptionDocument>();
    if (live && live.status !== 'PENDING_PAYMENT') throw conflict('The workspace already has a subscription: change its plan instead');
    // An attempt that never got paid (a crash mid-way) gives way to this one.
    if (live) await this.abandon(live._id);

    // Stripe first: a refused payment method leaves nothing of ours behind.
    const customerId = await this.deps.stripe.customerFor(liveKeyOf(owner), {
      email: input.billingEmail,
      country: input.billingCountry,
      reverseCharge: vat.treatment === 'REVERSE_CHARGE',
    });
    const paymentMethod = await this.deps.stripe.attachPaymentMethod(customerId, input.paymentMethodId, true);
    await this.deps.paymentMethods.remember(owner, paymentMethod, true);

    const pricePerSeatCents = await this.deps.plans.pricePerSeatNow(plan);
    const priceId = await this.deps.stripe.priceFor({ planId: plan._id, name: plan.name, billingPeriod: plan.billingPeriod }, pricePerSeatCents);
    const taxRateId = await this.deps.stripe.taxRateFor(input.billingCountry, vat.rateBasisPoints);
    const now = this.clock.now();
    const id = randomUUID();
    try {
      await this.subscriptions.create({
        _id: id,
        kind: 'PREMIUM',
        owner,
        subscriberUserId: userId,
        workspaceId,
        liveKey: liveKeyOf(owner),
        planId: plan._id,
        billingPeriod: plan.billingPeriod,
        pricePerSeatCents,
        seats: input.seats,
        status: 'PENDING_PAYMENT',
        anchor: now,
        currentPeriod: periodAt(now, plan.billingPeriod, 0),
        billing: {
          country: input.billingCountry,
          vatNumber: input.vatNumber ?? null,
          vatTreatment: vat.treatment,
          vatRateBasisPoints: vat.rateBasisPoints,
          email: input.billingEmail,
        },
        stripe: { customerId, subscriptionId: null, renewalPriceId: priceId, renewalSeats: input.seats, cancelAtPeriodEnd: false },
        scheduledChange: null,
        pendingUpgrade: null,
        addOnRenewals: [],
        pendingAddOns: [],
        breach: null,
        nonPayment: null,
        priceRevision: null,
        periodCredits: [],
        pendingGrants: [],
        termination: null,
        createdAt: now,
        updatedAt: now,
        outbox: [],
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('The workspace already has a subscription: change its plan instead');
      throw error;
    }

    let created;
    try {
      created = await this.deps.stripe.createSubscription({
        subscriptionId: id,
        customerId,
        priceId,
        seats: input.seats,
        taxRateId,
        paymentMethodId: paymentMethod.stripePaymentMethodId,
      });
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        await this.abandon(id);
        throw badInput('paymentMethodId', `paymentMethodId: the payment was declined (${error.declineCode})`);
      }
      // Unknown outcome (Stripe unreachable, a lost answer): the attempt stays PENDING_PAYMENT, so
      // Stripe's invoice.paid can still start it; a new purchase first abandons and cancels it.
      throw error;
    }
    await this.subscriptions.updateOne({ _id: id }, { $set: { 'stripe.subscriptionId': created.subscription.id } });
    const invoice = created.latestInvoice ? await this.onInvoiceUpdate(invoiceFactsFrom(created.latestInvoice)) : null;
    const subscription = await this.mustFind(id);
    return {
      subscription,
      outcome: subscription.status === 'ACTIVE' ? 'APPLIED' : 'PAYMENT_PENDING',
      charge: invoice ? { invoice, declineCode: null, monthsCharged: null } : null,
    };
  }

  /** A purchase that never got paid: it gives the workspace's place back, nothing was provided. */
  private async abandon(subscriptionId: string): Promise<void> {
    const abandoned = await this.subscriptions
      .findOneAndUpdate(
        { _id: subscriptionId, status: 'PENDING_PAYMENT' },
        { $set: { status: 'ABANDONED', updatedAt: this.clock.now() }, $unset: { liveKey: 1 } },
        { new: true },
      )
      .lean<SubscriptionDocument>();
    if (abandoned?.stripe?.subscriptionId) await this.deps.stripe.cancelNow(abandoned.stripe.subscriptionId);
    else if (abandoned?.stripe?.customerId) await this.deps.stripe.cancelSubscriptionsFor(abandoned.stripe.customerId, subscriptionId);
  }

  /** First invoice paid: the subscription starts, its first period's credits go to the workspace pool (BIL-05, BIL-08). */
  private async activate(subscription: SubscriptionDocument, facts: InvoiceFacts): Promise<void> {
    const plan = await this.mustFindPlan(subscription.planId);
    const now = this.clock.now();
    // Stripe's period (the invoice line) is the reference: both sides then renew together.
    const anchor = facts.periodStart;
    const period = periodAt(anchor, subscription.billingPeriod, 0);
    const grants = creditsForPeriod(plan, subscription.seats);
    const workspaceId = requireWorkspace(subscription);
    const event = createEvent(
      'SubscriptionStarted',
      {
        subscriptionId: subscription._id,
        workspaceId,
        subscriberUserId: subscription.subscriberUserId,
        planId: subscription.planId,
        seats: subscription.seats,
        periodStart: period.start.toISOString(),
        periodEnd: period.end.toISOString(),
      },
      { subject: workspaceId, time: now },
    );
    const activated = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, status: 'PENDING_PAYMENT' },
      {
        $set: { status: 'ACTIVE', anchor, currentPeriod: period, periodCredits: limitedCredits(grants), updatedAt: now },
        $push: { pendingGrants: { $each: grantOrders(subscription._id, period, grants, 'period') }, ...pushToOutbox(event) },
      },
      { new: true },
    );
    // Started by a concurrent delivery of the same payment: its grants may still be on their way.
    if (!activated) return this.settleGrants(subscription._id);
    this.outboxWritten();
    this.logger.info({ subscriptionId: subscription._id, workspaceId, planId: subscription.planId }, 'subscription started');
    await this.settleGrants(subscription._id);
    await this.pauseFreemium(subscription.subscriberUserId);
  }

  // -------------------------------------------------------------------------------------------
  // Plan changes (BIL-09, BIL-10)
  // -------------------------------------------------------------------------------------------

  /**
   * Upgrade (more seats or a dearer plan): charged by a one-off invoice and applied once it is
   * paid, the end date unchanged (BIL-09). Downgrade: taken at the end of the period when asked
   * in time, otherwise after one more renewal (BIL-10).
   */
  async changePlan(caller: Caller, rawInput: ChangePlanInput): Promise<SubscriptionChangeResult> {
    const input = parseInput(changePlanInputSchema, rawInput);
    const { workspaceId } = workspaceAdminOf(caller);
    const subscription = await this.livePremiumOf(workspaceId);
    const targetPlanId = input.planId ?? subscription.planId;
    const targetSeats = input.seats ?? subscription.seats;
    const targetPlan = await this.deps.plans.findById(targetPlanId);
    if (!targetPlan || (!targetPlan.available && targetPlan._id !== subscription.planId)) throw badInput('planId', 'planId: no such plan is offered');
    if (targetPlan.kind !== 'PREMIUM') throw badInput('planId', 'planId: a subscription changes to a PREMIUM plan; to stop it, cancel it');
    const problem =
      seatsProblem(targetPlan, targetSeats) ?? seatsBelowMembersProblem(targetSeats, await this.deps.rosters.memberCount(workspaceId));
    if (problem) throw badInput('seats', `seats: ${problem}`);
    if (subscription.status !== 'ACTIVE') throw conflict('The subscription is suspended: settle it before changing the plan');
    if (subscription.pendingUpgrade) throw conflict('An upgrade is waiting for its payment');
    const targetPrice = targetPlan._id === subscription.planId ? subscription.pricePerSeatCents : await this.deps.plans.pricePerSeatNow(targetPlan);
    const current: SubscriptionTerms = termsOf(subscription);
    const target: SubscriptionTerms = {
      planId: targetPlan._id,
      kind: targetPlan.kind,
      billingPeriod: targetPlan.billingPeriod,
      pricePerSeatCents: targetPrice,
      seats: targetSeats,
    };
    const decision = classifyPlanChange(current, target);
    if (decision.kind === 'REFUSED') throw badInput(decision.field, decision.message);
    if (decision.kind === 'DOWNGRADE') return this.scheduleDowngrade(subscription, target);
    return this.upgrade(subscription, target, targetPlan);
  }

  private async upgrade(subscription: SubscriptionDocument, target: SubscriptionTerms, targetPlan: PlanDocument): Promise<SubscriptionChangeResult> {
    const currentPlan = await this.mustFindPlan(subscription.planId);
    const now = this.clock.now();
    const charge = upgradeCharge({
      current: { ...termsOf(subscription), credits: currentPlan.credits },
      target: { ...target, credits: targetPlan.credits },
      period: subscription.currentPeriod,
      now,
    });
    const changeId = randomUUID();
    const pending: PendingUpgrade = {
      changeId,
      planId: target.planId,
      seats: target.seats,
      pricePerSeatCents: target.pricePerSeatCents,
      amountCents: charge.amountCents,
      invoiceId: null,
      extraCredits: charge.extraCredits,
      requestedAt: now,
    };
    const recorded = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, status: 'ACTIVE', pendingUpgrade: null, 'currentPeriod.index': subscription.currentPeriod.index },
      { $set: { pendingUpgrade: pending, updatedAt: now } },
    );
    if (!recorded) throw conflict('The subscription changed meanwhile; reload and retry');
    if (charge.amountCents === 0) {
      await this.applyUpgrade(subscription._id, changeId);
      return { subscription: await this.mustFind(subscription._id), outcome: 'APPLIED', charge: null };
    }
    const billing = requireBilling(subscription);
    const description =
      target.billingPeriod === 'ANNUAL'
        ? `Upgrade to ${targetPlan.name}, ${target.seats} seat(s): ${charge.monthsCharged} whole month(s) left of the yearly difference`
        : `Upgrade to ${targetPlan.name}, ${target.seats} seat(s): difference for the current month`;
    const result = await this.chargeOneOff(subscription, changeId, 'UPGRADE', [{ description, amountCents: charge.amountCents }], billing);
    if (result.declineCode) {
      await this.subscriptions.updateOne({ _id: subscription._id, 'pendingUpgrade.changeId': changeId }, { $set: { pendingUpgrade: null } });
    } else {
      await this.subscriptions.updateOne(
        { _id: subscription._id, 'pendingUpgrade.changeId': changeId },
        { $set: { 'pendingUpgrade.invoiceId': result.invoice._id } },
      );
    }
    const updated = await this.mustFind(subscription._id);
    const applied = updated.planId === target.planId && updated.seats === target.seats && !updated.pendingUpgrade;
    return {
      subscription: updated,
      outcome: result.declineCode ? 'PAYMENT_DECLINED' : applied ? 'APPLIED' : 'PAYMENT_PENDING',
      charge: { invoice: result.invoice, declineCode: result.declineCode, monthsCharged: charge.monthsCharged },
    };
  }

  /** The upgrade's invoice was paid (or nothing was due): new plan and seats now, extra credits for the period. */
  private async applyUpgrade(subscriptionId: string, changeId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    const pending = subscription?.pendingUpgrade;
    // Applied already (perhaps by a concurrent delivery): only its grants may remain to write.
    if (!subscription || !pending || pending.changeId !== changeId) return this.settleGrants(subscriptionId);
    const now = this.clock.now();
    const period = subscription.currentPeriod;
    const extra: PeriodGrant[] = pending.extraCredits.map((credit) => ({ creditType: credit.creditType, amount: credit.amount, unlimited: credit.unlimited }));
    const afterChange = { ...subscription, planId: pending.planId, seats: pending.seats };
    // A pending downgrade is superseded by the upgrade; a cancellation stands.
    const scheduledChange = subscription.scheduledChange?.kind === 'DOWNGRADE' ? null : subscription.scheduledChange;
    const event = this.changedEvent({ ...afterChange, scheduledChange }, now);
    const applied = await this.subscriptions.findOneAndUpdate(
      { _id: subscriptionId, 'pendingUpgrade.changeId': changeId },
      {
        $set: {
          planId: pending.planId,
          seats: pending.seats,
          pricePerSeatCents: pending.pricePerSeatCents,
          pendingUpgrade: null,
          scheduledChange,
          periodCredits: addPeriodCredits(subscription.periodCredits, limitedCredits(extra)),
          updatedAt: now,
        },
        $push: { pendingGrants: { $each: grantOrders(subscriptionId, period, extra, `upgrade:${changeId}`) }, ...pushToOutbox(event) },
      },
    );
    if (!applied) return this.settleGrants(subscriptionId);
    this.outboxWritten();
    this.logger.info({ subscriptionId, planId: pending.planId, seats: pending.seats }, 'upgrade applied');
    await this.settleGrants(subscriptionId);
    await this.syncStripeRenewal(subscriptionId);
  }

  private async scheduleDowngrade(subscription: SubscriptionDocument, target: SubscriptionTerms): Promise<SubscriptionChangeResult> {
    if (subscription.scheduledChange && subscription.scheduledChange.kind !== 'DOWNGRADE') {
      throw conflict('The subscription is cancelled: it ends on its scheduled date');
    }
    const now = this.clock.now();
    const timing = endOfTermChange(subscription.anchor, subscription.billingPeriod, subscription.currentPeriod, now);
    const scheduled: ScheduledChange = {
      kind: 'DOWNGRADE',
      planId: target.planId,
      seats: target.seats,
      requestedAt: now,
      effectiveAt: timing.effectiveAt,
      renewsFirst: timing.renewsFirst,
      terminationReason: null,
    };
    const updated = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, status: 'ACTIVE', 'scheduledChange.kind': { $nin: ['CANCELLATION', 'EARLY_TERMINATION'] } },
      { $set: { scheduledChange: scheduled, updatedAt: now } },
    );
    if (!updated) throw conflict('The subscription changed meanwhile; reload and retry');
    await this.syncStripeRenewal(subscription._id);
    return { subscription: await this.mustFind(subscription._id), outcome: 'SCHEDULED', charge: null };
  }

  // -------------------------------------------------------------------------------------------
  // Cancellation and early termination (BIL-10, BIL-11)
  // -------------------------------------------------------------------------------------------

  /**
   * NON_RENEWAL (BIL-10): the subscription ends at the end of the period when asked in time,
   * otherwise after one more renewal. EARLY_TERMINATION (BIL-11): the subscriber ends the contract
   * now; nothing is refunded, amounts due stay due and the service continues to the period's end.
   */
  async cancel(caller: Caller, rawInput: CancelInput): Promise<SubscriptionChangeResult> {
    const input = parseInput(cancelInputSchema, rawInput);
    const { workspaceId } = workspaceAdminOf(caller);
    const subscription = await this.livePremiumOf(workspaceId);
    if (subscription.scheduledChange && subscription.scheduledChange.kind !== 'DOWNGRADE') {
      throw conflict(`The subscription is already cancelled: it ends on ${subscription.scheduledChange.effectiveAt.toISOString()}`);
    }
    const now = this.clock.now();
    await this.scheduleEnd(subscription, input.mode === 'NON_RENEWAL' ? 'NON_RENEWAL' : 'SUBSCRIBER_CHOICE', now);
    return { subscription: await this.mustFind(subscription._id), outcome: 'SCHEDULED', charge: null };
  }

  /**
   * Schedules the end of a PREMIUM subscription. NON_RENEWAL follows the notice windows (BIL-10);
   * any other reason is an early termination at the end of the current period (BIL-11).
   */
  private async scheduleEnd(subscription: SubscriptionDocument, reason: TerminationReason, now: Date): Promise<boolean> {
    const timing =
      reason === 'NON_RENEWAL'
        ? endOfTermChange(subscription.anchor, subscription.billingPeriod, subscription.currentPeriod, now)
        : { effectiveAt: subscription.currentPeriod.end, renewsFirst: false };
    const scheduledChange: ScheduledChange = {
      kind: reason === 'NON_RENEWAL' ? 'CANCELLATION' : 'EARLY_TERMINATION',
      planId: null,
      seats: null,
      requestedAt: now,
      effectiveAt: timing.effectiveAt,
      renewsFirst: timing.renewsFirst,
      terminationReason: reason,
    };
    const event = this.changedEvent({ ...subscription, scheduledChange }, now);
    const updated = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, status: { $in: LIVE_STATUSES }, 'scheduledChange.kind': { $nin: ['CANCELLATION', 'EARLY_TERMINATION'] } },
      { $set: { scheduledChange, updatedAt: now }, $push: pushToOutbox(event) },
    );
    if (!updated) return false;
    this.outboxWritten();
    this.logger.info({ subscriptionId: subscription._id, reason, effectiveAt: timing.effectiveAt }, 'subscription end scheduled');
    await this.syncStripeRenewal(subscription._id);
    return true;
  }

  /**
   * The subscriber's account was deleted (ACC-06) or the workspace was: an early termination
   * (BIL-11) at the end of the period, nothing refunded, amounts due stay due. With the workspace
   * gone, its credits are lost at once (ACC-06).
   */
  async terminateEarlyForDeletion(input: {
    subscriberUserId?: string;
    workspaceId?: string;
    deletedWorkspaceId: string | null;
    reason: 'ACCOUNT_DELETED' | 'SUBSCRIBER_CHOICE';
    at: Date;
  }): Promise<void> {
    const filter = input.workspaceId ? { workspaceId: input.workspaceId } : { subscriberUserId: input.subscriberUserId };
    const subscriptions = await this.subscriptions
      .find({ ...filter, kind: 'PREMIUM', status: { $in: [...LIVE_STATUSES, 'PENDING_PAYMENT'] } })
      .lean<SubscriptionDocument[]>();
    for (const subscription of subscriptions) {
      if (subscription.status === 'PENDING_PAYMENT') {
        await this.abandon(subscription._id);
        continue;
      }
      const scheduled = subscription.scheduledChange;
      if (!scheduled || scheduled.kind === 'DOWNGRADE') await this.scheduleEnd(subscription, input.reason, input.at);
      else if (scheduled.effectiveAt.getTime() > subscription.currentPeriod.end.getTime()) {
        // A late non-renewal would renew once more: the early termination ends it at this period's end.
        await this.subscriptions.updateOne(
          { _id: subscription._id, 'scheduledChange.requestedAt': scheduled.requestedAt },
          {
            $set: {
              scheduledChange: { ...scheduled, kind: 'EARLY_TERMINATION', effectiveAt: subscription.currentPeriod.end, renewsFirst: false, terminationReason: input.reason },
            },
          },
        );
        await this.syncStripeRenewal(subscription._id);
      }
      if (input.deletedWorkspaceId && subscription.workspaceId === input.deletedWorkspaceId) {
        await this.deps.ledger.forfeitAll(subscription.owner, 'WORKSPACE_DELETED', input.at);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Add-on credits (BIL-01, BIL-06)
  // -------------------------------------------------------------------------------------------

  /** Add-on credits for the current period, paid by a one-off invoice and granted once it is paid (BIL-01). */
  async buyAddOns(caller: Caller, rawInput: BuyAddOnInput): Promise<SubscriptionChangeResult> {
    const input = parseInput(buyAddOnInputSchema, rawInput);
    const { workspaceId } = workspaceAdminOf(caller);
    const price = await this.deps.plans.addOnPrice(input.creditType);
    if (!price) throw badInput('creditType', `creditType: no add-on is sold for ${input.creditType}`);
    if (input.quantity > price.maxQuantityPerPurchase) throw badInput('quantity', `quantity: at most ${price.maxQuantityPerPurchase} per purchase`);
    const subscription = await this.livePremiumOf(workspaceId);
    if (subscription.status !== 'ACTIVE') throw conflict('The subscription is suspended: settle it before buying credits');
    const billing = requireBilling(subscription);
    const now = this.clock.now();
    const operationId = randomUUID();
    const purchase: PendingAddOnPurchase = {
      operationId,
      creditType: input.creditType,
      quantity: input.quantity,
      amountCents: addOnPriceCents(price, input.quantity),
      invoiceId: null,
      expiresAt: subscription.currentPeriod.end,
      renewal: false,
      requestedAt: now,
    };
    const recorded = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, status: 'ACTIVE', 'currentPeriod.index': subscription.currentPeriod.index },
      { $push: { pendingAddOns: purchase }, $set: { updatedAt: now } },
    );
    if (!recorded) throw conflict('The subscription changed meanwhile; reload and retry');
    const result = await this.chargeOneOff(
      subscription,
      operationId,
      'ADD_ON',
      [{ description: `${input.quantity} ${input.creditType} add-on credits`, amountCents: purchase.amountCents }],
      billing,
    );
    if (result.declineCode) {
      await this.subscriptions.updateOne({ _id: subscription._id }, { $pull: { pendingAddOns: { operationId } } });
    } else {
      await this.subscriptions.updateOne(
        { _id: subscription._id, 'pendingAddOns.operationId': operationId },
        { $set: { 'pendingAddOns.$.invoiceId': result.invoice._id } },
      );
    }
    const updated = await this.mustFind(subscription._id);
    const granted = !updated.pendingAddOns.some((pending) => pending.operationId === operationId);
    return {
      subscription: updated,
      outcome: result.declineCode ? 'PAYMENT_DECLINED' : granted ? 'APPLIED' : 'PAYMENT_PENDING',
      charge: { invoice: result.invoice, declineCode: result.declineCode, monthsCharged: null },
    };
  }

  /** Add-ons are no longer bought again at renewal: the plan's base quantity applies (BIL-06). */
  async revertAddOnsToBaseQuantity(caller: Caller): Promise<SubscriptionDocument> {
    const { workspaceId } = workspaceAdminOf(caller);
    const subscription = await this.livePremiumOf(workspaceId);
    await this.subscriptions.updateOne({ _id: subscription._id }, { $set: { addOnRenewals: [], updatedAt: this.clock.now() } });
    return this.mustFind(subscription._id);
  }

  /** The add-on invoice was paid: its credits for the period, and (bought by the subscriber) again at renewal (BIL-06). */
  private async grantAddOns(subscriptionId: string, operationId: string): Promise<void> {
    for (let attempt = 0; attempt < GUARDED_WRITE_ATTEMPTS; attempt += 1) {
      const subscription = await this.findById(subscriptionId);
      const purchases = subscription?.pendingAddOns.filter((pending) => pending.operationId === operationId) ?? [];
      if (!subscription || purchases.length === 0) return this.settleGrants(subscriptionId);
      const orders: GrantOrder[] = purchases.map((purchase) => ({
        key: `${subscriptionId}:add-on:${operationId}:${purchase.creditType}`,
        creditType: purchase.creditType,
        amount: purchase.quantity,
        unlimited: false,
        source: 'ADD_ON',
        expiresAt: purchase.expiresAt,
      }));
      const renewals = purchases.some((purchase) => purchase.renewal)
        ? subscription.addOnRenewals
        : purchases.reduce(
            (list, purchase) => addQuantity(list, purchase.creditType, purchase.quantity),
            subscription.addOnRenewals.map((renewal) => ({ creditType: renewal.creditType, quantity: renewal.quantity })),
          );
      const updated = await this.subscriptions.findOneAndUpdate(
        { _id: subscriptionId, 'pendingAddOns.operationId': operationId, addOnRenewals: subscription.addOnRenewals },
        { $pull: { pendingAddOns: { operationId } }, $push: { pendingGrants: { $each: orders } }, $set: { addOnRenewals: renewals, updatedAt: this.clock.now() } },
      );
      if (updated) {
        await this.settleGrants(subscriptionId);
        return;
      }
    }
    throw conflict('The subscription changed too often meanwhile; the add-on credits will be granted on retry');
  }

  /** Charges the add-ons bought again at a renewal (BIL-06); retried by the lifecycle job until Stripe answered. */
  async chargeAddOnRenewals(subscriptionId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription || subscription.status !== 'ACTIVE' || !subscription.billing) return;
    const unbilled = subscription.pendingAddOns.filter((pending) => pending.renewal && pending.invoiceId === null);
    const operations = [...new Set(unbilled.map((pending) => pending.operationId))];
    for (const operationId of operations) {
      const lines = unbilled
        .filter((pending) => pending.operationId === operationId)
        .map((pending) => ({ description: `${pending.quantity} ${pending.creditType} add-on credits (renewed)`, amountCents: pending.amountCents }));
      const result = await this.chargeOneOff(subscription, operationId, 'ADD_ON', lines, subscription.billing);
      if (result.declineCode) {
        this.logger.warn({ subscriptionId, declineCode: result.declineCode }, 'renewed add-ons declined; not granted');
        await this.subscriptions.updateOne({ _id: subscriptionId }, { $pull: { pendingAddOns: { operationId } } });
      } else {
        await this.subscriptions.updateOne(
          { _id: subscriptionId },
          { $set: { 'pendingAddOns.$[purchase].invoiceId': result.invoice._id } },
          { arrayFilters: [{ 'purchase.operationId': operationId }] },
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Price revision (BIL-15)
  // -------------------------------------------------------------------------------------------

  /** The subscriber accepts the new price or keeps the old plan (at most one year) within 15 days of the notice. */
  async respondToPriceRevision(caller: Caller, rawInput: RespondToPriceRevisionInput): Promise<SubscriptionDocument> {
    const input = parseInput(respondToPriceRevisionInputSchema, rawInput);
    const { workspaceId } = workspaceAdminOf(caller);
    const subscription = await this.livePremiumOf(workspaceId);
    const now = this.clock.now();
    const problem = revisionAnswerProblem(subscription.priceRevision, now);
    const revision = subscription.priceRevision;
    if (problem || !revision) throw conflict(`response: ${problem ?? 'there is no price revision to answer'}`, 'response');
    const response = input.response === 'ACCEPT' ? 'ACCEPTED' : 'KEEP_OLD_PLAN';
    const updated = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, 'priceRevision.revisionId': revision.revisionId, 'priceRevision.response': null },
      {
        $set: {
          'priceRevision.response': response,
          'priceRevision.respondedAt': now,
          'priceRevision.oldPriceKeptUntil': response === 'KEEP_OLD_PLAN' ? oldPriceKeptUntil(revision.appliesAt) : null,
          updatedAt: now,
        },
      },
    );
    if (!updated) throw conflict('response: the price revision was answered meanwhile', 'response');
    await this.syncStripeRenewal(subscription._id);
    return this.mustFind(subscription._id);
  }

  /** Tells the subscribers of a revised plan, once per revision, at least 15 days before the renewal it applies at. */
  async noticePriceRevision(revision: PriceRevisionDocument, subscriptionId: string): Promise<boolean> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription || !subscription.billing || subscription.planId !== revision.planId) return false;
    if (subscription.priceRevision?.revisionId === revision._id || subscription.pricePerSeatCents === revision.newPricePerSeatCents) return false;
    const now = this.clock.now();
    // An earlier revision still waiting for its renewal goes first.
    if (subscription.priceRevision && subscription.priceRevision.appliesAt.getTime() > now.getTime()) return false;
    const appliesAt = revisionAppliesAt({
      anchor: subscription.anchor,
      billingPeriod: subscription.billingPeriod,
      currentPeriodIndex: subscription.currentPeriod.index,
      effectiveFrom: revision.effectiveFrom,
      now,
    });
    const plan = await this.mustFindPlan(subscription.planId);
    const answerBy = priceRevisionAnswerBy(now);
    // Told first, recorded second: a crash in between sends the notice twice, never zero times.
    await this.sendNotice(
      subscription.billing.email,
      priceRevisionNoticeMail({
        planName: plan.name,
        seats: subscription.seats,
        oldPricePerSeatCents: subscription.pricePerSeatCents,
        newPricePerSeatCents: revision.newPricePerSeatCents,
        appliesAt,
        answerBy,
      }),
    );
    const recorded = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, 'priceRevision.revisionId': { $ne: revision._id } },
      {
        $set: {
          priceRevision: {
            revisionId: revision._id,
            oldPricePerSeatCents: subscription.pricePerSeatCents,
            newPricePerSeatCents: revision.newPricePerSeatCents,
            noticeSentAt: now,
            appliesAt,
            answerBy,
            response: null,
            respondedAt: null,
            oldPriceKeptUntil: null,
          },
          updatedAt: now,
        },
      },
    );
    if (!recorded) return false;
    await this.syncStripeRenewal(subscription._id);
    return true;
  }

  async subscriptionsOnPlan(planId: string): Promise<string[]> {
    const rows = await this.subscriptions
      .find({ planId, kind: 'PREMIUM', status: { $in: LIVE_STATUSES } }, { _id: 1 })
      .lean<Array<{ _id: string }>>();
    return rows.map((row) => row._id);
  }

  // -------------------------------------------------------------------------------------------
  // Invoices from Stripe (BIL-14, BIL-16)
  // -------------------------------------------------------------------------------------------

  /**
   * Mirrors an invoice Stripe reported (webhook or API answer) and applies what its payment
   * means: the subscription starts, an upgrade or add-ons take effect, a suspension for
   * non-payment is lifted. Idempotent: the same invoice twice has one effect.
   */
  async onInvoiceUpdate(facts: InvoiceFacts): Promise<InvoiceDocument | null> {
    const subscription = await this.subscriptionOfInvoice(facts);
    if (!subscription) return null;
    const invoice = await this.deps.invoices.mirror(facts, subscription);
    if (invoice.status !== 'PAID') return invoice;
    if (facts.purpose === 'UPGRADE' && facts.operationId) await this.applyUpgrade(subscription._id, facts.operationId);
    else if (facts.purpose === 'ADD_ON' && facts.operationId) await this.grantAddOns(subscription._id, facts.operationId);
    else if (facts.purpose === 'SUBSCRIPTION') {
      if (subscription.status === 'PENDING_PAYMENT') await this.activate(subscription, facts);
      else if (subscription.nonPayment?.invoiceId === facts.stripeInvoiceId) await this.liftNonPayment(subscription._id, facts.stripeInvoiceId);
      // An overdue invoice finally paid: its late charges are billed, counted to the payment (BIL-14).
      if (invoice.paymentFailedAt) await this.billLateCharges(invoice._id, invoice.paidAt ?? this.clock.now());
    }
    return invoice;
  }

  /**
   * Bills the late interest and the EUR 40 recovery fee of an overdue subscription invoice (BIL-14)
   * on one one-off LATE_CHARGES invoice, charged to the default payment method. Once per overdue
   * invoice: the amounts are claimed on it by one guarded update, and Stripe calls carry keys
   * derived from that claim, so a redelivered webhook, a rerun job or a concurrent call never
   * bills twice. A declined charge leaves the invoice open and due (it is not voided: the debt
   * stands). No VAT: these indemnities are not subject to VAT in France.
   */
  async billLateCharges(overdueInvoiceId: string, countedTo: Date): Promise<InvoiceDocument | null> {
    const claim = await this.deps.invoices.claimLateCharges(overdueInvoiceId, countedTo);
    if (!claim) return null;
    if (claim.invoiceId) return this.deps.invoices.findById(claim.invoiceId);
    const overdue = await this.deps.invoices.findById(overdueInvoiceId);
    const subscription = overdue ? await this.findById(overdue.subscriptionId) : null;
    const customerId = subscription?.stripe?.customerId;
    if (!overdue || !subscription || !customerId) throw new Error(`late charges of invoice ${overdueInvoiceId}: no subscription or Stripe customer`);
    const charged = await this.deps.stripe.chargeOneOff({
      operationId: claim.operationId,
      customerId,
      subscriptionId: subscription._id,
      purpose: 'LATE_CHARGES',
      lines: lateChargesLines(claim, overdue.number),
      // Not subject to VAT (indemnities): no tax rate, whatever the buyer's VAT treatment.
      taxRateId: null,
    });
    const invoice = await this.deps.invoices.mirror(invoiceFactsFrom(charged.invoice), subscription);
    await this.deps.invoices.markLateChargesBilled(overdueInvoiceId, charged.invoice.id);
    if (charged.declineCode) {
      this.logger.warn({ subscriptionId: subscription._id, invoiceId: charged.invoice.id, declineCode: charged.declineCode }, 'late charges invoiced, payment declined');
    } else {
      this.logger.info({ subscriptionId: subscription._id, invoiceId: charged.invoice.id }, 'late charges invoiced and paid');
    }
    return invoice;
  }

  /** Late charges claimed but not issued yet (a crash, Stripe unreachable): resumed by the lifecycle job. */
  async lateChargesToBill(): Promise<Array<{ invoiceId: string; countedTo: Date }>> {
    return this.deps.invoices.lateChargesToBill();
  }

  /**
   * A subscription invoice could not be charged (BIL-14): PaymentFailed, the subscription is
   * suspended at once, a formal notice goes out and termination follows 15 days later if still
   * unpaid. One-off invoices (upgrades, add-ons) are voided by their own flow instead.
   */
  async onInvoicePaymentFailed(facts: InvoiceFacts): Promise<void> {
    const subscription = await this.subscriptionOfInvoice(facts);
    if (!subscription) return;
    await this.deps.invoices.mirror(facts, subscription);
    const now = this.clock.now();
    await this.deps.invoices.markPaymentFailed(facts.stripeInvoiceId, now);
    if (facts.purpose !== 'SUBSCRIPTION' || subscription.nonPayment) return;
    if (subscription.status !== 'ACTIVE' && subscription.status !== 'SUSPENDED') return;
    const workspaceId = requireWorkspace(subscription);
    const events: LeadgraphEvent[] = [
      createEvent(
        'PaymentFailed',
        {
          subscriptionId: subscription._id,
          workspaceId,
          invoiceId: facts.stripeInvoiceId,
          amountDueCents: facts.amountRemainingCents,
          currency: 'EUR',
          failedAt: now.toISOString(),
        },
        { subject: workspaceId, time: now },
      ),
    ];
    if (subscription.status === 'ACTIVE') events.push(this.changedEvent({ ...subscription, status: 'SUSPENDED' }, now));
    const suspended = await this.subscriptions.findOneAndUpdate(
      { _id: subscription._id, nonPayment: null, status: subscription.status },
      {
        $set: {
          status: 'SUSPENDED',
          nonPayment: { invoiceId: facts.stripeInvoiceId, failedAt: now, formalNoticeAt: null, terminateAt: null },
          updatedAt: now,
        },
        $push: pushToOutbox(...events),
      },
    );
    if (!suspended) return;
    this.outboxWritten();
    this.logger.warn({ subscriptionId: subscription._id, invoiceId: facts.stripeInvoiceId }, 'subscription suspended for non-payment');
    await this.sendFormalNotice(subscription._id);
  }

  /** Sends the formal notice of an unpaid invoice once; termination is due 15 days after it (BIL-14). */
  async sendFormalNotice(subscriptionId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    const nonPayment = subscription?.nonPayment;
    if (!subscription || !nonPayment || nonPayment.formalNoticeAt || !subscription.billing) return;
    const invoice = await this.deps.invoices.findById(nonPayment.invoiceId);
    const now = this.clock.now();
    const terminateAt = nonPaymentTerminationAt(now);
    const dueAt = invoice?.dueAt ?? nonPayment.failedAt;
    await this.sendNotice(
      subscription.billing.email,
      formalNoticeMail({
        invoiceNumber: invoice?.number ?? null,
        amountDueCents: invoice?.amountRemainingCents ?? 0,
        dueAt,
        terminationAt: terminateAt,
        lateInterestRateBasisPoints: lateInterestRateBasisPoints(legalRateOn(this.deps.legalRates, dueAt)),
        recoveryFeeCents: RECOVERY_FEE_CENTS,
      }),
    );
    await this.subscriptions.updateOne(
      { _id: subscriptionId, 'nonPayment.invoiceId': nonPayment.invoiceId, 'nonPayment.formalNoticeAt': null },
      { $set: { 'nonPayment.formalNoticeAt': now, 'nonPayment.terminateAt': terminateAt, updatedAt: now } },
    );
  }

  /** The unpaid invoice was paid: the suspension for non-payment ends (BIL-14). */
  private async liftNonPayment(subscriptionId: string, invoiceId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription || subscription.nonPayment?.invoiceId !== invoiceId) return;
    const now = this.clock.now();
    const status = statusFromSuspensions({ breach: subscription.breach, nonPayment: null });
    const events = status === 'ACTIVE' ? [this.changedEvent({ ...subscription, status }, now)] : [];
    const lifted = await this.subscriptions.findOneAndUpdate(
      { _id: subscriptionId, 'nonPayment.invoiceId': invoiceId, status: 'SUSPENDED' },
      { $set: { nonPayment: null, status, updatedAt: now }, ...(events.length > 0 ? { $push: pushToOutbox(...events) } : {}) },
    );
    if (!lifted) return;
    if (events.length > 0) this.outboxWritten();
    this.logger.info({ subscriptionId, invoiceId }, 'unpaid invoice settled; suspension for non-payment lifted');
  }

  /** Stripe ended the subscription itself (final failed retry, dashboard): we end ours for the same cause. */
  async onStripeSubscriptionDeleted(stripeSubscriptionId: string, cancellationReason: string | null): Promise<void> {
    const subscription = await this.subscriptions
      .findOne({ 'stripe.subscriptionId': stripeSubscriptionId, status: { $in: LIVE_STATUSES } })
      .lean<SubscriptionDocument>();
    if (!subscription) return;
    const now = this.clock.now();
    const scheduled = subscription.scheduledChange;
    if (scheduled && scheduled.kind !== 'DOWNGRADE') {
      // Stripe stops at the scheduled end; the rollover job ends ours then, with the scheduled reason.
      if (subscription.currentPeriod.end.getTime() <= now.getTime()) await this.rollOver(subscription._id);
      return;
    }
    await this.terminate(subscription._id, cancellationReason === 'payment_failed' ? 'NON_PAYMENT' : 'SUBSCRIBER_CHOICE', now);
  }

  private async subscriptionOfInvoice(facts: InvoiceFacts): Promise<SubscriptionDocument | null> {
    if (facts.subscriptionId) {
      const byId = await this.findById(facts.subscriptionId);
      if (byId) return byId;
    }
    if (facts.stripeSubscriptionId) {
      return this.subscriptions.findOne({ 'stripe.subscriptionId': facts.stripeSubscriptionId }).lean<SubscriptionDocument>();
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Breach (BIL-12)
  // -------------------------------------------------------------------------------------------

  /** The subscriber's account was suspended for breach (ACC-07): their PREMIUM subscriptions are suspended at once. */
  async suspendForBreach(userId: string, suspendedAt: Date, regulariseBy: Date): Promise<void> {
    const subscriptions = await this.subscriptions
      .find({ subscriberUserId: userId, kind: 'PREMIUM', status: { $in: LIVE_STATUSES }, breach: null })
      .lean<SubscriptionDocument[]>();
    const now = this.clock.now();
    for (const subscription of subscriptions) {
      const breach = { suspendedAt, regulariseBy, terminateAt: breachTerminationAt(suspendedAt, regulariseBy) };
      const events = subscription.status === 'ACTIVE' ? [this.changedEvent({ ...subscription, status: 'SUSPENDED' }, now)] : [];
      const suspended = await this.subscriptions.findOneAndUpdate(
        { _id: subscription._id, breach: null, status: subscription.status },
        { $set: { breach, status: 'SUSPENDED', updatedAt: now }, ...(events.length > 0 ? { $push: pushToOutbox(...events) } : {}) },
      );
      if (suspended && events.length > 0) this.outboxWritten();
      if (suspended) this.logger.warn({ subscriptionId: subscription._id, terminateAt: breach.terminateAt }, 'subscription suspended for breach');
    }
  }

  /** The account was reinstated in time: the breach suspension ends (an unpaid invoice may still hold it). */
  async liftBreach(userId: string): Promise<void> {
    const subscriptions = await this.subscriptions
      .find({ subscriberUserId: userId, kind: 'PREMIUM', status: 'SUSPENDED', breach: { $ne: null } })
      .lean<SubscriptionDocument[]>();
    const now = this.clock.now();
    for (const subscription of subscriptions) {
      const status = statusFromSuspensions({ breach: null, nonPayment: subscription.nonPayment });
      const events = status === 'ACTIVE' ? [this.changedEvent({ ...subscription, status }, now)] : [];
      const lifted = await this.subscriptions.findOneAndUpdate(
        { _id: subscription._id, status: 'SUSPENDED', 'breach.suspendedAt': subscription.breach?.suspendedAt },
        { $set: { breach: null, status, updatedAt: now }, ...(events.length > 0 ? { $push: pushToOutbox(...events) } : {}) },
      );
      if (lifted && events.length > 0) this.outboxWritten();
    }
  }

  /** Suspensions that ran out (3 weeks of breach, 15 days after a formal notice) end their subscriptions. */
  async terminateExpiredSuspensions(): Promise<number> {
    const now = this.clock.now();
    const candidates = await this.subscriptions
      .find({ status: 'SUSPENDED', $or: [{ 'breach.terminateAt': { $lte: now } }, { 'nonPayment.terminateAt': { $lte: now } }] })
      .lean<SubscriptionDocument[]>();
    let terminated = 0;
    for (const subscription of candidates) {
      const cause = suspensionTerminationDue(subscription, now);
      if (!cause) continue;
      const at = cause === 'BREACH' ? subscription.breach?.terminateAt : subscription.nonPayment?.terminateAt;
      if (await this.terminate(subscription._id, cause, at ?? now)) terminated += 1;
    }
    return terminated;
  }

  async subscriptionsAwaitingFormalNotice(): Promise<string[]> {
    const rows = await this.subscriptions
      .find({ 'nonPayment.invoiceId': { $exists: true }, 'nonPayment.formalNoticeAt': null, status: 'SUSPENDED' }, { _id: 1 })
      .lean<Array<{ _id: string }>>();
    return rows.map((row) => row._id);
  }

  // -------------------------------------------------------------------------------------------
  // Period rollover (BIL-05, BIL-06, BIL-10, BIL-13, BIL-15)
  // -------------------------------------------------------------------------------------------

  /** Subscriptions whose current period has ended by `at`. */
  async dueForRollover(at: Date): Promise<string[]> {
    const rows = await this.subscriptions
      .find({ status: { $in: LIVE_STATUSES }, 'currentPeriod.end': { $lte: at } }, { _id: 1 })
      .lean<Array<{ _id: string }>>();
    return rows.map((row) => row._id);
  }

  /**
   * Moves a subscription over every period that ended: terminates it when its end was scheduled,
   * otherwise renews it (new plan after a downgrade, revised price, unused credits carried over on
   * rollover plans), expires the old period's credits and grants the new period's.
   */
  async rollOver(subscriptionId: string): Promise<void> {
    const now = this.clock.now();
    for (let step = 0; step < 10_000; step += 1) {
      const subscription = await this.findById(subscriptionId);
      if (!subscription || !isLive(subscription) || subscription.currentPeriod.end.getTime() > now.getTime()) break;
      const plan = await this.mustFindPlan(subscription.planId);
      const downgradeTarget = dueDowngradeTarget(subscription);
      const downgradePlan = downgradeTarget ? await this.deps.plans.findById(downgradeTarget) : null;
      const decision = decideRollover(subscription, {
        rolloverUnusedCredits: plan.rolloverUnusedCredits,
        downgradePricePerSeatCents: downgradePlan ? await this.deps.plans.pricePerSeatNow(downgradePlan) : null,
      });
      if (decision.kind === 'TERMINATE') {
        await this.terminate(subscriptionId, decision.reason, subscription.currentPeriod.end);
        break;
      }
      const { terms, next } = decision;
      const nextPlan = terms.planId === plan._id ? plan : await this.mustFindPlan(terms.planId);
      // Periods that ended meanwhile (the job was down) get no credits: they could not be used.
      const current = next.end.getTime() > now.getTime();
      const base = current ? creditsForPeriod(nextPlan, terms.seats) : [];
      const carried = current && decision.carryOverUnused ? await this.unusedSubscriptionCredits(subscription) : [];
      const renewals: PendingAddOnPurchase[] =
        current && subscription.kind === 'PREMIUM' ? await this.addOnRenewalPurchases(subscription, next) : [];
      const planChanged = terms.planId !== subscription.planId || terms.seats !== subscription.seats;
      // A downgrade due at this end has just been applied; a later change keeps waiting.
      const scheduledChange = downgradeTarget ? null : subscription.scheduledChange;
      const renewed = { ...subscription, planId: terms.planId, seats: terms.seats, scheduledChange };
      const events = subscription.kind === 'PREMIUM' && planChanged ? [this.changedEvent(renewed, now)] : [];
      const update: UpdateQuery<SubscriptionDocument> = {
        $set: {
          currentPeriod: next,
          planId: terms.planId,
          seats: terms.seats,
          pricePerSeatCents: terms.pricePerSeatCents,
          scheduledChange,
          pendingUpgrade: null,
          pendingAddOns: [...subscription.pendingAddOns.filter((pending) => pending.expiresAt.getTime() > subscription.currentPeriod.end.getTime()), ...renewals],
          periodCredits: addPeriodCredits(limitedCredits(base), carried),
          updatedAt: now,
        },
        $push: {
          pendingGrants: {
            $each: [...grantOrders(subscriptionId, next, base, 'period'), ...grantOrders(subscriptionId, next, carried.map((credit) => ({ ...credit, unlimited: false })), 'carried-over')],
          },
          ...(events.length > 0 ? pushToOutbox(...events) : {}),
        },
      };
      const moved = await this.subscriptions.findOneAndUpdate(
        { _id: subscriptionId, status: subscription.status, 'currentPeriod.index': subscription.currentPeriod.index },
        update,
      );
      if (moved && events.length > 0) this.outboxWritten();
      if (moved) this.logger.info({ subscriptionId, period: next.index, planId: terms.planId, seats: terms.seats }, 'subscription renewed');
    }
    await this.settleGrants(subscriptionId);
    await this.chargeAddOnRenewals(subscriptionId);
    await this.syncStripeRenewal(subscriptionId);
  }

  /**
   * Expires the credits of every period that ended (BIL-05, BIL-10). Called once all due renewals
   * are done: a rollover plan must read what is left before it expires.
   */
  async expireEndedPeriods(until: Date): Promise<void> {
    await this.deps.ledger.expireDue(until);
  }

  /**
   * Unused subscription credits at the end of the period, per limited type (BIL-05): what is left,
   * never more than the period's subscription credits (add-on and reward credits are not carried).
   */
  private async unusedSubscriptionCredits(subscription: SubscriptionDocument): Promise<PeriodCredit[]> {
    const justBeforeEnd = new Date(subscription.currentPeriod.end.getTime() - 1);
    const balances = await this.deps.ledger.balances(subscription.owner, justBeforeEnd);
    return subscription.periodCredits
      .map((granted) => {
        const left = balances.find((balance) => balance.creditType === granted.creditType && !balance.unlimited)?.available ?? 0;
        return { creditType: granted.creditType, amount: Math.min(left, granted.amount) };
      })
      .filter((credit) => credit.amount > 0);
  }

  private async addOnRenewalPurchases(subscription: SubscriptionDocument, next: PeriodRecord): Promise<PendingAddOnPurchase[]> {
    const operationId = `${subscription._id}:${next.start.toISOString()}:add-on-renewal`;
    const purchases: PendingAddOnPurchase[] = [];
    for (const renewal of subscription.addOnRenewals) {
      const price = isAddOnCreditType(renewal.creditType) ? await this.deps.plans.addOnPrice(renewal.creditType) : null;
      if (!price) continue;
      purchases.push({
        operationId,
        creditType: renewal.creditType,
        quantity: renewal.quantity,
        amountCents: addOnPriceCents(price, renewal.quantity),
        invoiceId: null,
        expiresAt: next.end,
        renewal: true,
        requestedAt: this.clock.now(),
      });
    }
    return purchases;
  }

  // -------------------------------------------------------------------------------------------
  // Termination (BIL-11..BIL-14)
  // -------------------------------------------------------------------------------------------

  /**
   * Ends a subscription: status, reason and SubscriptionTerminated in one write (accounts then
   * deletes the workspace, BIL-13). The follow-ups (Stripe, credits forfeited, FREEMIUM resumed)
   * run next and are retried by the lifecycle job until done.
   */
  async terminate(subscriptionId: string, reason: TerminationReason, at: Date): Promise<boolean> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription || !isLive(subscription)) return false;
    const now = this.clock.now();
    const events =
      subscription.kind === 'PREMIUM'
        ? [
            createEvent(
              'SubscriptionTerminated',
              {
                subscriptionId,
                workspaceId: requireWorkspace(subscription),
                subscriberUserId: subscription.subscriberUserId,
                reason,
                terminatedAt: at.toISOString(),
              },
              { subject: requireWorkspace(subscription), time: now },
            ),
          ]
        : [];
    const ended = await this.subscriptions.findOneAndUpdate(
      { _id: subscriptionId, status: subscription.status },
      {
        $set: {
          status: 'TERMINATED',
          termination: { reason, at, followUpsDone: false },
          scheduledChange: null,
          pendingUpgrade: null,
          pendingAddOns: [],
          updatedAt: now,
        },
        $unset: { liveKey: 1 },
        ...(events.length > 0 ? { $push: pushToOutbox(...events) } : {}),
      },
    );
    if (!ended) return false;
    if (events.length > 0) this.outboxWritten();
    this.logger.info({ subscriptionId, reason }, 'subscription terminated');
    await this.completeTermination(subscriptionId);
    return true;
  }

  /** Idempotent follow-ups of a termination. */
  async completeTermination(subscriptionId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    const termination = subscription?.termination;
    if (!subscription || !termination || termination.followUpsDone) return;
    if (subscription.kind === 'PREMIUM') {
      // No refund and no proration: open invoices stay due (BIL-11, BIL-14).
      if (subscription.stripe?.subscriptionId) await this.deps.stripe.cancelNow(subscription.stripe.subscriptionId);
      // Terminated unpaid: the late charges are billed, counted to the termination (BIL-14).
      if (termination.reason === 'NON_PAYMENT' && subscription.nonPayment) {
        await this.billLateCharges(subscription.nonPayment.invoiceId, termination.at);
      }
      await this.deps.ledger.forfeitAll(subscription.owner, 'SUBSCRIPTION_TERMINATED', termination.at);
      if (termination.reason !== 'ACCOUNT_DELETED') await this.resumeFreemium(subscription.subscriberUserId);
    }
    await this.subscriptions.updateOne({ _id: subscriptionId }, { $set: { 'termination.followUpsDone': true } });
  }

  async terminationsToComplete(): Promise<string[]> {
    const rows = await this.subscriptions.find({ 'termination.followUpsDone': false }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return rows.map((row) => row._id);
  }

  // -------------------------------------------------------------------------------------------
  // Shared steps
  // -------------------------------------------------------------------------------------------

  /** Writes the decided grants to the ledger (idempotent keys) and removes them once written. */
  async settleGrants(subscriptionId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription) return;
    const now = this.clock.now();
    for (const order of subscription.pendingGrants) {
      if (order.expiresAt.getTime() > now.getTime()) {
        for (const part of splitGrant(order.key, order.amount)) {
          await this.deps.ledger.grant({
            owner: subscription.owner,
            creditType: order.creditType,
            amount: part.amount,
            source: order.source,
            expiresAt: order.expiresAt,
            unlimited: order.unlimited,
            idempotencyKey: part.key,
          });
        }
      }
      await this.subscriptions.updateOne({ _id: subscriptionId }, { $pull: { pendingGrants: { key: order.key } } });
    }
  }

  async subscriptionsWithPendingWork(): Promise<string[]> {
    const rows = await this.subscriptions
      .find({ $or: [{ 'pendingGrants.key': { $exists: true } }, { 'pendingAddOns.renewal': true, status: 'ACTIVE' }] }, { _id: 1 })
      .lean<Array<{ _id: string }>>();
    return rows.map((row) => row._id);
  }

  /**
   * Makes Stripe bill the next renewal as the rollover will renew: plan, seats and price, or no
   * renewal at all. Without proration: differences are charged by our own invoices (BIL-09).
   */
  async syncStripeRenewal(subscriptionId: string): Promise<void> {
    const subscription = await this.findById(subscriptionId);
    const link = subscription?.stripe;
    if (!subscription || !link?.subscriptionId || !isLive(subscription)) return;
    const downgradeTarget = subscription.scheduledChange?.kind === 'DOWNGRADE' ? subscription.scheduledChange.planId : null;
    const downgradePlan = downgradeTarget ? await this.deps.plans.findById(downgradeTarget) : null;
    const terms = nextPeriodTerms(subscription, downgradePlan ? await this.deps.plans.pricePerSeatNow(downgradePlan) : null);
    if (!terms) {
      if (!link.cancelAtPeriodEnd) {
        await this.deps.stripe.setCancelAtPeriodEnd(link.subscriptionId, true);
        await this.subscriptions.updateOne({ _id: subscriptionId }, { $set: { 'stripe.cancelAtPeriodEnd': true } });
      }
      return;
    }
    if (link.cancelAtPeriodEnd) {
      await this.deps.stripe.setCancelAtPeriodEnd(link.subscriptionId, false);
      await this.subscriptions.updateOne({ _id: subscriptionId }, { $set: { 'stripe.cancelAtPeriodEnd': false } });
    }
    const plan = await this.mustFindPlan(terms.planId);
    const priceId = await this.deps.stripe.priceFor({ planId: plan._id, name: plan.name, billingPeriod: plan.billingPeriod }, terms.pricePerSeatCents);
    if (priceId === link.renewalPriceId && terms.seats === link.renewalSeats) return;
    await this.deps.stripe.setRenewalTerms(link.subscriptionId, priceId, terms.seats);
    await this.subscriptions.updateOne({ _id: subscriptionId }, { $set: { 'stripe.renewalPriceId': priceId, 'stripe.renewalSeats': terms.seats } });
  }

  private async chargeOneOff(
    subscription: SubscriptionDocument,
    operationId: string,
    purpose: 'UPGRADE' | 'ADD_ON',
    lines: Array<{ description: string; amountCents: number }>,
    billing: NonNullable<SubscriptionDocument['billing']>,
  ): Promise<{ invoice: InvoiceDocument; declineCode: string | null }> {
    const customerId = subscription.stripe?.customerId;
    if (!customerId) throw new Error(`subscription ${subscription._id} has no Stripe customer`);
    const taxRateId = await this.deps.stripe.taxRateFor(billing.country, billing.vatRateBasisPoints);
    const charged = await this.deps.stripe.chargeOneOff({ operationId, customerId, subscriptionId: subscription._id, purpose, lines, taxRateId });
    if (charged.declineCode) {
      // Nothing stays due for a change that did not happen.
      const voided = await this.deps.stripe.voidInvoice(charged.invoice.id);
      const invoice = await this.deps.invoices.mirror(invoiceFactsFrom(voided), subscription);
      return { invoice, declineCode: charged.declineCode };
    }
    const invoice = await this.onInvoiceUpdate(invoiceFactsFrom(charged.invoice));
    if (!invoice) throw new Error(`invoice ${charged.invoice.id} could not be mirrored`);
    return { invoice, declineCode: null };
  }

  private changedEvent(
    subscription: Pick<SubscriptionDocument, '_id' | 'workspaceId' | 'planId' | 'seats' | 'status' | 'scheduledChange'>,
    at: Date,
  ): LeadgraphEvent<'SubscriptionChanged'> {
    const workspaceId = requireWorkspace(subscription);
    return createEvent(
      'SubscriptionChanged',
      {
        subscriptionId: subscription._id,
        workspaceId,
        planId: subscription.planId,
        seats: subscription.seats,
        status: eventStatusOf(subscription),
        changedAt: at.toISOString(),
      },
      { subject: workspaceId, time: at },
    );
  }

  private async sendNotice(to: string, mail: NoticeMail): Promise<void> {
    await this.deps.mailer.send({ to, subject: mail.subject, text: mail.text });
  }

  private async mustFind(subscriptionId: string): Promise<SubscriptionDocument> {
    const subscription = await this.findById(subscriptionId);
    if (!subscription) throw new Error(`subscription ${subscriptionId} vanished`);
    return subscription;
  }

  private async mustFindPlan(planId: string): Promise<PlanDocument> {
    const plan = await this.deps.plans.findById(planId);
    if (!plan) throw new Error(`plan ${planId} is not in the catalogue`);
    return plan;
  }
}

function isLive(subscription: Pick<SubscriptionDocument, 'status'>): boolean {
  return subscription.status === 'ACTIVE' || subscription.status === 'SUSPENDED';
}

function termsOf(subscription: SubscriptionDocument): SubscriptionTerms {
  return {
    planId: subscription.planId,
    kind: subscription.kind,
    billingPeriod: subscription.billingPeriod,
    pricePerSeatCents: subscription.pricePerSeatCents,
    seats: subscription.seats,
  };
}

function requireWorkspace(subscription: Pick<SubscriptionDocument, '_id' | 'workspaceId'>): string {
  if (!subscription.workspaceId) throw new Error(`subscription ${subscription._id} has no workspace`);
  return subscription.workspaceId;
}

function requireBilling(subscription: SubscriptionDocument): NonNullable<SubscriptionDocument['billing']> {
  if (!subscription.billing) throw new Error(`subscription ${subscription._id} has no billing details`);
  return subscription.billing;
}

function dueDowngradeTarget(subscription: SubscriptionDocument): string | null {
  const change = subscription.scheduledChange;
  if (!change || change.kind !== 'DOWNGRADE' || change.effectiveAt.getTime() > subscription.currentPeriod.end.getTime()) return null;
  return change.planId;
}

/** Grant orders for a period; keys name the subscription, the period start and the reason, so a replay grants once. */
function grantOrders(subscriptionId: string, period: Pick<PeriodRecord, 'start' | 'end'>, grants: readonly PeriodGrant[], reason: string): GrantOrder[] {
  return grants
    .filter((grant) => grant.amount > 0)
    .map((grant) => ({
      key: `${subscriptionId}:${period.start.toISOString()}:${reason}:${grant.creditType}`,
      creditType: grant.creditType,
      amount: grant.amount,
      unlimited: grant.unlimited,
      source: 'SUBSCRIPTION' as const,
      expiresAt: period.end,
    }));
}

/** The limited (not fair-use) subscription credits of a period: what a rollover may carry. */
function limitedCredits(grants: readonly PeriodGrant[]): PeriodCredit[] {
  return grants.filter((grant) => !grant.unlimited).map((grant) => ({ creditType: grant.creditType, amount: grant.amount }));
}

function addPeriodCredits(base: readonly PeriodCredit[], extra: readonly PeriodCredit[]): PeriodCredit[] {
  const totals = new Map<CreditType, number>();
  for (const credit of [...base, ...extra]) totals.set(credit.creditType, (totals.get(credit.creditType) ?? 0) + credit.amount);
  return [...totals].map(([creditType, amount]) => ({ creditType, amount }));
}

function addQuantity(list: Array<{ creditType: CreditType; quantity: number }>, creditType: CreditType, quantity: number) {
  const existing = list.find((entry) => entry.creditType === creditType);
  if (existing) return list.map((entry) => (entry === existing ? { ...entry, quantity: entry.quantity + quantity } : entry));
  return [...list, { creditType, quantity }];
}
