import { addCalendarMonths } from '@leadgraph/platform';
import { retentionDeadline } from '../retention-schedule.rules';

describe('retention schedule rules', () => {
  it('[PRV-07] months are calendar months; a missing day becomes the end of the month', () => {
    expect(addCalendarMonths(new Date('2026-01-15T10:30:00.000Z'), 60)).toEqual(new Date('2031-01-15T10:30:00.000Z'));
    expect(addCalendarMonths(new Date('2024-01-31T00:00:00.000Z'), 1)).toEqual(new Date('2024-02-29T00:00:00.000Z'));
    expect(addCalendarMonths(new Date('2026-11-30T00:00:00.000Z'), 3)).toEqual(new Date('2027-02-28T00:00:00.000Z'));
  });

  it('[PRV-07] data is kept while none of its triggers has happened', () => {
    expect(retentionDeadline([{ trigger: 'RELATIONSHIP_END', months: 60 }], {})).toBeNull();
  });

  it('[PRV-07] marketing data goes 3 years after the relationship ends, or at once on opt-out, whichever is first', () => {
    const marketing = [
      { trigger: 'RELATIONSHIP_END' as const, months: 36 },
      { trigger: 'OPT_OUT' as const, months: 0 },
    ];
    const ended = new Date('2026-01-15T00:00:00.000Z');
    expect(retentionDeadline(marketing, { RELATIONSHIP_END: ended })).toEqual(new Date('2029-01-15T00:00:00.000Z'));
    const optedOut = new Date('2026-03-01T08:00:00.000Z');
    expect(retentionDeadline(marketing, { RELATIONSHIP_END: ended, OPT_OUT: optedOut })).toEqual(optedOut);
  });

  it('[PRV-07] raw analytics go 25 months after collection; referral invitations 3 months without response', () => {
    expect(retentionDeadline([{ trigger: 'COLLECTION', months: 25 }], { COLLECTION: new Date('2026-11-23T09:00:00.000Z') })).toEqual(
      new Date('2028-12-23T09:00:00.000Z'),
    );
    expect(
      retentionDeadline([{ trigger: 'SENT_WITHOUT_RESPONSE', months: 3 }], { SENT_WITHOUT_RESPONSE: new Date('2026-11-23T09:00:00.000Z') }),
    ).toEqual(new Date('2027-02-23T09:00:00.000Z'));
  });
});
