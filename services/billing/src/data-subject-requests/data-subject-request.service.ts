import { dataSubjectRequestDetailsSchema, type DataSubjectRequestDetails } from '@leadgraph/events';
import {
  currentEmailHashes,
  identifierHash,
  openDataSubjectPayload,
  recordDataSubjectAnswer,
  sealDataSubjectPayload,
  type Clock,
  type DataSubjectAnswerModel,
  type IdentifierHashKey,
  type Logger,
} from '@leadgraph/platform';
import type { CreditAccountDocument, CreditAccountModel, CreditLedgerEntryDocument, CreditLedgerModel } from '../credits/credit.model';
import type { InvoiceDocument, InvoiceModel } from '../invoices/invoice.model';
import type { PaymentMethodDocument, PaymentMethodModel } from '../payment-methods/payment-method.model';
import type { StripeCustomerDocument, StripeCustomerModel } from '../stripe/stripe.model';
import type { StripeBilling } from '../stripe/stripe.service';
import { liveKeyOf, type SubscriptionDocument, type SubscriptionModel } from '../subscriptions/subscription.model';
import {
  accountingKeptUntil,
  answersWithoutAction,
  billingExportPart,
  contactErasureAnswer,
  contactExportAnswer,
  contactExportPart,
  erasureAnswer,
  exportAnswer,
  exportCounts,
  hasNameCorrections,
  holdsData,
  isLiftableCause,
  isLiveSubscription,
  mayErasePersonalCredits,
  nameCorrections,
  noDataHeld,
  objectionAnswer,
  rectificationAnswer,
  restrictionAnswer,
  restrictionCauseOf,
  UNRECORDED_CAUSE,
  type BillingAnswer,
  type BillingSnapshot,
  type ContactSnapshot,
} from './data-subject-request.rules';
import type { DataSubjectRequestOpened, DataSubjectRestrictionLifted } from './data-subject-request.types';

/** The user id put in place of an erased person's on the workspace pools' ledger lines. */
export const ERASED_USER_ID = 'erased-user';

export interface DataSubjectRequestDependencies {
  subscriptions: SubscriptionModel;
  invoices: InvoiceModel;
  paymentMethods: PaymentMethodModel;
  stripeCustomers: StripeCustomerModel;
  creditAccounts: CreditAccountModel;
  creditLedger: CreditLedgerModel;
  stripe: Pick<StripeBilling, 'customerProfile' | 'rectifyCustomer' | 'eraseCustomerContact' | 'detachPaymentMethod'>;
  answers: DataSubjectAnswerModel;
  sealKey: string;
  /** Key of the identifier hashes requests carry (shared with privacy). */
  identifierKey: IdentifierHashKey;
  clock: Clock;
  logger: Logger;
  outboxWritten: () => void;
}

/** The restrictable records' models (subscriptions, invoices), as far as their restriction goes. */
interface RestrictableModel {
  updateMany(filter: Record<string, unknown>, update: Record<string, unknown>): PromiseLike<{ modifiedCount: number }>;
}

/** A subscription whose billing contact a request's e-mail matched. */
type ContactSubscription = Pick<SubscriptionDocument, '_id' | 'owner' | 'status' | 'billing'>;

/** What billing holds about one user, read once per request. */
interface PersonRecords {
  userId: string;
  subscriptions: SubscriptionDocument[];
  customers: StripeCustomerDocument[];
  paymentMethods: PaymentMethodDocument[];
  invoices: InvoiceDocument[];
  personalAccount: CreditAccountDocument | null;
  ledger: CreditLedgerEntryDocument[];
  budgetAccounts: CreditAccountDocument[];
}

/**
 * Billing's part of data-subject requests (PRV-02, PRV-05): the person is matched by their user
 * id (the subscriber of subscriptions, the owner of personal credits, the member budgets are set
 * on); each request is carried out once and answered once with `DataSubjectRequestAnsweredByBilling`.
 * Invoices and the accounting data on them stay for their legal retention (BIL-17), restricted.
 */
export class DataSubjectRequestService {
  constructor(private readonly deps: DataSubjectRequestDependencies) {}

  /** Carries out and answers a verified request; false when it was already answered (a redelivery). */
  async handle(request: DataSubjectRequestOpened): Promise<boolean> {
    const { answers, clock, logger } = this.deps;
    if (await answers.exists({ _id: request.requestId })) return false;
    const answer = await this.carryOut(request);
    const recorded = await recordDataSubjectAnswer(answers, 'billing', answer, clock);
    if (recorded) {
      this.deps.outboxWritten();
      logger.info({ requestId: request.requestId, right: request.right, outcome: answer.outcome }, 'data-subject request answered');
    }
    return recorded;
  }

