import { requestRetentionCutoffs } from '../request-retention.rules';

describe('privacy requests retention (PRV-07)', () => {
  it('[PRV-07] closed requests after five calendar years, unconfirmed opt-outs 30 days after their code expired, exports at link expiry', () => {
    const now = new Date('2031-11-23T09:00:00.000Z');
    expect(requestRetentionCutoffs(now)).toEqual({
      closedBefore: new Date('2026-11-23T09:00:00.000Z'),
      unconfirmedOptOutExpiredBefore: new Date('2031-10-24T09:00:00.000Z'),
      exportExpiredBefore: now,
    });
  });
});
