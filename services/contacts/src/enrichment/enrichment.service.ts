import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ErrorCode,
  identifierHash,
  notFound,
  parseInput,
  requireAuthenticated,
  requireScope,
  type Caller,
  type Clock,
  type IdentifierHashKey,
  type Logger,
} from '@leadgraph/platform';
import type { ContactDocument, ContactIdentifierModel, ContactModel } from '../contacts/contact.model';
import type { RevealField } from '../reveals/reveal.model';
import { revealPlan, revealScope, type RevealedDetails } from '../reveals/reveal.rules';
import type { RevealService } from '../reveals/reveal.service';
import type { OptOutListener, SuppressionService } from '../suppression/suppression.service';
import type { EnrichmentItemDocument, EnrichmentItemModel, EnrichmentItemResult, EnrichmentJobDocument, EnrichmentJobModel, EnrichmentStatus } from './enrichment.model';
import { creditsOfItem, enrichmentInputSchema, erasedResult, itemId, parseIdentifier, reservationKey } from './enrichment.rules';

const LEASE_MS = 60_000;
const INSERT_CHUNK = 1_000;
/** Guarded updates of one item retried this often when its runner moved it meanwhile. */
const ERASE_ATTEMPTS = 5;

export interface EnrichmentProgress {
  job: EnrichmentJobDocument;
  processed: number;
  creditsSpent: number;
  counts: Record<EnrichmentStatus, number>;
}

export interface EnrichmentItemView {
  item: EnrichmentItemDocument;
  details: RevealedDetails | null;
}

export interface EnrichmentItemPage {
  items: EnrichmentItemView[];
  hasNextPage: boolean;
}

/** What the runner does when a reveal fails for a reason that is not the item's (billing unreachable, a held claim). */
class RetryLater extends Error {
  constructor(readonly reason: unknown) {
    super('reveal failed; retry later');
  }
}

/**
 * Bulk enrichment (issue 4b): identifiers are looked up, suppressed people skipped (CON-08), and the
 * wanted fields revealed through the reveal service with its per (workspace, contact, field) keys, so
 * a re-run after a crash gets billing's first receipt and never a second charge (CON-03). Each item
 * moves by guarded single-document updates; the job's credit maximum is reserved per item on the job.
 */
export class EnrichmentService implements OptOutListener {
  private readonly running = new Map<string, Promise<number>>();
  private stopping = false;

  constructor(
    private readonly jobs: EnrichmentJobModel,
    private readonly items: EnrichmentItemModel,
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly suppression: Pick<SuppressionService, 'suppressedAmong'>,
    private readonly reveals: Pick<RevealService, 'revealFields' | 'revealOf' | 'revealedForIds'>,
    private readonly hashKey: IdentifierHashKey,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { runOnSubmit: boolean } = { runOnSubmit: true },
  ) {}

