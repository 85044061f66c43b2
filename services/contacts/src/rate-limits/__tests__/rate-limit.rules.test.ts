import { apiTokenCaller, userCaller } from '@leadgraph/platform/src/testing';
import { retryAfterSeconds } from '@leadgraph/platform';
import { bulkExtractionSignals, rateLimitKeys, usageDay } from '../rate-limit.rules';

const thresholds = { revealsPerDay: 100, searchPagesPerDay: 500 };

describe('rate-limit rules', () => {
  it('[CON-10] users are limited per account; partner tokens per token and per their creator account', () => {
    expect(rateLimitKeys(userCaller({ userId: 'u1' }))).toEqual(['user:u1']);
    expect(rateLimitKeys(apiTokenCaller({ userId: 'u1', tokenId: 't1' }))).toEqual(['user:u1', 'token:t1']);
  });

  it('[CON-10] usage is counted per UTC day and retry-after is at least one second', () => {
    expect(usageDay(new Date('2026-11-23T23:59:59.000Z'))).toBe('2026-11-23');
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(12_001)).toBe(13);
  });

  it('[CON-10] a normal day raises no flag', () => {
    expect(bulkExtractionSignals({ searchPages: 120, deepPages: 60, reveals: 40 }, thresholds)).toEqual([]);
  });

  it('[CON-10] too many reveals or search pages in a day are bulk patterns', () => {
    expect(bulkExtractionSignals({ searchPages: 10, deepPages: 0, reveals: 101 }, thresholds)).toEqual(['REVEALS_PER_DAY']);
    expect(bulkExtractionSignals({ searchPages: 501, deepPages: 100, reveals: 0 }, thresholds)).toEqual(['SEARCH_PAGES_PER_DAY']);
  });

  it('[CON-10] reading nearly only follow-up pages (walking every result list) is a bulk pattern once there are enough pages', () => {
    expect(bulkExtractionSignals({ searchPages: 200, deepPages: 190, reveals: 0 }, thresholds)).toEqual(['SYSTEMATIC_PAGING']);
    expect(bulkExtractionSignals({ searchPages: 199, deepPages: 199, reveals: 0 }, thresholds)).toEqual([]);
    expect(bulkExtractionSignals({ searchPages: 200, deepPages: 150, reveals: 0 }, thresholds)).toEqual([]);
  });
});
