import { addCalendarMonths } from '@leadgraph/platform';
import { rawEventCutoff } from '../retention.rules';

describe('retention rules', () => {
  it('[ANA-04] raw events are due 25 calendar months after they occurred', () => {
    expect(rawEventCutoff(new Date('2026-11-23T09:00:00.000Z'))).toEqual(new Date('2024-10-23T09:00:00.000Z'));
    expect(rawEventCutoff(new Date('2027-01-15T00:00:00.000Z'))).toEqual(new Date('2024-12-15T00:00:00.000Z'));
  });

  it('[ANA-04] the day is clamped to the end of a shorter month', () => {
    expect(addCalendarMonths(new Date('2028-03-31T12:00:00.000Z'), -25)).toEqual(new Date('2026-02-28T12:00:00.000Z'));
    expect(addCalendarMonths(new Date('2026-05-31T12:00:00.000Z'), -3)).toEqual(new Date('2026-02-28T12:00:00.000Z'));
    expect(addCalendarMonths(new Date('2026-03-31T00:00:00.000Z'), -1)).toEqual(new Date('2026-02-28T00:00:00.000Z'));
    expect(addCalendarMonths(new Date('2024-03-30T00:00:00.000Z'), -1)).toEqual(new Date('2024-02-29T00:00:00.000Z'));
  });
});