  private async carryOut(request: DataSubjectRequestOpened): Promise<BillingAnswer> {
    const { requestId, right } = request;
    if (answersWithoutAction(right)) return noDataHeld(requestId, right);
    // Without an account, billing can only hold their e-mail as some subscription's billing contact.
    if (!request.userId) return this.carryOutForContact(request);
    const person = await this.recordsOf(request.userId);
    const held = holdsData({
      subscriptions: person.subscriptions.length,
      personalCreditAccount: person.personalAccount !== null,
      budgets: person.budgetAccounts.length,
      ledgerEntriesAsActor: person.ledger.length,
    });
    if (!held) return noDataHeld(requestId, right);
    switch (right) {
      case 'ACCESS':
      case 'PORTABILITY': {
        const snapshot = await this.snapshotOf(person);
        return exportAnswer(requestId, right, exportCounts(snapshot), sealDataSubjectPayload(billingExportPart(snapshot), this.deps.sealKey));
      }
      case 'ERASURE':
        return this.erase(requestId, person);
      case 'RESTRICTION': {
        const counts = await this.restrict(person, restrictionCauseOf('RESTRICTION', requestId));
        return restrictionAnswer(requestId, counts);
      }
      case 'RECTIFICATION':
        return this.rectify(requestId, person, this.detailsOf(request));
      case 'OBJECTION':
        return objectionAnswer(requestId, person.subscriptions.length);
      default:
        return noDataHeld(requestId, right);
    }
  }

  /**
   * A person without an account found by the keyed hash of their e-mail among billing contacts
   * (PRV-05): their address is all billing holds on them. No match: NO_DATA_HELD.
   */
  private async carryOutForContact(request: DataSubjectRequestOpened): Promise<BillingAnswer> {
    const { requestId, right } = request;
    const contacts = await this.contactSubscriptionsOf(request);
    if (contacts.length === 0) return noDataHeld(requestId, right);
    switch (right) {
      case 'ACCESS':
      case 'PORTABILITY': {
        const snapshot: ContactSnapshot[] = contacts.map((subscription) => ({
          subscriptionId: subscription._id,
          owner: liveKeyOf(subscription.owner),
          status: subscription.status,
          email: subscription.billing?.email ?? '',
        }));
        return contactExportAnswer(requestId, right, snapshot.length, sealDataSubjectPayload(contactExportPart(snapshot), this.deps.sealKey));
      }
      case 'ERASURE': {
        const ended = contacts.filter((subscription) => !isLiveSubscription(subscription.status));
        if (ended.length > 0) {
          await this.deps.subscriptions.updateMany({ _id: { $in: ended.map((subscription) => subscription._id) } }, { $unset: { 'billing.email': 1 } });
        }
        return contactErasureAnswer(requestId, { erased: ended.length, keptForLiveSubscriptions: contacts.length - ended.length });
      }
      case 'RESTRICTION': {
        await this.restrictRecords(this.deps.subscriptions, contacts.map((subscription) => subscription._id), restrictionCauseOf('RESTRICTION', requestId));
        return restrictionAnswer(requestId, { subscriptions: contacts.length, invoices: 0 });
      }
      case 'OBJECTION':
        return objectionAnswer(requestId, contacts.length);
      default:
        // Rectification: billing holds no name of a contact, only their address.
        return noDataHeld(requestId, right);
    }
  }

  /** Subscriptions whose billing e-mail hashes to one of the request's (same key version). */
  private async contactSubscriptionsOf(request: DataSubjectRequestOpened): Promise<ContactSubscription[]> {
    const { identifierKey, subscriptions } = this.deps;
    const wanted = new Set(currentEmailHashes(request.identifiers, identifierKey.version));
    if (wanted.size === 0) return [];
    // Billing keeps contacts' addresses in clear (invoices go to them), not hashed: compared one by one.
    const withEmail = await subscriptions
      .find({ 'billing.email': { $exists: true, $type: 'string' } }, { owner: 1, status: 1, billing: 1 })
      .lean<ContactSubscription[]>();
    return withEmail.filter((subscription) => subscription.billing?.email && wanted.has(identifierHash('EMAIL', subscription.billing.email, identifierKey)));
  }

