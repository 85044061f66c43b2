import { dataSubjectRequestDetailsSchema, type DataSubjectRequestDetails, type EventData } from '@leadgraph/events';
import {
  openDataSubjectPayload,
  recordDataSubjectAnswer,
  sealDataSubjectPayload,
  type Clock,
  type DataSubjectAnswerModel,
  type IdentifierHashKey,
  type Logger,
} from '@leadgraph/platform';
import type { AddressBookService } from '../address-book/address-book.service';
import type { ContactDocument, ContactIdentifierDocument, ContactIdentifierModel, ContactModel } from '../contacts/contact.model';
import type { CrmWebhookService } from '../crm-webhooks/crm-webhook.service';
import type { EnrichmentService } from '../enrichment/enrichment.service';
import { contactSearchTokens, sortableName } from '../contacts/contact.rules';
import type { ExportService } from '../exports/export.service';
import type { RevealService } from '../reveals/reveal.service';
import type { SuppressionService } from '../suppression/suppression.service';
import { matchableHashes } from '../suppression/suppression.rules';
import type { DataSubjectCaseCounts, DataSubjectCaseDocument, DataSubjectCaseModel } from './data-subject-request.model';
import {
  accessAnswer,
  addRestriction,
  exportPart,
  liftRestriction,
  handling,
  noDataHeld,
  rectificationAnswer,
  rectificationPlan,
  removalAnswer,
  restrictionAnswer,
  type AnswerBody,
  type RectificationPlan,
  type RestrictionFields,
  type RestrictionState,
} from './data-subject-request.rules';

export type DataSubjectRequestOpened = EventData<'DataSubjectRequestOpened'>;
export type DataSubjectRestrictionLifted = EventData<'DataSubjectRestrictionLifted'>;

const GUARDED_WRITE_ATTEMPTS = 5;

/**
 * PRV-02 / PRV-05: the contact database's part of a verified data-subject request. The person is
 * found by the keyed hashes of their identifiers (CON-08's key), the right carried out on their
 * profile(s) and everything derived from them, and the request answered exactly once.
 */
export class DataSubjectRequestService {
  constructor(
    private readonly cases: DataSubjectCaseModel,
    private readonly answers: DataSubjectAnswerModel,
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly suppression: SuppressionService,
    private readonly reveals: RevealService,
    private readonly addressBook: AddressBookService,
    private readonly exports: ExportService,
    /** Copies kept for customers; cleaned through the suppression path, counted here. */
    private readonly copies: { crm: Pick<CrmWebhookService, 'erasedDeliveriesOf'>; enrichment: Pick<EnrichmentService, 'erasedItemsOf'> },
    private readonly keys: { hashKey: IdentifierHashKey; sealKey: string },
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nudgeRelay: () => void,
  ) {}

  /** Carries the request out and answers it; false when it had been answered already (a redelivery). */
  async handle(request: DataSubjectRequestOpened): Promise<boolean> {
    if (await this.answers.exists({ _id: request.requestId })) return false;
    const body = await this.carryOut(request);
    const recorded = await recordDataSubjectAnswer(this.answers, 'contacts', { requestId: request.requestId, right: request.right, ...body }, this.clock);
    if (recorded) this.nudgeRelay();
    this.logger.info({ requestId: request.requestId, right: request.right, outcome: body.outcome, answered: recorded }, 'data-subject request handled');
    return recorded;
  }

  private async carryOut(request: DataSubjectRequestOpened): Promise<AnswerBody> {
    switch (handling(request.right)) {
      case 'NOTHING_HELD':
        return noDataHeld();
      case 'EXPORT':
        return this.access(await this.match(request));
      case 'REMOVE':
        return this.remove(request, await this.match(request));
      case 'RESTRICT':
        return this.restrict(request, await this.match(request));
      case 'RECTIFY':
        return this.rectify(request, await this.match(request));
    }
  }

