import { cursorOf, olderThanCursor, pageOf } from '../activity.rules';

describe('activity log rules', () => {
  it('[ACC-05] the cursor is the (time, id) sort key of the last entry shown', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(cursorOf({ _id: 'e1', at })).toEqual({ at: at.getTime(), id: 'e1' });
  });

  it('[ACC-05] the next page holds entries strictly older, ties broken by id', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(olderThanCursor({ at: at.getTime(), id: 'e5' })).toEqual({
      $or: [{ at: { $lt: at } }, { at, _id: { $lt: 'e5' } }],
    });
  });

  it('one extra row read tells whether a next page exists', () => {
    expect(pageOf([1, 2, 3], 2)).toEqual({ items: [1, 2], hasNextPage: true });
    expect(pageOf([1, 2], 2)).toEqual({ items: [1, 2], hasNextPage: false });
    expect(pageOf([], 2)).toEqual({ items: [], hasNextPage: false });
  });
});
