import { companySlug, emailLocalPart, fakeProfileGenerator } from '../fake-profile.rules';
import { parseContactRow, recordIdentifiers } from '../../ingestion/ingestion.rules';

describe('fake profile generator', () => {
  const now = new Date('2026-11-23T00:00:00.000Z');

  it('[CON-07] generates importable profiles, the same for the same seed', () => {
    const a = fakeProfileGenerator(7, now);
    const b = fakeProfileGenerator(7, now);
    const rows = Array.from({ length: 300 }, () => a());
    expect(Array.from({ length: 300 }, () => b())).toEqual(rows);
    rows.forEach((row, index) => expect(parseContactRow(row, index + 1, { source: { kind: 'PARTNER', name: 'demo' } }).ok).toBe(true));
  });

  it('[CON-07] no real person: reserved e-mail domains, fictional phone ranges, marked profile URLs, unique identifiers', () => {
    const next = fakeProfileGenerator(1, now);
    const rows = Array.from({ length: 2000 }, () => next());
    const identifiers = rows.flatMap((row) => {
      const outcome = parseContactRow(row, 1, { source: { kind: 'PARTNER', name: 'demo' } });
      return outcome.ok ? recordIdentifiers(outcome.record).map((identifier) => `${identifier.kind}:${identifier.value}`) : [];
    });
    expect(new Set(identifiers).size).toBe(identifiers.length);
    for (const row of rows) {
      for (const email of [...row.professionalEmails.map((entry) => entry.address), ...row.directEmails]) expect(email).toMatch(/\.example$/);
      expect(row.profileUrl).toMatch(/-lgdemo-[0-9a-f]{8}$/);
      for (const phone of row.phones) expect(phone.number).toMatch(/^(\+33(19900|26191|35301|46571|53649|97742)\d{4}|\+44(2079460|1\d{2}4960|1914980|2920180)\d{3}|\+1\d{3}55501\d{2})$/);
    }
    expect(rows.filter((row) => row.phones.length > 0).length).toBeGreaterThan(1000);
  });

  it('[CON-07] e-mail local parts and company domains are plain ASCII', () => {
    expect(emailLocalPart('Élodie', "d'Arc")).toBe('elodie.darc');
    expect(companySlug('Schmidt - Kuhn & Co')).toBe('schmidt-kuhn-co');
  });
});
