import { performance } from 'node:perf_hooks';
import type { EventData } from '@leadgraph/events';
import { isDuplicateKeyError, type Clock } from '@leadgraph/platform';
import { consentSubjectKey, type AnalyticsConsentDocument, type AnalyticsConsentModel, type ConsentMethod, type ConsentSubjectType, type RestrictionCause } from './consent.model';
import { hasAnalyticsConsent, liftOutcome, liftedCause, unrecordedCause, type ConsentView, type LiftOutcome } from './consent.rules';

export interface ConsentSubject {
  subjectType: ConsentSubjectType;
  subjectId: string;
}

interface CacheEntry {
  view: ConsentView | null;
  cachedAt: number;
}

const VIEW_PROJECTION = { analytics: 1, method: 1, changedAt: 1, expiresAt: 1, restrictedAt: 1 } as const;

/**
 * The local consent projection (ANA-01, PRV-06) and the per-event consent check. Lookups are one
 * `$in` query per batch, behind a small in-memory cache that the ConsentChanged consumer of this
 * process invalidates at once; other instances see a change within `cacheTtlMs`.
 */
export class ConsentProjection {
  private readonly cache = new Map<string, CacheEntry>();
  /** Bumped on every local change: a lookup that started before a change does not cache its result. */
  private generation = 0;

  constructor(
    private readonly consents: AnalyticsConsentModel,
    private readonly clock: Clock,
    private readonly cacheTtlMs: number,
    private readonly cacheMaxEntries = 50_000,
  ) {}

  /** Applies a ConsentChanged, keeping the latest choice by `changedAt` whatever the delivery order. */
  async applyConsentChanged(data: EventData<'ConsentChanged'>): Promise<void> {
    await this.applyChoice({
      subjectType: data.subjectType,
      subjectId: data.subjectId,
      analytics: data.categories.analytics,
      method: data.method,
      policyVersion: data.policyVersion,
      changedAt: new Date(data.changedAt),
      expiresAt: new Date(data.expiresAt),
    });
  }

  /** PRV-02 consent withdrawal request: analytics refused as of `at`; a later explicit choice supersedes it. */
  async withdrawAnalytics(subject: ConsentSubject, at: Date): Promise<void> {
    await this.applyChoice({ ...subject, analytics: false, method: 'WITHDRAW', policyVersion: 'data-subject-request', changedAt: at, expiresAt: at });
  }

  private async applyChoice(choice: ConsentSubject & { analytics: boolean; method: ConsentMethod; policyVersion: string; changedAt: Date; expiresAt: Date }): Promise<void> {
    const _id = consentSubjectKey(choice.subjectType, choice.subjectId);
    const { changedAt } = choice;
    const set = { ...choice, updatedAt: this.clock.now() };
    // Same rule as replacesStoredChoice, as a guarded single-document write.
    const olderThanThis: Array<Record<string, unknown>> = [{ changedAt: null }, { changedAt: { $lt: changedAt } }];
    if (!choice.analytics) olderThanThis.push({ changedAt, analytics: true });
    try {
      await this.consents.updateOne({ _id, $or: olderThanThis }, { $set: set, $setOnInsert: { restrictedAt: null, restrictedBy: null } }, { upsert: true });
    } catch (error) {
      // The stored choice is newer: the filter missed and the upsert collided with it. Nothing to do.
      if (!isDuplicateKeyError(error)) throw error;
    }
    this.invalidate(_id);
  }

  /**
   * PRV-02 restriction / objection: no identified analytics for this subject from now on. The
   * request is recorded as a cause next to the flag, so lifting one request leaves the others.
   * Returns whether anything changed (false on a redelivery).
   */
  async restrict(subject: ConsentSubject, requestId: string, kind: 'RESTRICTION' | 'OBJECTION'): Promise<boolean> {
    const _id = consentSubjectKey(subject.subjectType, subject.subjectId);
    const now = this.clock.now();
    const cause: RestrictionCause = { requestId, kind };
    await this.recordUnrecordedCause(_id);
    let changed = false;
    // A few rounds only for the race "restricted when we looked, lifted before we added": each
    // round is a guarded single-document write.
    for (let round = 0; round < 5; round += 1) {
      try {
        const result = await this.consents.updateOne(
          { _id, restrictedAt: null },
          {
            $set: { restrictedAt: now, restrictedBy: requestId, updatedAt: now },
            $addToSet: { restrictionCauses: cause },
            $setOnInsert: { subjectType: subject.subjectType, subjectId: subject.subjectId, analytics: null, method: null, policyVersion: null, changedAt: null, expiresAt: null },
          },
          { upsert: true },
        );
        if (result.modifiedCount + result.upsertedCount > 0) {
          changed = true;
          break;
        }
      } catch (error) {
        // Already restricted (the filter missed, the insert collided): add this cause to the others.
        if (!isDuplicateKeyError(error)) throw error;
      }
      const added = await this.consents.updateOne({ _id, restrictedAt: { $ne: null } }, { $addToSet: { restrictionCauses: cause }, $set: { updatedAt: now } });
      if (added.matchedCount > 0) {
        changed = added.modifiedCount > 0;
        break;
      }
    }
    this.invalidate(_id);
    return changed;
  }