  /**
   * The profiles holding one of the request's identifiers, and the hashes of all their
   * identifiers, recorded before anything changes (a retry after a partial erasure still knows).
   */
  private async match(request: DataSubjectRequestOpened): Promise<DataSubjectCaseDocument> {
    const { usable, otherKeyVersions } = matchableHashes(request.identifiers, this.keys.hashKey);
    if (otherKeyVersions.length > 0) {
      this.logger.warn({ requestId: request.requestId, otherKeyVersions, ourKeyVersion: this.keys.hashKey.version }, 'request hashes made with another key version cannot be matched');
    }
    const claims = usable.length > 0 ? await this.identifiers.find({ _id: { $in: usable.map((identifier) => identifier.hash) } }).lean<ContactIdentifierDocument[]>() : [];
    const contactIds = [...new Set(claims.map((claim) => claim.contactId))];
    // Only a removal keeps the hashes: its answer says how many went on the suppression list.
    let hashes: string[] = [];
    if (handling(request.right) === 'REMOVE') {
      const personIdentifiers = contactIds.length > 0 ? await this.identifiers.find({ contactId: { $in: contactIds } }, { _id: 1 }).lean<Array<{ _id: string }>>() : [];
      hashes = [...new Set([...usable.map((identifier) => identifier.hash), ...personIdentifiers.map((identifier) => identifier._id)])];
    }
    const recorded = await this.cases
      .findOneAndUpdate(
        { _id: request.requestId },
        {
          $setOnInsert: { right: request.right, receivedAt: this.clock.now(), counts: { addressBookEntries: 0 } },
          $addToSet: { contactIds: { $each: contactIds }, identifierHashes: { $each: hashes } },
        },
        { upsert: true, new: true },
      )
      .lean<DataSubjectCaseDocument>();
    if (!recorded) throw new Error(`data-subject case ${request.requestId} not recorded`);
    return recorded;
  }

  private async access(matched: DataSubjectCaseDocument): Promise<AnswerBody> {
    const contacts = await this.contacts.find({ _id: { $in: matched.contactIds } }, { searchTokens: 0, sortName: 0 }).lean<ContactDocument[]>();
    if (contacts.length === 0) return noDataHeld();
    const ids = contacts.map((contact) => contact._id);
    const [reveals, entries, exports] = await Promise.all([this.reveals.recordsOfContacts(ids), this.addressBook.entriesOfContacts(ids), this.exports.exportsOfContacts(ids)]);
    const part = exportPart({ contacts, reveals, entries, exports });
    return accessAnswer(part, sealDataSubjectPayload(part, this.keys.sealKey));
  }

  /**
   * Erasure and objection (CON-08): the person goes on the suppression list even when nothing is
   * held, their profiles are deleted through the opt-out path (customers that revealed them are
   * told, the revealed details kept for retried reveals deleted, the person taken out of stored CRM
   * payloads and enrichment items), and for an erasure their address-book entries too.
   */
  private async remove(request: DataSubjectRequestOpened, matched: DataSubjectCaseDocument): Promise<AnswerBody> {
    const right = request.right === 'ERASURE' ? 'ERASURE' : 'OBJECTION';
    const origin = { type: right === 'ERASURE' ? ('ERASURE_REQUEST' as const) : ('OBJECTION_REQUEST' as const), id: request.requestId };
    const { contactIds: suppressedIds } = await this.suppression.suppress(origin, request.identifiers, new Date(request.openedAt));
    const contactIds = [...new Set([...matched.contactIds, ...suppressedIds])];
    const revealRecords = (await this.reveals.recordsOfContacts(contactIds)).length;
    const flaggedEntries = right === 'OBJECTION' ? (await this.addressBook.entriesOfContacts(contactIds)).length : 0;
    const counts = await this.keepCounts(request.requestId, {
      addressBookEntries: right === 'ERASURE' ? await this.addressBook.eraseContacts(contactIds) : flaggedEntries,
    });
    // The suppression path above cleaned them (as for any opt-out); the marks it left are counted, so a retry answers the same.
    const [crmDeliveries, enrichmentItems] = await Promise.all([
      this.copies.crm.erasedDeliveriesOf(contactIds),
      this.copies.enrichment.erasedItemsOf(contactIds, matched.identifierHashes),
    ]);
    return removalAnswer(right, {
      profiles: contactIds.length,
      identifiersSuppressed: matched.identifierHashes.length,
      addressBookEntries: counts.addressBookEntries,
      revealRecords,
      crmDeliveries,
      enrichmentItems,
    });
  }

