import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation } from 'mongoose';
import { badInput, type Clock } from '@leadgraph/platform';
import type { ConsentProjection, ConsentSubject } from '../consent/consent.service';
import { dayBucket } from '../usage/usage.rules';
import { pageCountId, type PageCountDocument, type PageCountModel, type RawEventDocument, type RawEventModel } from './collection.model';
import {
  looksLikeContactDetail,
  truncateIp,
  userAgentFamily,
  validateEvent,
  visitorIdSchema,
  type CollectionLimits,
  type RejectionReason,
  type ValidEvent,
} from './collection.rules';

export type StoredAs = 'IDENTIFIED' | 'ANONYMOUS_COUNT';

export interface EventResult {
  index: number;
  accepted: boolean;
  stored: StoredAs | null;
  reason: RejectionReason | null;
  detail: string | null;
}

export interface CollectBatch {
  /** The consent subject: a visitor id (HTTP / anonymous caller) or the signed-in user; null for none. */
  subject: ConsentSubject | null;
  events: unknown;
  globalPrivacyControl: boolean;
  clientIp: string | null;
  userAgent: string | null;
}

export interface CollectSummary {
  results: EventResult[];
  accepted: number;
  rejected: number;
  identified: boolean;
}

/** Parses the visitor id of a batch (BAD_USER_INPUT naming the field); null or absent means none. */
export function parseVisitorId(visitorId: unknown, field = 'visitorId'): string | null {
  if (visitorId === undefined || visitorId === null) return null;
  const parsed = visitorIdSchema.safeParse(visitorId);
  if (!parsed.success) throw badInput(field, `${field}: ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  // ANA-03: an id that is really a phone number or an e-mail would store a contact detail.
  if (looksLikeContactDetail(parsed.data)) throw badInput(field, `${field}: must be an opaque id, not a contact detail`);
  return parsed.data;
}

/**
 * The collection pipeline shared by `POST /collect` and `trackEvents` (ANA-01, ANA-03): validate
 * each event, check consent once per batch, store identified events only with consent, and count
 * every accepted event in the anonymous per-page daily aggregate.
 */
export class CollectionService {
  constructor(
    private readonly rawEvents: RawEventModel,
    private readonly pageCounts: PageCountModel,
    private readonly consent: ConsentProjection,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly limits: CollectionLimits,
  ) {}

  async collect(batch: CollectBatch): Promise<CollectSummary> {
    if (!Array.isArray(batch.events)) throw badInput('events', 'events: must be a list of events');
    const now = this.clock.now();
    const results: EventResult[] = [];
    const valid: Array<{ index: number; event: ValidEvent }> = [];
    batch.events.forEach((raw: unknown, index) => {
      if (index >= this.limits.maxEventsPerBatch) {
        results.push({ index, accepted: false, stored: null, reason: 'BATCH_TOO_LARGE', detail: `at most ${this.limits.maxEventsPerBatch} events per batch` });
        return;
      }
      const verdict = validateEvent(raw, now, this.limits);
      if (verdict.ok) valid.push({ index, event: verdict.event });
      else results.push({ index, accepted: false, stored: null, reason: verdict.reason, detail: verdict.detail });
    });

    // One consent check for the whole batch (one subject per batch).
    const identified = batch.subject !== null && valid.length > 0 && (await this.consent.hasConsent(batch.subject, batch.globalPrivacyControl));
    const stored: StoredAs = identified ? 'IDENTIFIED' : 'ANONYMOUS_COUNT';
    if (valid.length > 0) {
      if (identified && batch.subject) await this.storeIdentified(batch.subject, valid.map((entry) => entry.event), now, batch);
      await this.countAnonymously(valid.map((entry) => entry.event), now);
    }
    for (const entry of valid) results.push({ index: entry.index, accepted: true, stored, reason: null, detail: null });
    results.sort((left, right) => left.index - right.index);
    return { results, accepted: valid.length, rejected: results.length - valid.length, identified };
  }

  private async storeIdentified(subject: ConsentSubject, events: ValidEvent[], now: Date, batch: CollectBatch): Promise<void> {
    const ipPrefix = truncateIp(batch.clientIp);
    const family = userAgentFamily(batch.userAgent);
    const documents: RawEventDocument[] = events.map((event) => ({
      _id: randomUUID(),
      subjectType: subject.subjectType,
      subjectId: subject.subjectId,
      type: event.type,
      name: event.name,
      page: event.page,
      properties: event.properties,
      occurredAt: event.occurredAt,
      receivedAt: now,
      ipPrefix,
      userAgentFamily: family,
    }));
    await this.rawEvents.insertMany(documents, { ordered: false, lean: true });
  }

  /** One `$inc` upsert per (day, type, page, name) of the batch; a lost first-insert race is retried. */
  private async countAnonymously(events: ValidEvent[], now: Date): Promise<void> {
    const increments = new Map<string, { day: string; event: ValidEvent; count: number }>();
    for (const event of events) {
      const day = dayBucket(event.occurredAt, this.timeZone);
      const key = pageCountId(day, event.type, event.page, event.name);
      const existing = increments.get(key);
      if (existing) existing.count += 1;
      else increments.set(key, { day, event, count: 1 });
    }
    const operations: Array<AnyBulkWriteOperation<PageCountDocument>> = [...increments.entries()].map(([key, { day, event, count }]) => ({
      updateOne: {
        filter: { _id: key },
        update: {
          $inc: { count },
          $set: { updatedAt: now },
          $setOnInsert: { day, timeZone: this.timeZone, type: event.type, page: event.page, name: event.name },
        },
        upsert: true,
      },
    }));
    try {
      await this.pageCounts.bulkWrite(operations, { ordered: false });
    } catch (error) {
      const failed = duplicateKeyFailures(error);
      if (!failed) throw error;
      // Only the operations that lost a first-insert race: the others are counted already.
      await this.pageCounts.bulkWrite(failed.map((index) => operations[index]).filter((operation) => operation !== undefined), { ordered: false });
    }
  }
}

/** Indexes of a bulk write's operations that failed on a duplicate key only; null if anything else failed. */
function duplicateKeyFailures(error: unknown): number[] | null {
  if (typeof error !== 'object' || error === null || !('writeErrors' in error)) return null;
  const raw = (error as { writeErrors: unknown }).writeErrors;
  const writeErrors = Array.isArray(raw) ? raw : [raw];
  const indexes: number[] = [];
  for (const writeError of writeErrors as Array<{ code?: number; index?: number; err?: { code?: number; index?: number } }>) {
    const code = writeError.code ?? writeError.err?.code;
    const index = writeError.index ?? writeError.err?.index;
    if (code !== 11000 || index === undefined) return null;
    indexes.push(index);
  }
  return indexes;
}
