import type { ConsentMethod } from './consent.model';

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
