import { hasAnalyticsConsent, liftOutcome, liftedCause, replacesStoredChoice, unrecordedCause, type ConsentView } from '../consent.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const accepted: ConsentView = {
  analytics: true,
  method: 'ACCEPT',
  changedAt: new Date('2026-06-01T00:00:00.000Z'),
  expiresAt: new Date('2027-06-01T00:00:00.000Z'),
  restrictedAt: null,
};

describe('consent rules', () => {
  it('[ANA-01] identified analytics only with a live analytics consent', () => {
    expect(hasAnalyticsConsent(accepted, now, false)).toBe(true);
    expect(hasAnalyticsConsent({ ...accepted, method: 'SAVE' }, now, false)).toBe(true);
    expect(hasAnalyticsConsent(null, now, false)).toBe(false);
    expect(hasAnalyticsConsent({ ...accepted, analytics: false, method: 'REJECT' }, now, false)).toBe(false);
    expect(hasAnalyticsConsent({ ...accepted, analytics: false, method: 'WITHDRAW' }, now, false)).toBe(false);
    expect(hasAnalyticsConsent({ ...accepted, analytics: null, method: null, expiresAt: null }, now, false)).toBe(false);
  });

  it('[PRV-06] a choice lasts until its expiry (12 months at most), checked on read', () => {
    expect(hasAnalyticsConsent({ ...accepted, expiresAt: new Date('2026-11-23T09:00:00.001Z') }, now, false)).toBe(true);
    expect(hasAnalyticsConsent({ ...accepted, expiresAt: now }, now, false)).toBe(false);
  });

  it('[PRV-06] Sec-GPC: 1 is a refusal unless the person explicitly accepted analytics', () => {
    expect(hasAnalyticsConsent(null, now, true)).toBe(false);
    expect(hasAnalyticsConsent(accepted, now, true)).toBe(true);
    expect(hasAnalyticsConsent({ ...accepted, method: 'GPC' }, now, true)).toBe(false);
  });

  it('[PRV-05] a restriction or objection stops identified analytics whatever the banner says', () => {
    expect(hasAnalyticsConsent({ ...accepted, restrictedAt: new Date('2026-11-01T00:00:00.000Z') }, now, false)).toBe(false);
  });

  it('[PRV-06] the latest choice by changedAt wins, whatever the delivery order', () => {
    const at = (iso: string) => new Date(iso);
    expect(replacesStoredChoice(null, { changedAt: at('2026-01-01T00:00:00Z'), analytics: true })).toBe(true);
    expect(replacesStoredChoice({ changedAt: null, analytics: null }, { changedAt: at('2026-01-01T00:00:00Z'), analytics: true })).toBe(true);
    expect(replacesStoredChoice({ changedAt: at('2026-02-01T00:00:00Z'), analytics: false }, { changedAt: at('2026-01-01T00:00:00Z'), analytics: true })).toBe(false);
    expect(replacesStoredChoice({ changedAt: at('2026-01-01T00:00:00Z'), analytics: true }, { changedAt: at('2026-02-01T00:00:00Z'), analytics: false })).toBe(true);
    // Same instant: the refusal wins, the acceptance does not overwrite a refusal.
    expect(replacesStoredChoice({ changedAt: at('2026-01-01T00:00:00Z'), analytics: true }, { changedAt: at('2026-01-01T00:00:00Z'), analytics: false })).toBe(true);
    expect(replacesStoredChoice({ changedAt: at('2026-01-01T00:00:00Z'), analytics: false }, { changedAt: at('2026-01-01T00:00:00Z'), analytics: true })).toBe(false);
  });

  it('[PRV-02] a lift removes only the RESTRICTION cause of its request; unrecorded causes are never lifted', () => {
    expect(liftedCause('dsr-1')).toEqual({ requestId: 'dsr-1', kind: 'RESTRICTION' });
    expect(unrecordedCause('dsr-1')).toEqual({ requestId: 'dsr-1', kind: 'UNRECORDED' });
    expect(unrecordedCause(null).kind).toBe('UNRECORDED');
    expect(liftedCause('dsr-1')).not.toEqual(unrecordedCause('dsr-1'));
  });

  it('[PRV-02] lift outcome: cleared flag wins, a removed cause alone means another cause holds it', () => {
    expect(liftOutcome(true, true)).toBe('LIFTED');
    // A lift interrupted between its two writes, finished by the redelivery.
    expect(liftOutcome(false, true)).toBe('LIFTED');
    expect(liftOutcome(true, false)).toBe('STILL_RESTRICTED');
    expect(liftOutcome(false, false)).toBe('NOTHING_TO_LIFT');
  });
});
