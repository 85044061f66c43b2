import { creditsOfItem, enrichmentInputSchema, erasedResult, itemId, parseIdentifier } from '../enrichment.rules';

describe('enrichment rules', () => {
  it('reads e-mails and profile URLs, and flags other lines', () => {
    expect(parseIdentifier(' Jane@Acme.example ')).toEqual({ kind: 'EMAIL', value: 'jane@acme.example' });
    expect(parseIdentifier('https://linkedin.com/in/jane-doe').kind).toBe('PROFILE_URL');
    expect(parseIdentifier('not an identifier')).toEqual({ kind: null, value: null });
    expect(parseIdentifier('')).toEqual({ kind: null, value: null });
    expect(parseIdentifier('a@')).toEqual({ kind: null, value: null });
  });

  it('validates the job input and names the field', () => {
    expect(enrichmentInputSchema.safeParse({ identifiers: [], fields: ['PHONE'], maxCredits: 1 }).error?.issues[0]?.path).toEqual(['identifiers']);
    expect(enrichmentInputSchema.safeParse({ identifiers: Array(10_001).fill('x'), fields: ['PHONE'], maxCredits: 1 }).error?.issues[0]?.path).toEqual(['identifiers']);
    expect(enrichmentInputSchema.safeParse({ identifiers: ['x'], fields: ['PHONE'], maxCredits: 0 }).error?.issues[0]?.path).toEqual(['maxCredits']);
    expect(enrichmentInputSchema.safeParse({ identifiers: ['x'], fields: [], maxCredits: 1 }).error?.issues[0]?.path).toEqual(['fields']);
    expect(enrichmentInputSchema.safeParse({ identifiers: ['x'], fields: ['PHONE'], maxCredits: 5 }).success).toBe(true);
  });

  it('orders item ids by index and counts the planned fields now revealed', () => {
    expect(itemId('j', 7) < itemId('j', 10)).toBe(true);
    expect(creditsOfItem(['PHONE', 'PRO_EMAIL'], ['PHONE'])).toBe(1);
    expect(creditsOfItem([], ['PHONE'])).toBe(0);
  });

  it('[PRV-05][CON-08] an erased item keeps its status, reason and credits, not the contact or what was revealed', () => {
    expect(erasedResult({ status: 'FOUND', reason: null, contactId: 'c1', revealedFields: ['PHONE'], unavailable: ['PRO_EMAIL'], creditsCharged: 1 })).toEqual({
      status: 'FOUND',
      reason: null,
      contactId: null,
      revealedFields: [],
      unavailable: [],
      creditsCharged: 1,
    });
  });
});
