import { addressBookActivityEntry, cursorOf, olderThanCursor, pageOf } from '../activity.rules';

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

describe('address-book actions in the workspace activity log', () => {
  const base = { activityId: 'a1', workspaceId: 'w1', actorUserId: 'u1', contactId: null, listId: null, at: '2026-11-23T10:00:00.000Z' };

  it('[ACC-05][CON-05] a contact action targets the contact and keeps its list', () => {
    expect(addressBookActivityEntry({ ...base, action: 'ADDED_TO_LIST', contactId: 'c1', listId: 'l1' })).toEqual({
      action: 'ADDRESS_BOOK_ADDED_TO_LIST',
      targetType: 'CONTACT',
      targetId: 'c1',
      details: { listId: 'l1' },
    });
  });

  it('[ACC-05][CON-05] a list action targets the list', () => {
    expect(addressBookActivityEntry({ ...base, action: 'LIST_CREATED', listId: 'l1' })).toEqual({
      action: 'ADDRESS_BOOK_LIST_CREATED',
      targetType: 'CONTACT_LIST',
      targetId: 'l1',
      details: {},
    });
  });
});