  private detailsOf(request: DataSubjectRequestOpened): DataSubjectRequestDetails | null {
    if (!request.sealedDetails) return null;
    // A payload that does not open is a key misconfiguration: failing lets the consumer retry and dead-letter it.
    return dataSubjectRequestDetailsSchema.parse(openDataSubjectPayload(request.sealedDetails, this.deps.sealKey));
  }

  private async recordsOf(userId: string): Promise<PersonRecords> {
    const { subscriptions, stripeCustomers, paymentMethods, invoices, creditAccounts, creditLedger } = this.deps;
    const theirs = await subscriptions.find({ subscriberUserId: userId }).sort({ createdAt: 1 }).lean<SubscriptionDocument[]>();
    const ownerKeys = [...new Set(theirs.map((subscription) => liveKeyOf(subscription.owner)))];
    // A workspace now billed to someone else's running subscription: its customer and payment methods are not theirs.
    const othersLive = await subscriptions
      .find({ liveKey: { $in: ownerKeys }, subscriberUserId: { $ne: userId } }, { liveKey: 1 })
      .lean<Array<Pick<SubscriptionDocument, 'liveKey'>>>();
    const foreign = new Set(othersLive.map((subscription) => subscription.liveKey));
    const ownOwnerKeys = ownerKeys.filter((key) => !foreign.has(key));
    const ownOwners = theirs.map((subscription) => subscription.owner).filter((owner) => ownOwnerKeys.includes(liveKeyOf(owner)));
    const ownerFilter = ownOwners.map((owner) => ({ 'owner.ownerType': owner.ownerType, 'owner.ownerId': owner.ownerId }));
    return {
      userId,
      subscriptions: theirs,
      customers: ownOwnerKeys.length > 0 ? await stripeCustomers.find({ _id: { $in: ownOwnerKeys } }).lean<StripeCustomerDocument[]>() : [],
      paymentMethods: ownerFilter.length > 0 ? await paymentMethods.find({ $or: ownerFilter }).sort({ attachedAt: 1 }).lean<PaymentMethodDocument[]>() : [],
      invoices:
        theirs.length > 0
          ? await invoices.find({ subscriptionId: { $in: theirs.map((subscription) => subscription._id) } }).sort({ issuedAt: 1 }).lean<InvoiceDocument[]>()
          : [],
      personalAccount: await creditAccounts.findById(`USER:${userId}`).lean<CreditAccountDocument>(),
      ledger: await creditLedger
        .find({ $or: [{ ownerType: 'USER', ownerId: userId }, { 'actor.userId': userId }] })
        .sort({ occurredAt: 1, position: 1 })
        .lean<CreditLedgerEntryDocument[]>(),
      budgetAccounts: await creditAccounts
        .find({ budgets: { $elemMatch: { subjectType: 'MEMBER', subjectId: userId } } }, { ownerType: 1, ownerId: 1, budgets: 1 })
        .lean<CreditAccountDocument[]>(),
    };
  }

  private async snapshotOf(person: PersonRecords): Promise<BillingSnapshot> {
    const customers: BillingSnapshot['customers'] = [];
    for (const customer of person.customers) {
      customers.push({ owner: customer._id, stripe: await this.deps.stripe.customerProfile(customer.stripeCustomerId) });
    }
    return {
      customers,
      paymentMethods: person.paymentMethods.map((method) => ({
        owner: liveKeyOf(method.owner),
        kind: method.kind,
        brand: method.brand,
        last4: method.last4,
        isDefault: method.isDefault,
        attachedAt: method.attachedAt,
      })),
      subscriptions: person.subscriptions.map((subscription) => ({
        id: subscription._id,
        owner: liveKeyOf(subscription.owner),
        kind: subscription.kind,
        planId: subscription.planId,
        billingPeriod: subscription.billingPeriod,
        seats: subscription.seats,
        pricePerSeatCents: subscription.pricePerSeatCents,
        status: subscription.status,
        startedAt: subscription.anchor,
        currentPeriodStart: subscription.currentPeriod.start,
        currentPeriodEnd: subscription.currentPeriod.end,
        terminatedAt: subscription.termination?.at ?? null,
        terminationReason: subscription.termination?.reason ?? null,
        billing: subscription.billing
          ? {
              country: subscription.billing.country,
              vatNumber: subscription.billing.vatNumber ?? null,
              vatTreatment: subscription.billing.vatTreatment,
              email: subscription.billing.email ?? null,
            }
          : null,
        processingRestrictedAt: subscription.processingRestrictedAt ?? null,
      })),
      invoices: person.invoices.map((invoice) => ({
        number: invoice.number,
        purpose: invoice.purpose,
        status: invoice.status,
        currency: invoice.currency,
        subtotalCents: invoice.subtotalCents,
        vatCents: invoice.vatCents,
        totalCents: invoice.totalCents,
        amountPaidCents: invoice.amountPaidCents,
        amountRemainingCents: invoice.amountRemainingCents,
        vatTreatment: invoice.vatTreatment,
        vatRateBasisPoints: invoice.vatRateBasisPoints,
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        issuedAt: invoice.issuedAt,
        dueAt: invoice.dueAt,
        paidAt: invoice.paidAt,
        retainedUntil: invoice.retainedUntil,
      })),
      personalBalances: person.personalAccount ? { ...person.personalAccount.balances } : null,
      creditEntries: person.ledger.map((entry) => ({
        owner: `${entry.ownerType}:${entry.ownerId}`,
        kind: entry.kind,
        creditType: entry.creditType,
        amount: entry.amount,
        source: entry.source,
        reason: entry.reason,
        occurredAt: entry.occurredAt,
      })),
      budgets: person.budgetAccounts.flatMap((account) =>
        account.budgets
          .filter((budget) => budget.subjectType === 'MEMBER' && budget.subjectId === person.userId)
          .map((budget) => ({ workspaceId: account.ownerId, creditType: budget.creditType, monthlyLimit: budget.monthlyLimit, setAt: budget.setAt })),
      ),
    };
  }

