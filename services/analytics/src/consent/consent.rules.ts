import type { ConsentMethod, RestrictionCause } from './consent.model';

/** What the collection pipeline needs of a subject's consent record. */
export interface ConsentView {
  analytics: boolean | null;
  method: ConsentMethod | null;
  changedAt: Date | null;
  expiresAt: Date | null;
  restrictedAt: Date | null;
}

/** Methods by which the person themself chose: only these override a Global Privacy Control signal. */
const EXPLICIT_METHODS: ReadonlySet<ConsentMethod> = new Set(['ACCEPT', 'SAVE']);

/**
 * ANA-01 / PRV-06: identified analytics only with a live, explicit analytics consent.
 * - no record, or analytics refused: no consent;
 * - a choice past its expiry (12 months at most) counts as no choice;
 * - `Sec-GPC: 1` is a refusal unless the person explicitly accepted analytics;
 * - a restriction, objection or consent withdrawal request (PRV-02) stops identified collection.
 */
export function hasAnalyticsConsent(record: ConsentView | null, now: Date, globalPrivacyControl: boolean): boolean {
  if (!record) return false;
  if (record.restrictedAt) return false;
  if (record.analytics !== true || !record.method || !record.expiresAt) return false;
  if (record.expiresAt.getTime() <= now.getTime()) return false;
  if (globalPrivacyControl && !EXPLICIT_METHODS.has(record.method)) return false;
  return true;
}

/**
 * ConsentChanged events can arrive out of order (retries, redelivery): a choice replaces the
 * stored one only when it is strictly newer. Equal instants keep the first one seen, except that
 * a refusal wins over an acceptance made at the same instant (the more protective reading).
 */
export function replacesStoredChoice(stored: { changedAt: Date | null; analytics: boolean | null } | null, incoming: { changedAt: Date; analytics: boolean }): boolean {
  if (!stored || !stored.changedAt) return true;
  const delta = incoming.changedAt.getTime() - stored.changedAt.getTime();
  if (delta !== 0) return delta > 0;
  return stored.analytics === true && !incoming.analytics;
}

/**
 * A restriction set before causes were recorded: its request and kind cannot be trusted, so it is
 * kept as a cause no lift matches (the subject stays restricted, the protective reading).
 */
export function unrecordedCause(restrictedBy: string | null): RestrictionCause {
  return { requestId: restrictedBy ?? 'unrecorded', kind: 'UNRECORDED' };
}

/**
 * GDPR art. 18(3): lifting a RESTRICTION request removes that request's cause only; an OBJECTION
 * (its own right, never lifted by this) or an unrecorded cause with the same id is left alone.
 */
export function liftedCause(requestId: string): RestrictionCause {
  return { requestId, kind: 'RESTRICTION' };
}

/**
 * LIFTED: no cause remains, the banner choice applies again; STILL_RESTRICTED: another request
 * (an objection, another restriction) still holds it; NOTHING_TO_LIFT: unknown request or
 * subject, or already lifted (a redelivery).
 */
export type LiftOutcome = 'LIFTED' | 'STILL_RESTRICTED' | 'NOTHING_TO_LIFT';

/** What a lift did, from its two guarded writes (cause removed, flag cleared). */
export function liftOutcome(causeRemoved: boolean, flagCleared: boolean): LiftOutcome {
  if (flagCleared) return 'LIFTED';
  return causeRemoved ? 'STILL_RESTRICTED' : 'NOTHING_TO_LIFT';
}
