import type { AuthenticatedCaller } from '@leadgraph/platform';

/**
 * Who a rate limit counts (CON-10): the account always, and the partner token too when one is
 * used, so a token cannot be used to go around its creator's limit nor the other way round.
 */
export function rateLimitKeys(caller: AuthenticatedCaller): string[] {
  return caller.kind === 'apiToken' ? [`user:${caller.userId}`, `token:${caller.tokenId}`] : [`user:${caller.userId}`];
}

/** UTC day of a usage counter (`2026-11-23`). */
export function usageDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export interface DailyUsage {
  searchPages: number;
  /** Pages read by following a cursor: walking result lists to the end is how a database is copied. */
  deepPages: number;
  reveals: number;
}

export interface BulkThresholds {
  revealsPerDay: number;
  searchPagesPerDay: number;
}

export const bulkSignals = ['REVEALS_PER_DAY', 'SEARCH_PAGES_PER_DAY', 'SYSTEMATIC_PAGING'] as const;
export type BulkSignal = (typeof bulkSignals)[number];

/** Minimum pages before the paging pattern means anything. */
const SYSTEMATIC_PAGING_MIN_PAGES = 200;
const SYSTEMATIC_PAGING_SHARE = 0.9;

/**
 * What makes an account's day look like bulk extraction (CON-10): more reveals or search pages
 * than a person would need, or reading nearly only follow-up pages (walking every result list).
 */
export function bulkExtractionSignals(usage: DailyUsage, thresholds: BulkThresholds): BulkSignal[] {
  const signals: BulkSignal[] = [];
  if (usage.reveals > thresholds.revealsPerDay) signals.push('REVEALS_PER_DAY');
  if (usage.searchPages > thresholds.searchPagesPerDay) signals.push('SEARCH_PAGES_PER_DAY');
  if (usage.searchPages >= SYSTEMATIC_PAGING_MIN_PAGES && usage.deepPages / usage.searchPages >= SYSTEMATIC_PAGING_SHARE) {
    signals.push('SYSTEMATIC_PAGING');
  }
  return signals;
}

