import { identifierHash } from '@leadgraph/platform';
import { contactIdentifiers, hashIdentifiers } from '../../contacts/contact.rules';
import type { Provenance } from '../../contacts/contact.model';
import { matchableHashes, suppressionCaseId } from '../suppression.rules';

const key = { secret: 'k'.repeat(40), version: 2 };
const seen: Provenance = { source: { kind: 'PARTNER', name: 'p' }, firstSeenAt: new Date(0), lastVerifiedAt: null, status: 'VERIFIED' };

describe('suppression rules', () => {
  it('[CON-08] a contact is matched by the keyed hashes of all its identifiers, computed like the privacy service does', () => {
    const identifiers = contactIdentifiers({
      profileUrl: { value: 'https://www.linkedin.com/in/Jane/', ...seen },
      professionalEmails: [{ value: 'Jane@Acme.com', ...seen }],
      directEmails: [],
      phones: [{ value: '+33612345678', kind: 'MOBILE', country: 'FR', ...seen }],
    });
    expect(hashIdentifiers(identifiers, key)).toEqual([
      { kind: 'EMAIL', hash: identifierHash('EMAIL', ' jane@acme.COM', key), keyVersion: 2 },
      { kind: 'PHONE', hash: identifierHash('PHONE', '+33 6 12 34 56 78', key), keyVersion: 2 },
      { kind: 'PROFILE_URL', hash: identifierHash('PROFILE_URL', 'linkedin.com/in/jane', key), keyVersion: 2 },
    ]);
  });

  it('[CON-08] only hashes made with our key version can match; the others are reported', () => {
    const ours = { kind: 'EMAIL' as const, hash: 'a'.repeat(64), keyVersion: 2 };
    const old = { kind: 'PHONE' as const, hash: 'b'.repeat(64), keyVersion: 1 };
    expect(matchableHashes([ours, old], key)).toEqual({ usable: [ours], otherKeyVersions: [1] });
  });

  it('[CON-08] the same opt-out handled twice is one case', () => {
    expect(suppressionCaseId({ type: 'OPT_OUT', id: 'o1' })).toBe('OPT_OUT:o1');
  });
});