  /**
   * Subscriptions (billing details) and invoices marked restricted: contract and legal obligations only.
   * The cause is recorded alongside, so that lifting one restriction request never lifts another cause.
   */
  private async restrict(person: PersonRecords, cause: string): Promise<{ subscriptions: number; invoices: number }> {
    await this.restrictRecords(this.deps.subscriptions, person.subscriptions.map((subscription) => subscription._id), cause);
    await this.restrictRecords(this.deps.invoices, person.invoices.map((invoice) => invoice._id), cause);
    return { subscriptions: person.subscriptions.length, invoices: person.invoices.length };
  }

  /**
   * Adds a cause, then the timestamp: a record is never restricted without its cause listed, so a
   * concurrent lift (which clears only a record whose list is exactly its own cause) cannot undo it.
   */
  private async restrictRecords(model: RestrictableModel, ids: string[], cause: string): Promise<void> {
    if (ids.length === 0) return;
    // Restricted before causes were recorded: its unknown cause is kept as a marker no lift removes.
    await model.updateMany(
      { _id: { $in: ids }, processingRestrictedAt: { $ne: null }, processingRestrictedBy: { $exists: false } },
      { $set: { processingRestrictedBy: [UNRECORDED_CAUSE] } },
    );
    await model.updateMany({ _id: { $in: ids } }, { $addToSet: { processingRestrictedBy: cause } });
    await model.updateMany({ _id: { $in: ids }, processingRestrictedAt: null }, { $set: { processingRestrictedAt: this.deps.clock.now() } });
  }

  /**
   * Lifts the restriction the RESTRICTION request `requestId` obtained (PRV-05, GDPR art. 18(3)):
   * exactly the records it restricted (its id is recorded on them), cleared only where it was the
   * only cause. An erasure's legal retention, another restriction request or a restriction whose
   * cause was never recorded keeps the record restricted. Idempotent; an unknown request changes nothing.
   */
  async liftRestriction(lifted: DataSubjectRestrictionLifted): Promise<{ lifted: number; stillRestricted: number }> {
    const { requestId } = lifted;
    if (!isLiftableCause(requestId)) {
      this.deps.logger.warn({ requestId }, 'restriction lift ignored: not a restriction request id');
      return { lifted: 0, stillRestricted: 0 };
    }
    let liftedCount = 0;
    let stillRestricted = 0;
    const models: RestrictableModel[] = [this.deps.subscriptions, this.deps.invoices];
    for (const model of models) {
      // Single-document atomic updates (no transactions): first where it is the only cause, both
      // flag and list cleared at once; then its id pulled where other causes keep the record restricted.
      const cleared = await model.updateMany({ processingRestrictedBy: [requestId] }, { $set: { processingRestrictedAt: null }, $unset: { processingRestrictedBy: 1 } });
      const pulled = await model.updateMany({ processingRestrictedBy: requestId }, { $pull: { processingRestrictedBy: requestId } });
      liftedCount += cleared.modifiedCount;
      stillRestricted += pulled.modifiedCount;
    }
    if (liftedCount + stillRestricted === 0) {
      this.deps.logger.info({ requestId }, 'restriction lift: no billing record restricted by this request (unknown, or already lifted)');
    } else {
      this.deps.logger.info({ requestId, lifted: liftedCount, stillRestricted }, 'restriction lifted');
    }
    return { lifted: liftedCount, stillRestricted };
  }

