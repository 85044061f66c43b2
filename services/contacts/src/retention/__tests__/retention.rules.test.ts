import { isPastRetention, retentionCutoff, retentionEnd } from '../retention.rules';

describe('retention rules', () => {
  const now = new Date('2031-06-15T12:00:00.000Z');

  it('[CON-09] the cut-off is five calendar years before now', () => {
    expect(retentionCutoff(now)).toEqual(new Date('2026-06-15T12:00:00.000Z'));
    expect(retentionCutoff(new Date('2032-02-29T00:00:00.000Z'))).toEqual(new Date('2027-03-01T00:00:00.000Z'));
  });

  it('[CON-09] a profile is due only when its last update is older than five years', () => {
    expect(isPastRetention(new Date('2026-06-15T11:59:59.999Z'), now)).toBe(true);
    expect(isPastRetention(new Date('2026-06-15T12:00:00.000Z'), now)).toBe(false);
    expect(isPastRetention(new Date('2030-01-01T00:00:00.000Z'), now)).toBe(false);
  });
});

describe('retention end', () => {
  it('[PRV-07][CON-09] a profile is kept until five calendar years after its last update', () => {
    expect(retentionEnd(new Date('2026-06-15T12:00:00.000Z'))).toEqual(new Date('2031-06-15T12:00:00.000Z'));
  });
});
