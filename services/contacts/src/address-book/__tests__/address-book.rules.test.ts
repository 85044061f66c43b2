import { entryStatus, listNameKey, listNameSchema, noteTextSchema } from '../address-book.rules';

describe('address book rules', () => {
  it('[CON-05] list names compare without case or accents, and need a letter or digit', () => {
    expect(listNameKey('Prospects Île-de-France')).toBe(listNameKey('prospects ile de france'));
    expect(listNameSchema.safeParse('  Q1 leads ').data).toBe('Q1 leads');
    expect(listNameSchema.safeParse('***').success).toBe(false);
    expect(listNameSchema.safeParse('x'.repeat(81)).success).toBe(false);
  });

  it('[CON-05] notes are 1 to 2000 characters', () => {
    expect(noteTextSchema.safeParse(' called, interested ').data).toBe('called, interested');
    expect(noteTextSchema.safeParse('   ').success).toBe(false);
  });

  it('[CON-05][CON-08] an entry is active, flagged opted out, or unavailable once its profile is gone', () => {
    expect(entryStatus({ optedOutAt: null }, true)).toBe('ACTIVE');
    expect(entryStatus({ optedOutAt: new Date() }, false)).toBe('OPTED_OUT');
    expect(entryStatus({ optedOutAt: null }, false)).toBe('UNAVAILABLE');
  });
});