  /**
   * Erases what no legal obligation keeps: payment methods (detached at Stripe, summaries
   * deleted), contact details of ended subscriptions, personal credits and budgets once the
   * account is gone. Invoices and the accounting data on them stay, restricted (PRV-05, BIL-17).
   */
  private async erase(requestId: string, person: PersonRecords): Promise<BillingAnswer> {
    const { stripe, paymentMethods, subscriptions, creditAccounts, creditLedger } = this.deps;
    for (const method of person.paymentMethods) await stripe.detachPaymentMethod(method._id);
    const removedMethods =
      person.paymentMethods.length > 0 ? (await paymentMethods.deleteMany({ _id: { $in: person.paymentMethods.map((method) => method._id) } })).deletedCount : 0;

    // Billing e-mails: those of ended subscriptions go; a running one still needs its own.
    const liveOwnerKeys = new Set(person.subscriptions.filter((subscription) => isLiveSubscription(subscription.status)).map((subscription) => liveKeyOf(subscription.owner)));
    const endedWithEmail = person.subscriptions.filter((subscription) => !isLiveSubscription(subscription.status) && subscription.billing?.email);
    if (endedWithEmail.length > 0) {
      await subscriptions.updateMany({ _id: { $in: endedWithEmail.map((subscription) => subscription._id) } }, { $unset: { 'billing.email': 1 } });
    }
    const liveWithEmail = person.subscriptions.filter((subscription) => isLiveSubscription(subscription.status) && subscription.billing?.email).length;
    let customersErased = 0;
    for (const customer of person.customers) {
      if (liveOwnerKeys.has(customer._id)) continue;
      await stripe.eraseCustomerContact(customer.stripeCustomerId);
      customersErased += 1;
    }

    // Personal credits and the budgets set on them: once their account is gone.
    const accountGone = mayErasePersonalCredits(person.personalAccount);
    let creditRecordsErased = 0;
    let budgetsErased = 0;
    let ledgerEntriesAnonymised = 0;
    if (accountGone && person.personalAccount) {
      const lines = await creditLedger.deleteMany({ ownerType: 'USER', ownerId: person.userId });
      const account = await creditAccounts.deleteOne({ _id: person.personalAccount._id, closed: { $ne: null } });
      creditRecordsErased = lines.deletedCount + account.deletedCount;
    }
    if (accountGone) {
      for (const account of person.budgetAccounts) {
        const concerned = account.budgets.filter((budget) => budget.subjectType === 'MEMBER' && budget.subjectId === person.userId).length;
        const pulled = await creditAccounts.updateOne({ _id: account._id }, { $pull: { budgets: { subjectType: 'MEMBER', subjectId: person.userId } } });
        if (pulled.modifiedCount > 0) budgetsErased += concerned;
      }
      const anonymised = await creditLedger.updateMany({ 'actor.userId': person.userId }, { $set: { 'actor.userId': ERASED_USER_ID } });
      ledgerEntriesAnonymised = anonymised.modifiedCount;
    }

    // Kept for the legal retention: a cause no lifted restriction request removes.
    const restricted = await this.restrict(person, restrictionCauseOf('ERASURE', requestId));
    return erasureAnswer(requestId, {
      paymentMethodsErased: removedMethods,
      contactsErased: endedWithEmail.length + customersErased,
      contactsKeptForLiveSubscriptions: liveWithEmail,
      creditRecordsErased,
      creditsKept: !accountGone && (person.personalAccount !== null || person.budgetAccounts.length > 0 || person.ledger.length > 0),
      budgetsErased,
      ledgerEntriesAnonymised,
      subscriptionsRestricted: restricted.subscriptions,
      invoicesRestricted: restricted.invoices,
      accountingKeptUntil: accountingKeptUntil(person.invoices),
    });
  }

  /** Names corrected on the Stripe customers future invoices are issued to; issued invoices stay as they are. */
  private async rectify(requestId: string, person: PersonRecords, details: DataSubjectRequestDetails | null): Promise<BillingAnswer> {
    const names = nameCorrections(details);
    if (!hasNameCorrections(names)) return rectificationAnswer(requestId, 0);
    for (const customer of person.customers) await this.deps.stripe.rectifyCustomer(customer.stripeCustomerId, names);
    return rectificationAnswer(requestId, person.customers.length);
  }
}