  async submit(caller: Caller, input: unknown): Promise<EnrichmentJobDocument> {
    const actor = requireScope(caller, 'contacts:reveal');
    const request = parseInput(enrichmentInputSchema, input, 'input');
    const scope = revealScope(actor);
    const jobId = randomUUID();
    const now = this.clock.now();
    const rows: EnrichmentItemDocument[] = request.identifiers.map((raw, index) => {
      const parsed = parseIdentifier(raw);
      const invalid = parsed.kind === null;
      return {
        _id: itemId(jobId, index),
        jobId,
        index,
        identifier: raw.slice(0, 500),
        kind: parsed.kind,
        value: parsed.value,
        identifierHash: parsed.kind === null ? undefined : identifierHash(parsed.kind, parsed.value, this.hashKey),
        erasedAt: null,
        state: invalid ? 'DONE' : 'PENDING',
        claimId: null,
        leaseUntil: null,
        planned: null,
        result: invalid ? this.outcome('INVALID_IDENTIFIER', 'is not a profile URL or an e-mail address') : null,
      };
    });
    // Items first, the job last: a job that exists always has all its items.
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) await this.items.insertMany(rows.slice(start, start + INSERT_CHUNK), { ordered: false });
    const job: EnrichmentJobDocument = {
      _id: jobId,
      scope: scope.scope,
      workspaceId: scope.workspaceId,
      userId: actor.userId,
      actor,
      fields: request.fields,
      maxCredits: request.maxCredits,
      total: rows.length,
      state: 'RUNNING',
      reservations: {},
      creditsReserved: 0,
      budgetExhausted: false,
      createdAt: now,
      completedAt: null,
    };
    await this.jobs.create(job);
    this.logger.info({ jobId, items: rows.length, fields: request.fields }, 'enrichment job submitted');
    if (this.options.runOnSubmit) void this.runInBackground(jobId);
    return job;
  }

  /** Start-up and periodic job: every unfinished job continues from its items' stored state. */
  async resumeUnfinishedJobs(): Promise<number> {
    const unfinished = await this.jobs.find({ state: 'RUNNING' }, { _id: 1 }).sort({ createdAt: 1 }).lean<Array<{ _id: string }>>();
    let processed = 0;
    for (const job of unfinished) {
      if (this.stopping) break;
      processed += await this.runInBackground(job._id);
    }
    return processed;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  private runInBackground(jobId: string): Promise<number> {
    const current = this.running.get(jobId);
    if (current) return current;
    const run = this.run(jobId)
      .catch((error: unknown) => {
        this.logger.error({ err: error, jobId }, 'enrichment run failed; it resumes later');
        return 0;
      })
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, run);
    return run;
  }

  /**
   * Processes the job's items one claim at a time (several runners may work on one job: each item
   * is claimed by one of them). `limit` stops after that many items (as a crash would).
   */
  async run(jobId: string, options: { limit?: number } = {}): Promise<number> {
    let processed = 0;
    while (!this.stopping && (options.limit === undefined || processed < options.limit)) {
      const job = await this.jobs.findById(jobId, { reservations: 0 }).lean<EnrichmentJobDocument>();
      if (!job || job.state !== 'RUNNING') return processed;
      const claimId = randomUUID();
      const now = this.clock.now();
      const item = await this.items
        .findOneAndUpdate(
          { jobId, $or: [{ state: 'PENDING' }, { state: 'RUNNING', leaseUntil: { $lt: now } }] },
          { $set: { state: 'RUNNING', claimId, leaseUntil: new Date(now.getTime() + LEASE_MS) } },
          { sort: { index: 1 }, new: true },
        )
        .lean<EnrichmentItemDocument>();
      if (!item) break;
      try {
        await this.process(job, item, claimId);
      } catch (error) {
        await this.items.updateOne({ _id: item._id, claimId, state: 'RUNNING' }, { $set: { state: 'PENDING', claimId: null, leaseUntil: null } });
        if (error instanceof RetryLater) {
          this.logger.warn({ jobId, index: item.index, err: error.reason }, 'enrichment item postponed');
          return processed;
        }
        throw error;
      }
      processed += 1;
    }
    await this.completeIfDone(jobId);
    return processed;
  }

  private async process(job: EnrichmentJobDocument, item: EnrichmentItemDocument, claimId: string): Promise<void> {
    // Erased while running under a lease that expired: it concerned a suppressed person.
    if (item.erasedAt) return this.finish(job, item, claimId, this.outcome('SUPPRESSED'), { erase: true });
    if (!item.kind || !item.value) return this.finish(job, item, claimId, this.outcome('INVALID_IDENTIFIER', 'is not a profile URL or an e-mail address'));
    const hash = identifierHash(item.kind, item.value, this.hashKey);
    // CON-08: an opted-out person is never revealed.
    // The customer's input about them is not kept either.
    if ((await this.suppression.suppressedAmong([hash])).size > 0) return this.finish(job, item, claimId, this.outcome('SUPPRESSED'), { erase: true });
    const claim = await this.identifiers.findById(hash, { contactId: 1 }).lean<{ contactId: string }>();
    // PRV-02: a restricted profile is not enriched, as if it did not exist.
    const contact = claim
      ? await this.contacts.findOne({ _id: claim.contactId, restrictedAt: null }, { professionalEmails: 1, directEmails: 1, phones: 1 }).lean<Pick<ContactDocument, '_id' | 'professionalEmails' | 'directEmails' | 'phones'>>()
      : null;
    if (!contact) return this.finish(job, item, claimId, this.outcome('NOT_FOUND'));

    const plan = revealPlan(contact, await this.reveals.revealOf(job.scope, contact._id), job.fields);
    // A planned item was tried before (and may have been charged then, by the same keys).
    const resumed = item.planned !== null;
    let planned = item.planned;
    if (!planned) {
      planned = plan.toCharge;
      await this.items.updateOne({ _id: item._id, claimId, planned: null }, { $set: { planned } });
    }
    const reserved = planned.length > 0 ? await this.reserve(job, item.index, planned.length) : 0;
    if (reserved === null) {
      return this.finish(job, item, claimId, { ...this.outcome('INSUFFICIENT_CREDITS', 'MAX_CREDITS_REACHED'), contactId: contact._id });
    }
    // Only what was planned (and paid for by the reservation) or is already revealed: never more.
    const fields = job.fields.filter((field) => planned.includes(field) || plan.alreadyRevealed.includes(field));
    let revealedNow: RevealField[] = [];
    let charged = 0;
    if (fields.length > 0) {
      try {
        const result = await this.reveals.revealFields(job.actor, revealScope(job.actor), contact._id, fields, 'enrichment');
        revealedNow = fields.filter((field) => !result.unavailable.includes(field));
        const paidNow = result.charges.filter((charge) => charge.charged > 0).map((charge) => charge.creditType);
        charged = result.creditsCharged + (resumed ? creditsOfItem(planned.filter((field) => !paidNow.includes(field)), revealedNow) : 0);
      } catch (error) {
        const refused = this.refusal(error);
        if (refused) {
          await this.settle(job._id, item.index, reserved, 0);
          return this.finish(job, item, claimId, { ...this.outcome('INSUFFICIENT_CREDITS', refused), contactId: contact._id });
        }
        if (error instanceof DomainError && error.code === ErrorCode.NOT_FOUND) {
          // Deleted or opted out meanwhile: nothing was charged.
          await this.settle(job._id, item.index, reserved, 0);
          const suppressed = (await this.suppression.suppressedAmong([hash])).size > 0;
          return this.finish(job, item, claimId, this.outcome(suppressed ? 'SUPPRESSED' : 'NOT_FOUND'), { erase: suppressed });
        }
        throw new RetryLater(error);
      }
    }
    await this.settle(job._id, item.index, reserved, charged);
    return this.finish(job, item, claimId, {
      status: 'FOUND',
      reason: null,
      contactId: contact._id,
      revealedFields: revealedNow,
      unavailable: job.fields.filter((field) => !revealedNow.includes(field)),
      creditsCharged: charged,
    });
  }

  /**
   * Reserves `cost` credits of the job's maximum for one item, once (a resumed item finds its
   * reservation). Null when the maximum would be exceeded: from then on the job charges nothing more.
   */
  private async reserve(job: EnrichmentJobDocument, index: number, cost: number): Promise<number | null> {
    const key = `reservations.${reservationKey(index)}`;
    const taken = await this.jobs.updateOne(
      { _id: job._id, [key]: { $exists: false }, budgetExhausted: false, creditsReserved: { $lte: job.maxCredits - cost } },
      { $set: { [key]: cost }, $inc: { creditsReserved: cost } },
    );
    if (taken.modifiedCount === 1) return cost;
    const latest = await this.jobs.findById(job._id, { [key]: 1 }).lean<Pick<EnrichmentJobDocument, 'reservations'>>();
    const existing = latest?.reservations?.[reservationKey(index)];
    if (existing !== undefined) return existing;
    await this.jobs.updateOne({ _id: job._id, budgetExhausted: false }, { $set: { budgetExhausted: true } });
    return null;
  }

  /** Gives back the part of an item's reservation it did not spend (guarded by the reserved amount: once). */
  private async settle(jobId: string, index: number, reserved: number, charged: number): Promise<void> {
    if (reserved === charged) return;
    const key = `reservations.${reservationKey(index)}`;
    await this.jobs.updateOne({ _id: jobId, [key]: reserved }, { $set: { [key]: charged }, $inc: { creditsReserved: charged - reserved } });
  }

  private refusal(error: unknown): string | null {
    if (!(error instanceof DomainError)) return null;
    if (error.code === ErrorCode.INSUFFICIENT_CREDITS) return error.message;
    if (error.code === ErrorCode.FORBIDDEN && error.details.reason === 'CREDIT_BUDGET_EXCEEDED') return 'CREDIT_BUDGET_EXCEEDED';
    return null;
  }

  private outcome(status: EnrichmentStatus, reason: string | null = null): EnrichmentItemResult {
    return { status, reason, contactId: null, revealedFields: [], unavailable: [], creditsCharged: 0 };
  }

  private async finish(job: EnrichmentJobDocument, item: EnrichmentItemDocument, claimId: string, result: EnrichmentItemResult, options: { erase?: boolean } = {}): Promise<void> {
    const erased = options.erase ? { identifier: '', value: null, erasedAt: this.clock.now() } : {};
    const written = await this.items
      .findOneAndUpdate({ _id: item._id, claimId, state: 'RUNNING' }, { $set: { state: 'DONE', result, claimId: null, leaseUntil: null, ...erased } }, { new: true, projection: { erasedAt: 1 } })
      .lean<Pick<EnrichmentItemDocument, '_id' | 'erasedAt'>>();
    if (!written) {
      this.logger.warn({ jobId: job._id, index: item.index }, 'enrichment item lease lost; its successor records the result');
      return;
    }
    // The person was erased while this item ran (the eraser left RUNNING items to us): no result about them.
    if (written.erasedAt && !options.erase) await this.items.updateOne({ _id: item._id, state: 'DONE' }, { $set: { result: erasedResult(result) } });
  }

  /**
   * PRV-05 / CON-08: items whose input or result concerns an erased or opted-out person lose the
   * input (the keyed hash stays) and the result's contact and revealed fields; status and credits
   * stay for the job's counts. A pending item is settled as SUPPRESSED (what it would become).
   */
  async contactsOptedOut(contactIds: string[], at: Date, identifierHashes: string[]): Promise<void> {
    await this.eraseItems(contactIds, identifierHashes, at);
  }

  /** Returns how many items were erased now. */
  async eraseItems(contactIds: string[], identifierHashes: string[], at: Date): Promise<number> {
    const about = this.aboutPerson(contactIds, identifierHashes);
    if (!about) return 0;
    const found = await this.items.find({ ...about, erasedAt: null }, { _id: 1, jobId: 1 }).lean<Array<Pick<EnrichmentItemDocument, '_id' | 'jobId'>>>();
    let erased = 0;
    for (const { _id } of found) if (await this.eraseItem(_id, at)) erased += 1;
    for (const jobId of new Set(found.map((item) => item.jobId))) await this.completeIfDone(jobId);
    if (erased > 0) this.logger.info({ items: erased }, 'enrichment items erased');
    return erased;
  }

  /** PRV-05 answer: items about the person that no longer hold their data (a retried request counts the same). */
  async erasedItemsOf(contactIds: string[], identifierHashes: string[]): Promise<number> {
    const about = this.aboutPerson(contactIds, identifierHashes);
    return about ? this.items.countDocuments({ ...about, erasedAt: { $ne: null } }) : 0;
  }

  private aboutPerson(contactIds: string[], identifierHashes: string[]): Record<string, unknown> | null {
    const clauses: Array<Record<string, unknown>> = [];
    if (identifierHashes.length > 0) clauses.push({ identifierHash: { $in: identifierHashes } });
    if (contactIds.length > 0) clauses.push({ 'result.contactId': { $in: contactIds } });
    return clauses.length === 0 ? null : clauses.length === 1 ? (clauses[0] ?? null) : { $or: clauses };
  }

  /**
   * One-off, at start-up: items stored before `identifierHash` existed get it, so an erasure finds
   * them by index from then on. Returns how many were indexed.
   */
  async indexLegacyItems(): Promise<number> {
    let indexed = 0;
    for (;;) {
      const batch = await this.items
        .find({ identifierHash: { $exists: false }, kind: { $ne: null }, value: { $ne: null } }, { kind: 1, value: 1 })
        .limit(INSERT_CHUNK)
        .lean<Array<Pick<EnrichmentItemDocument, '_id' | 'kind' | 'value'>>>();
      const updates = batch.flatMap((item) =>
        item.kind && item.value
          ? [{ updateOne: { filter: { _id: item._id, identifierHash: { $exists: false } }, update: { $set: { identifierHash: identifierHash(item.kind, item.value, this.hashKey) } } } }]
          : [],
      );
      if (updates.length === 0) break;
      const written = await this.items.bulkWrite(updates, { ordered: false });
      indexed += written.modifiedCount;
      // Nothing moved (written meanwhile by another instance): do not spin on the same batch.
      if (written.modifiedCount === 0) break;
    }
    if (indexed > 0) this.logger.info({ items: indexed }, 'enrichment items indexed by identifier hash');
    return indexed;
  }

  /** One guarded update by the state read; re-read when the runner moved the item meanwhile. */
  private async eraseItem(id: string, at: Date): Promise<boolean> {
    const cleared = { identifier: '', value: null, erasedAt: at };
    for (let attempt = 0; attempt < ERASE_ATTEMPTS; attempt += 1) {
      const item = await this.items.findById(id, { state: 1, result: 1, erasedAt: 1 }).lean<Pick<EnrichmentItemDocument, '_id' | 'state' | 'result' | 'erasedAt'>>();
      if (!item || item.erasedAt) return false;
      let update: Record<string, unknown>;
      if (item.state === 'PENDING') update = { ...cleared, state: 'DONE', claimId: null, leaseUntil: null, result: this.outcome('SUPPRESSED') };
      else if (item.state === 'DONE') update = { ...cleared, result: item.result ? erasedResult(item.result) : null };
      // A running item's runner scrubs the result it writes (see finish).
      else update = cleared;
      const written = await this.items.updateOne({ _id: id, state: item.state, erasedAt: null }, { $set: update });
      if (written.modifiedCount === 1) return true;
    }
    throw new Error(`enrichment item ${id} kept changing during an erasure; the erasure will be retried`);
  }

  private async completeIfDone(jobId: string): Promise<void> {
    const open = await this.items.countDocuments({ jobId, state: { $ne: 'DONE' } });
    if (open === 0) {
      const written = await this.jobs.updateOne({ _id: jobId, state: 'RUNNING' }, { $set: { state: 'COMPLETED', completedAt: this.clock.now() } });
      if (written.modifiedCount === 1) this.logger.info({ jobId }, 'enrichment job completed');
    }
  }

  /** A job of the caller's workspace (or their own, outside one); another scope's job does not exist for them. */
  async jobFor(caller: Caller, jobId: string): Promise<EnrichmentJobDocument | null> {
    const actor = requireAuthenticated(caller);
    const job = await this.jobs.findById(jobId, { reservations: 0 }).lean<EnrichmentJobDocument>();
    return job && job.scope === revealScope(actor).scope ? job : null;
  }

  async progress(caller: Caller, jobId: string): Promise<EnrichmentProgress | null> {
    const job = await this.jobFor(caller, jobId);
    if (!job) return null;
    const counts: Record<EnrichmentStatus, number> = { FOUND: 0, NOT_FOUND: 0, SUPPRESSED: 0, INSUFFICIENT_CREDITS: 0, INVALID_IDENTIFIER: 0 };
    let processed = 0;
    let creditsSpent = 0;
    const done = await this.items.find({ jobId, state: 'DONE' }, { result: 1 }).lean<Array<Pick<EnrichmentItemDocument, 'result'>>>();
    for (const item of done) {
      if (!item.result) continue;
      processed += 1;
      counts[item.result.status] += 1;
      creditsSpent += item.result.creditsCharged;
    }
    return { job, processed, creditsSpent, counts };
  }

  /** Item results in submission order, from `afterIndex`, with the clear values the workspace revealed. */
  async itemPage(caller: Caller, job: EnrichmentJobDocument, first: number, afterIndex: number | null): Promise<EnrichmentItemPage> {
    const actor = requireAuthenticated(caller);
    if (job.scope !== revealScope(actor).scope) throw notFound('No such enrichment job');
    const found = await this.items
      .find({ jobId: job._id, ...(afterIndex === null ? {} : { index: { $gt: afterIndex } }) })
      .sort({ index: 1 })
      .limit(first + 1)
      .lean<EnrichmentItemDocument[]>();
    const page = found.slice(0, first);
    const contactIds = page.flatMap((item) => (item.result?.status === 'FOUND' && item.result.contactId ? [item.result.contactId] : []));
    const details = contactIds.length > 0 ? await this.reveals.revealedForIds(caller, contactIds) : new Map<string, RevealedDetails>();
    return {
      items: page.map((item) => {
        const revealed = item.result?.contactId ? details.get(item.result.contactId) : undefined;
        return { item, details: revealed ? this.onlyRequested(revealed, job.fields) : null };
      }),
      hasNextPage: found.length > first,
    };
  }

  private onlyRequested(details: RevealedDetails, fields: readonly RevealField[]): RevealedDetails {
    return {
      fields: details.fields.filter((field) => fields.includes(field)),
      professionalEmails: fields.includes('PRO_EMAIL') ? details.professionalEmails : [],
      directEmails: fields.includes('DIRECT_EMAIL') ? details.directEmails : [],
      phones: fields.includes('PHONE') ? details.phones : [],
    };
  }
}

