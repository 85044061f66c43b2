import { randomUUID } from 'node:crypto';
import { createEvent, type RpcResponse } from '@leadgraph/events';
import {
  DomainError,
  ErrorCode,
  RpcUnavailableError,
  conflict,
  notFound,
  parseInput,
  pushToOutbox,
  requireScope,
  type AuthenticatedCaller,
  type Caller,
  type Clock,
  type Logger,
} from '@leadgraph/platform';
import type { CreditSpending } from '../billing-credits/billing-credits.service';
import type { ContactDocument, ContactModel } from '../contacts/contact.model';
import type { DoNotCallLookup } from '../contacts/contact.service';
import type { OptOutListener } from '../suppression/suppression.service';
import type { RevealDocument, RevealField, RevealModel, RevealRequestModel } from './reveal.model';
import {
  claimableFilter,
  quoteRefusal,
  revealId,
  revealInputSchema,
  revealPlan,
  revealScope,
  revealedDetails,
  revealedFieldsOf,
  spendKey,
  type RevealScope,
  type RevealedDetails,
} from './reveal.rules';

export interface CreditCharge {
  creditType: RevealField;
  charged: number;
  /** The owner's balance of this type after the reveal, when billing said it. */
  remaining: number | null;
}

export interface RevealResult {
  contactId: string;
  details: RevealedDetails;
  charges: CreditCharge[];
  creditsCharged: number;
  alreadyRevealed: RevealField[];
  unavailable: RevealField[];
}

/** Limits a reveal is subject to (CON-10). */
export interface RevealGuard {
  beforeReveal(caller: AuthenticatedCaller, contacts: number): Promise<void>;
}

const LEASE_MS = 30_000;
const WAIT_STEP_MS = 25;
const WAIT_LIMIT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CON-03/04: revealing a field type spends one credit of that type through billing, once per
 * workspace; concurrent and retried reveals never charge twice; without credits nothing is
 * revealed and the error names the type.
 */
export class RevealService implements OptOutListener {
  constructor(
    private readonly reveals: RevealModel,
    private readonly requests: RevealRequestModel,
    private readonly contacts: ContactModel,
    private readonly credits: CreditSpending,
    private readonly guard: RevealGuard,
    private readonly doNotCall: DoNotCallLookup,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nudgeRelay: () => void,
  ) {}