  /**
   * PRV-02 restriction: kept, but search, lookup, reveal and export no longer see the profile. The
   * request is recorded among the profile's causes, so lifting another request never lifts this one.
   * `lastUpdatedAt` is left alone: restricting is not new data, and must not extend retention.
   */
  private async restrict(request: DataSubjectRequestOpened, matched: DataSubjectCaseDocument): Promise<AnswerBody> {
    if (matched.contactIds.length === 0) return noDataHeld();
    for (const contactId of matched.contactIds) {
      await this.changeRestriction(contactId, async (state) => addRestriction(state, request.requestId, await this.legacyCauses(state, contactId), this.clock.now()));
    }
    const held = await this.contacts.find({ _id: { $in: matched.contactIds } }, { lastUpdatedAt: 1 }).lean<Array<{ lastUpdatedAt: Date }>>();
    const latest = held.reduce<Date | null>((max, contact) => (max && max > contact.lastUpdatedAt ? max : contact.lastUpdatedAt), null);
    return restrictionAnswer(held.length, latest);
  }

  /**
   * GDPR art. 18(3) (PRV-02): privacy lifted the restriction obtained by RESTRICTION request
   * `requestId`. Only the profiles it restricted (its case record, or those holding one of the
   * identifiers when there is none) lose that cause; another active restriction keeps them
   * restricted, and a suppressed person (CON-08) is never shown again. Idempotent; returns how many
   * profiles became visible. Like the restriction, it leaves `lastUpdatedAt` (and so retention) alone.
   */
  async lift(lifted: DataSubjectRestrictionLifted): Promise<number> {
    const { requestId } = lifted;
    const record = await this.cases.findOne({ _id: requestId }).lean<DataSubjectCaseDocument>();
    if (record && record.right !== 'RESTRICTION') {
      this.logger.warn({ requestId, right: record.right }, 'restriction lift for a request that was not a restriction ignored');
      return 0;
    }
    const { usable } = matchableHashes(lifted.identifiers, this.keys.hashKey);
    let contactIds: string[];
    if (record) {
      contactIds = record.contactIds;
      // Marked first: a legacy profile's remaining causes are computed from the cases still in force.
      if (!record.liftedAt) await this.cases.updateOne({ _id: requestId, liftedAt: null }, { $set: { liftedAt: new Date(lifted.liftedAt) } });
    } else {
      const claims = usable.length > 0 ? await this.identifiers.find({ _id: { $in: usable.map((identifier) => identifier.hash) } }).lean<ContactIdentifierDocument[]>() : [];
      contactIds = [...new Set(claims.map((claim) => claim.contactId))];
    }
    if (contactIds.length === 0) {
      this.logger.info({ requestId, caseRecord: Boolean(record) }, 'restriction lift: nobody held for this request');
      return 0;
    }
    const requestSuppressed = (await this.suppression.suppressedAmong(usable.map((identifier) => identifier.hash))).size > 0;
    let visible = 0;
    for (const contactId of contactIds) {
      const outcome = await this.changeRestriction(contactId, async (state) => {
        const next = liftRestriction(state, requestId, { listedInCase: record?.contactIds.includes(contactId) ?? false, activeCasesListingIt: await this.legacyCauses(state, contactId) });
        // CON-08: an opted-out person stays restricted until the suppression in flight deletes them.
        if (next && next.restrictedAt === null && (requestSuppressed || (await this.isSuppressed(contactId)))) return null;
        return next;
      });
      if (outcome && outcome.restrictedAt === null) visible += 1;
    }
    this.logger.info({ requestId, profiles: contactIds.length, visible, caseRecord: Boolean(record) }, 'restriction lifted');
    return visible;
  }