  /**
   * A subject restricted before causes were recorded keeps that restriction as a cause no lift
   * matches, before any recorded cause joins it (else lifting the new one would clear both).
   */
  private async recordUnrecordedCause(_id: string): Promise<void> {
    const legacy = await this.consents.findOne({ _id, restrictedAt: { $ne: null }, restrictionCauses: { $exists: false } }, { restrictedBy: 1 }).lean<Pick<AnalyticsConsentDocument, 'restrictedBy'>>();
    if (!legacy) return;
    await this.consents.updateOne({ _id, restrictionCauses: { $exists: false } }, { $set: { restrictionCauses: [unrecordedCause(legacy.restrictedBy)] } });
  }

  /**
   * GDPR art. 18(3): the RESTRICTION request `requestId` no longer holds this subject. Its cause is
   * removed; the flag is cleared only if no cause remains, in one guarded write (a restriction
   * added meanwhile makes the filter miss). The banner choice then applies again as stored.
   */
  async liftRestriction(subject: ConsentSubject, requestId: string): Promise<LiftOutcome> {
    const _id = consentSubjectKey(subject.subjectType, subject.subjectId);
    const now = this.clock.now();
    const lifted = liftedCause(requestId);
    const pulled = await this.consents.updateOne({ _id, restrictionCauses: { $elemMatch: lifted } }, { $pull: { restrictionCauses: lifted }, $set: { updatedAt: now } });
    // Also run when nothing was pulled: finishes a lift interrupted between the two writes.
    const cleared = await this.consents.updateOne(
      { _id, restrictedAt: { $ne: null }, restrictionCauses: { $size: 0 } },
      { $set: { restrictedAt: null, restrictedBy: null, updatedAt: now } },
    );
    this.invalidate(_id);
    return liftOutcome(pulled.modifiedCount > 0, cleared.modifiedCount > 0);
  }

  /** Which of these subjects have analytics consent now; one query for the cache misses. */
  async consentedSubjects(subjects: ConsentSubject[], globalPrivacyControl: boolean): Promise<Set<string>> {
    const now = this.clock.now();
    const views = await this.views(subjects.map((subject) => consentSubjectKey(subject.subjectType, subject.subjectId)));
    const consented = new Set<string>();
    for (const [key, view] of views) if (hasAnalyticsConsent(view, now, globalPrivacyControl)) consented.add(key);
    return consented;
  }

  /** A restriction or objection (PRV-02) stops per-user processing, metering's funnel included. */
  async isRestricted(subject: ConsentSubject): Promise<boolean> {
    const key = consentSubjectKey(subject.subjectType, subject.subjectId);
    return Boolean((await this.views([key])).get(key)?.restrictedAt);
  }

  async hasConsent(subject: ConsentSubject, globalPrivacyControl: boolean): Promise<boolean> {
    return (await this.consentedSubjects([subject], globalPrivacyControl)).has(consentSubjectKey(subject.subjectType, subject.subjectId));
  }

  private async views(keys: string[]): Promise<Map<string, ConsentView | null>> {
    const result = new Map<string, ConsentView | null>();
    const missing: string[] = [];
    // Cache age is process time (monotonic), not business time: the injected clock may stand still.
    const nowMs = performance.now();
    for (const key of new Set(keys)) {
      const entry = this.cache.get(key);
      if (entry && nowMs - entry.cachedAt < this.cacheTtlMs) result.set(key, entry.view);
      else missing.push(key);
    }
    if (missing.length === 0) return result;
    const generation = this.generation;
    const found = await this.consents.find({ _id: { $in: missing } }, VIEW_PROJECTION).lean<Array<Pick<AnalyticsConsentDocument, '_id' | keyof ConsentView>>>();
    const byKey = new Map(found.map((document) => [document._id, document]));
    const cacheable = generation === this.generation && this.cacheTtlMs > 0;
    if (cacheable && this.cache.size + missing.length > this.cacheMaxEntries) this.cache.clear();
    for (const key of missing) {
      const document = byKey.get(key);
      const view: ConsentView | null = document
        ? { analytics: document.analytics, method: document.method, changedAt: document.changedAt, expiresAt: document.expiresAt, restrictedAt: document.restrictedAt }
        : null;
      result.set(key, view);
      if (cacheable) this.cache.set(key, { view, cachedAt: nowMs });
    }
    return result;
  }

  private invalidate(key: string): void {
    this.generation += 1;
    this.cache.delete(key);
  }

  /** For the benchmark: drop every cached view. */
  clearCache(): void {
    this.generation += 1;
    this.cache.clear();
  }
}
