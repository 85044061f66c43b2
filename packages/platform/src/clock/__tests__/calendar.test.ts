import { addCalendarMonths } from '../calendar';

describe('calendar months (billing periods, request deadlines, retention)', () => {
  const at = (iso: string) => new Date(iso);

  it('keeps the day and time of day, clamping to the end of a shorter month', () => {
    expect(addCalendarMonths(at('2026-11-23T10:15:00.000Z'), 1)).toEqual(at('2026-12-23T10:15:00.000Z'));
    expect(addCalendarMonths(at('2027-01-31T08:00:00.000Z'), 1)).toEqual(at('2027-02-28T08:00:00.000Z'));
    expect(addCalendarMonths(at('2028-01-31T08:00:00.000Z'), 1)).toEqual(at('2028-02-29T08:00:00.000Z'));
    expect(addCalendarMonths(at('2026-12-15T00:00:00.000Z'), 13)).toEqual(at('2028-01-15T00:00:00.000Z'));
  });

  it('goes back with a negative count (retention cut-offs)', () => {
    expect(addCalendarMonths(at('2028-03-31T12:00:00.000Z'), -25)).toEqual(at('2026-02-28T12:00:00.000Z'));
    expect(addCalendarMonths(at('2024-03-30T00:00:00.000Z'), -1)).toEqual(at('2024-02-29T00:00:00.000Z'));
    expect(addCalendarMonths(at('2026-01-15T00:00:00.000Z'), -60)).toEqual(at('2021-01-15T00:00:00.000Z'));
  });
});