  /**
   * One profile's restriction fields rewritten from what they are now, guarded by the revision like
   * every other write (a concurrent refresh or restriction is read again); null when nothing changed.
   */
  private async changeRestriction(contactId: string, next: (state: RestrictionState) => Promise<RestrictionFields | null>): Promise<RestrictionFields | null> {
    for (let attempt = 0; attempt < GUARDED_WRITE_ATTEMPTS; attempt += 1) {
      const contact = await this.contacts
        .findById(contactId, { restrictedAt: 1, restrictionRequestId: 1, restrictedBy: 1, revision: 1 })
        .lean<RestrictionState & { revision: number }>();
      if (!contact) return null;
      const fields = await next(contact);
      if (!fields) return null;
      // The revision bump makes a concurrent refresh replay on the new restriction state.
      const written = await this.contacts.updateOne({ _id: contactId, revision: contact.revision }, { $set: fields, $inc: { revision: 1 } });
      if (written.modifiedCount === 1) return fields;
    }
    throw new Error(`contact ${contactId} kept changing while its restriction changed; the event will be retried`);
  }

  /** For a profile restricted before causes were recorded only: the RESTRICTION cases in force that matched it. */
  private async legacyCauses(state: RestrictionState, contactId: string): Promise<string[]> {
    if (!state.restrictedAt || (state.restrictedBy && state.restrictedBy.length > 0)) return [];
    const cases = await this.cases.find({ right: 'RESTRICTION', contactIds: contactId, liftedAt: null }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return cases.map((found) => found._id);
  }

  private async isSuppressed(contactId: string): Promise<boolean> {
    const claims = await this.identifiers.find({ contactId }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return (await this.suppression.suppressedAmong(claims.map((claim) => claim._id))).size > 0;
  }

  /** PRV-02 rectification: corrected fields, new search tokens, a new last-updated date. */
  private async rectify(request: DataSubjectRequestOpened, matched: DataSubjectCaseDocument): Promise<AnswerBody> {
    const details: DataSubjectRequestDetails = request.sealedDetails
      ? dataSubjectRequestDetailsSchema.parse(openDataSubjectPayload(request.sealedDetails, this.keys.sealKey))
      : { corrections: [], directive: null };
    const plans: RectificationPlan[] = [];
    let held = 0;
    for (const contactId of matched.contactIds) {
      const plan = await this.rectifyOne(contactId, details.corrections, request.requestId);
      if (!plan) continue;
      held += 1;
      plans.push(plan);
    }
    return rectificationAnswer(held, plans);
  }

  private async rectifyOne(contactId: string, corrections: DataSubjectRequestDetails['corrections'], requestId: string): Promise<RectificationPlan | null> {
    for (let attempt = 0; attempt < GUARDED_WRITE_ATTEMPTS; attempt += 1) {
      const contact = await this.contacts.findById(contactId, { searchTokens: 0 }).lean<ContactDocument>();
      if (!contact) return null;
      const now = this.clock.now();
      const plan = rectificationPlan(contact, corrections, { requestId, now });
      if (plan.applied.length === 0) return plan;
      const fields = { ...contact, ...plan.set };
      // Guarded by the revision: a refresh written meanwhile is read again and corrected on top.
      const written = await this.contacts.updateOne(
        { _id: contactId, revision: contact.revision },
        {
          $set: { ...plan.set, rectifications: plan.rectifications, searchTokens: contactSearchTokens(fields), sortName: sortableName(fields.name.value), lastUpdatedAt: now },
          $inc: { revision: 1 },
        },
      );
      if (written.modifiedCount === 1) return plan;
    }
    throw new Error(`contact ${contactId} kept changing during its rectification; the request will be retried`);
  }

  /** Counts are kept at their highest: a retry, finding less to delete, still answers with what was done. */
  private async keepCounts(requestId: string, counts: DataSubjectCaseCounts): Promise<DataSubjectCaseCounts> {
    const updated = await this.cases
      .findOneAndUpdate({ _id: requestId }, { $max: { 'counts.addressBookEntries': counts.addressBookEntries } }, { new: true })
      .lean<DataSubjectCaseDocument>();
    return updated?.counts ?? counts;
  }
}
