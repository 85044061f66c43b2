import { parseDoNotCallLine } from '../do-not-call.rules';

describe('do-not-call rules', () => {
  it('[CON-01] national and international forms of the country become E.164', () => {
    expect(parseDoNotCallLine('06 12 34 56 78', 'FR')).toEqual({ ok: true, e164: '+33612345678' });
    expect(parseDoNotCallLine('+33 1 99 00 12 34', 'FR')).toEqual({ ok: true, e164: '+33199001234' });
  });

  it('[CON-01] blank lines and comments are skipped; numbers of another country or invalid are refused', () => {
    expect(parseDoNotCallLine('  # Bloctel extract 2026-11', 'FR')).toEqual({ ok: true, e164: null });
    expect(parseDoNotCallLine('+44 20 7946 0123', 'FR')).toEqual({ ok: false, message: 'not a FR number' });
    expect(parseDoNotCallLine('12', 'FR')).toEqual({ ok: false, message: 'not a valid phone number' });
  });
});