  async reveal(caller: Caller, input: unknown, origin = 'app'): Promise<RevealResult> {
    const actor = requireScope(caller, 'contacts:reveal');
    const request = parseInput(revealInputSchema, input);
    const scope = revealScope(actor);
    const requestId = `${scope.scope}|${request.idempotencyKey}`;
    const previous = await this.requests.findById(requestId).lean();
    if (previous) {
      if (previous.contactId !== request.contactId || [...previous.fields].sort().join() !== [...request.fields].sort().join()) {
        throw conflict('idempotencyKey: already used for another reveal', 'idempotencyKey');
      }
      return previous.result as RevealResult;
    }
    await this.guard.beforeReveal(actor, 1);
    const result = await this.revealFields(actor, scope, request.contactId, request.fields, origin);
    await this.requests
      .updateOne({ _id: requestId }, { $setOnInsert: { contactId: request.contactId, fields: request.fields, result, at: this.clock.now() } }, { upsert: true })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'reveal request not remembered'));
    return result;
  }

  /**
   * The reveal itself, also used by bulk enrichment: claim the unrevealed fields, quote them all
   * (nothing is spent unless every type can be paid), spend each with its key, then mark them
   * revealed with the event in one update. Fields claimed by a concurrent request are waited for.
   */
  async revealFields(actor: AuthenticatedCaller, scope: RevealScope, contactId: string, fields: readonly RevealField[], origin: string): Promise<RevealResult> {
    // PRV-02: a restricted profile is not revealable, as if it did not exist.
    const contact = await this.contacts.findOne({ _id: contactId, restrictedAt: null }, { searchTokens: 0 }).lean<ContactDocument>();
    if (!contact) throw notFound('No such contact');
    const id = revealId(scope.scope, contactId);
    const now = this.clock.now();
    await this.reveals.updateOne(
      { _id: id },
      { $setOnInsert: { scope: scope.scope, workspaceId: scope.workspaceId, userId: scope.userId, contactId, fields: {}, optedOutAt: null, createdAt: now, outbox: [] } },
      { upsert: true },
    );
    const claimId = randomUUID();
    const deadline = Date.now() + WAIT_LIMIT_MS;
    let charged: Array<{ field: RevealField; receipt: RpcResponse<'spendCredits'> }> = [];
    let plan = revealPlan(contact, await this.current(id), fields);
    for (;;) {
      const claimed: Array<{ field: RevealField; attempt: number }> = [];
      for (const field of plan.toCharge) {
        const holder = await this.reveals
          .findOneAndUpdate(
            { _id: id, optedOutAt: null, ...claimableFilter(field, this.clock.now()) },
            { $set: { [`fields.${field}.state`]: 'PENDING', [`fields.${field}.claimId`]: claimId, [`fields.${field}.leaseUntil`]: new Date(this.clock.now().getTime() + LEASE_MS) } },
            { new: true },
          )
          .lean<RevealDocument>();
        if (holder) claimed.push({ field, attempt: holder.fields[field]?.attempt ?? 0 });
      }
      if (claimed.length > 0) {
        charged = await this.spendClaimed(actor, scope, contactId, claimed, claimId);
        break;
      }
      const latest = await this.current(id);
      if (!latest || latest.optedOutAt) throw notFound('No such contact');
      plan = revealPlan(contact, latest, fields);
      if (plan.toCharge.length === 0) break;
      // Another request holds the claim: its outcome decides ours.
      if (Date.now() > deadline) throw new DomainError(ErrorCode.CONFLICT, 'This contact is being revealed by another request; retry');
      await sleep(WAIT_STEP_MS);
    }
    const latest = await this.current(id);
    if (!latest || latest.optedOutAt) throw notFound('No such contact');
    const revealed = revealedFieldsOf(latest);
    const remainingOf = await this.remainingFor(actor, fields.filter((field) => !charged.some((charge) => charge.field === field)));
    const charges: CreditCharge[] = fields
      .filter((field) => revealed.includes(field))
      .map((field) => {
        const receipt = charged.find((charge) => charge.field === field)?.receipt;
        return { creditType: field, charged: receipt ? receipt.charged : 0, remaining: receipt ? receipt.remaining : (remainingOf.get(field) ?? null) };
      });
    this.logger.debug({ contactId, origin, charged: charged.length }, 'contact revealed');
    return {
      contactId,
      details: revealedDetails(contact, revealed, await this.doNotCall(contact.phones.map((phone) => phone.value))),
      charges,
      creditsCharged: charges.reduce((sum, charge) => sum + charge.charged, 0),
      alreadyRevealed: fields.filter((field) => revealed.includes(field) && !charged.some((charge) => charge.field === field)),
      unavailable: fields.filter((field) => !revealed.includes(field)),
    };
  }

  private async spendClaimed(
    actor: AuthenticatedCaller,
    scope: RevealScope,
    contactId: string,
    claimed: Array<{ field: RevealField; attempt: number }>,
    claimId: string,
  ): Promise<Array<{ field: RevealField; receipt: RpcResponse<'spendCredits'> }>> {
    const id = revealId(scope.scope, contactId);
    const creditCaller = { userId: actor.userId, workspaceId: actor.workspaceId, viaApiTokenId: actor.kind === 'apiToken' ? actor.tokenId : null };
    const spent: Array<{ field: RevealField; receipt: RpcResponse<'spendCredits'>; key: string }> = [];
    try {
      // CON-04: every type is quoted before anything is spent, so a missing type reveals nothing.
      for (const { field } of claimed) {
        const refusal = quoteRefusal(await this.credits.quote({ caller: creditCaller, creditType: field, amount: 1 }));
        if (refusal) throw refusal;
      }
      for (const { field, attempt } of claimed) {
        const key = spendKey(scope.scope, contactId, field, attempt);
        const receipt = await this.credits.spend({ idempotencyKey: key, caller: creditCaller, creditType: field, amount: 1, reason: 'CONTACT_REVEAL', reference: contactId });
        spent.push({ field, receipt, key });
      }
    } catch (error) {
      // A failed reveal never charges: what was spent goes back and those fields move to a new
      // key. A spend that timed out may still land: its field keeps its key, so the next try
      // gets billing's first receipt instead of a second charge.
      await this.refund(spent.map((entry) => entry.key));
      await this.release(id, claimed, claimId, new Set(spent.map((entry) => entry.field)));
      if (error instanceof RpcUnavailableError) this.logger.warn({ err: error, contactId }, 'credit spend outcome unknown; the field keeps its key');
      throw error;
    }
    const now = this.clock.now();
    const set: Record<string, unknown> = {};
    const guard: Record<string, unknown> = { _id: id, optedOutAt: null };
    for (const { field, attempt } of claimed) {
      guard[`fields.${field}.claimId`] = claimId;
      const receipt = spent.find((entry) => entry.field === field)?.receipt;
      set[`fields.${field}`] = { state: 'REVEALED', attempt, claimId: null, leaseUntil: null, revealedAt: now, revealedBy: actor.userId, charged: receipt?.charged ?? 0 };
    }
    const event = createEvent(
      'ContactRevealed',
      {
        contactId,
        workspaceId: scope.workspaceId,
        userId: actor.userId,
        viaApiTokenId: actor.kind === 'apiToken' ? actor.tokenId : null,
        fields: claimed.map((claim) => claim.field),
        creditsCharged: spent.reduce((sum, entry) => sum + entry.receipt.charged, 0),
        revealedAt: now.toISOString(),
      },
      { subject: contactId, time: now },
    );
    const written = await this.reveals.updateOne(guard, { $set: set, $push: pushToOutbox(event) });
    if (written.modifiedCount === 0) {
      const latest = await this.current(id);
      if (!latest || latest.optedOutAt) {
        await this.refund(spent.map((entry) => entry.key));
        throw notFound('No such contact');
      }
      // Our lease ran out and a successor completed with the same keys: billing charged once.
      return [];
    }
    this.nudgeRelay();
    return spent.map(({ field, receipt }) => ({ field, receipt }));
  }

  private async release(id: string, claimed: Array<{ field: RevealField }>, claimId: string, refunded: ReadonlySet<RevealField>): Promise<void> {
    for (const { field } of claimed) {
      const nextAttempt = refunded.has(field);
      await this.reveals.updateOne(
        { _id: id, [`fields.${field}.claimId`]: claimId, [`fields.${field}.state`]: 'PENDING' },
        {
          $unset: { [`fields.${field}.state`]: 1, [`fields.${field}.claimId`]: 1, [`fields.${field}.leaseUntil`]: 1 },
          ...(nextAttempt ? { $inc: { [`fields.${field}.attempt`]: 1 } } : {}),
        },
      );
    }
  }

  private async refund(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.credits.refund({ spendIdempotencyKey: key, reason: 'CONTACT_REVEAL_FAILED' }).catch((error: unknown) => {
        this.logger.error({ err: error, key }, 'refund of a failed reveal did not go through');
      });
    }
  }

  private async remainingFor(actor: AuthenticatedCaller, fields: RevealField[]): Promise<Map<RevealField, number>> {
    const remaining = new Map<RevealField, number>();
    const creditCaller = { userId: actor.userId, workspaceId: actor.workspaceId, viaApiTokenId: actor.kind === 'apiToken' ? actor.tokenId : null };
    await Promise.all(
      fields.map(async (field) => {
        const quote = await this.credits.quote({ caller: creditCaller, creditType: field, amount: 1 }).catch(() => null);
        if (quote) remaining.set(field, quote.available);
      }),
    );
    return remaining;
  }

  private current(id: string): Promise<RevealDocument | null> {
    return this.reveals.findById(id, { outbox: 0 }).lean<RevealDocument>();
  }

  /** The caller's revealed details of these contacts (for `Contact.revealed`), by contact id. */
  async revealedFor(caller: Caller, contacts: Array<Pick<ContactDocument, '_id' | 'professionalEmails' | 'directEmails' | 'phones'>>): Promise<Map<string, RevealedDetails>> {
    const details = new Map<string, RevealedDetails>();
    if (caller.kind === 'anonymous' || contacts.length === 0) return details;
    const scope = revealScope(caller);
    const docs = await this.reveals.find({ _id: { $in: contacts.map((contact) => revealId(scope.scope, contact._id)) } }, { outbox: 0 }).lean<RevealDocument[]>();
    const byContact = new Map(docs.map((doc) => [doc.contactId, doc]));
    const listed = await this.doNotCall(contacts.flatMap((contact) => contact.phones.map((phone) => phone.value)));
    for (const contact of contacts) details.set(contact._id, revealedDetails(contact, revealedFieldsOf(byContact.get(contact._id) ?? null), listed));
    return details;
  }

  async revealedForIds(caller: Caller, contactIds: string[]): Promise<Map<string, RevealedDetails>> {
    const contacts = await this.contacts.find({ _id: { $in: contactIds }, restrictedAt: null }, { professionalEmails: 1, directEmails: 1, phones: 1 }).lean<ContactDocument[]>();
    return this.revealedFor(caller, contacts);
  }

  /** Reveal documents of a scope for one contact (address book, export). */
  async revealOf(scope: string, contactId: string): Promise<RevealDocument | null> {
    return this.current(revealId(scope, contactId));
  }

  /** PRV-02 access: every reveal record of these contacts (who received which details, and when). */
  async recordsOfContacts(contactIds: string[]): Promise<RevealDocument[]> {
    if (contactIds.length === 0) return [];
    return this.reveals.find({ contactId: { $in: contactIds } }, { outbox: 0 }).lean<RevealDocument[]>();
  }

  /**
   * PRV-02 erasure / objection: the answers remembered for retried reveal requests hold the
   * revealed details in clear, so they go. The reveal records stay (workspace, field types, dates,
   * credits charged: what billing and audit need, no personal data of the person).
   */
  async eraseRevealedDetails(contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    return (await this.requests.deleteMany({ contactId: { $in: contactIds } })).deletedCount;
  }

  /**
   * CON-08: the workspaces that had revealed the person keep a flag, and hear of it. The answers
   * remembered for retried reveal requests hold the revealed details in clear: they go, so a
   * retry after the opt-out gets "no such contact" instead of the person's details.
   */
  async contactsOptedOut(contactIds: string[], at: Date): Promise<void> {
    if (contactIds.length === 0) return;
    await this.eraseRevealedDetails(contactIds);
    const docs = await this.reveals.find({ contactId: { $in: contactIds }, optedOutAt: null }, { _id: 1, contactId: 1, workspaceId: 1, userId: 1 }).lean<RevealDocument[]>();
    for (const doc of docs) {
      const event = createEvent(
        'RevealedContactOptedOut',
        { contactId: doc.contactId, workspaceId: doc.workspaceId, userId: doc.userId, optedOutAt: at.toISOString() },
        { subject: doc.contactId, time: at },
      );
      await this.reveals.updateOne({ _id: doc._id, optedOutAt: null }, { $set: { optedOutAt: at }, $push: pushToOutbox(event) });
    }
    if (docs.length > 0) this.nudgeRelay();
  }

  /** Workspace or personal scope deleted (WorkspaceDeleted, AccountDeleted, SubscriptionTerminated). */
  async purgeScope(scope: string): Promise<void> {
    // Pending events still go out first: deleting a document with an outbox would lose them.
    await this.reveals.deleteMany({ scope, 'outbox.0': { $exists: false } });
    await this.requests.deleteMany({ _id: { $regex: `^${scope.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\|` } });
  }
}
