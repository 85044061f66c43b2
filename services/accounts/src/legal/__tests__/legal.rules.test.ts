import { DAY_MS } from '@leadgraph/platform';
import type { LegalDocumentKind, TermsAcceptance } from '../../users/user.model';
import {
  LEGAL_NOTICE_PERIOD_DAYS,
  acceptanceOutcome,
  earliestEffectiveDate,
  legalDecisionHistory,
  legalVersionStatus,
  publicationProblem,
  publishLegalDocumentInputSchema,
  refusalOutcome,
  silenceCountsAsAcceptance,
  upcomingVersions,
  versionInForce,
} from '../legal.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const daysFromNow = (days: number) => new Date(now.getTime() + days * DAY_MS);
const version = (kind: LegalDocumentKind, name: string, effectiveAt: Date) => ({ kind, version: name, effectiveAt });

const versions = [
  version('TERMS', '1.0', new Date('2024-01-01T00:00:00.000Z')),
  version('TERMS', '2.0', daysFromNow(-10)),
  version('TERMS', '3.0', daysFromNow(20)),
  version('PRIVACY_POLICY', '1.0', new Date('2024-01-01T00:00:00.000Z')),
];

const accepted = (kind: LegalDocumentKind, name: string, method: TermsAcceptance['method'] = 'EXPLICIT'): TermsAcceptance => ({
  kind,
  version: name,
  acceptedAt: daysFromNow(-1),
  method,
});

describe('legal document rules (ACC-09)', () => {
  it('[ACC-09] a new version must take effect at least 15 days after publication', () => {
    expect(LEGAL_NOTICE_PERIOD_DAYS).toBe(15);
    expect(publicationProblem({ effectiveAt: daysFromNow(14) }, null, now)?.field).toBe('effectiveAt');
    expect(publicationProblem({ effectiveAt: earliestEffectiveDate(now) }, null, now)).toBeNull();
    expect(publicationProblem({ effectiveAt: daysFromNow(30) }, null, now)).toBeNull();
  });

  it('[ACC-09] a new version must take effect after the latest one of its kind', () => {
    const latest = { version: '3.0', effectiveAt: daysFromNow(20) };
    expect(publicationProblem({ effectiveAt: daysFromNow(16) }, latest, now)?.message).toMatch(/after version 3.0/);
    expect(publicationProblem({ effectiveAt: daysFromNow(21) }, latest, now)).toBeNull();
  });

  it('validates the publication input field by field', () => {
    const valid = { kind: 'TERMS', version: '2.1', effectiveAt: daysFromNow(20), summary: 'Clearer refunds section' };
    expect(publishLegalDocumentInputSchema.parse(valid).documentUrl).toBeNull();
    expect(publishLegalDocumentInputSchema.safeParse({ ...valid, version: 'bad version!' }).error?.issues[0]?.path).toEqual(['version']);
    expect(publishLegalDocumentInputSchema.safeParse({ ...valid, summary: ' ' }).error?.issues[0]?.path).toEqual(['summary']);
    expect(publishLegalDocumentInputSchema.safeParse({ ...valid, documentUrl: 'javascript:x' }).error?.issues[0]?.path).toEqual(['documentUrl']);
  });

  it('[ACC-09] the version in force is the latest whose effective date has come; later ones are upcoming', () => {
    expect(versionInForce(versions, 'TERMS', now)?.version).toBe('2.0');
    expect(versionInForce(versions, 'PRIVACY_POLICY', now)?.version).toBe('1.0');
    expect(versionInForce(versions, 'TERMS', daysFromNow(20))?.version).toBe('3.0');
    expect(upcomingVersions(versions, now).map((entry) => entry.version)).toEqual(['3.0']);
  });

  it('[ACC-09] versions are upcoming, in force or superseded', () => {
    expect(legalVersionStatus(versions[2]!, versions, now)).toBe('UPCOMING');
    expect(legalVersionStatus(versions[1]!, versions, now)).toBe('IN_FORCE');
    expect(legalVersionStatus(versions[0]!, versions, now)).toBe('SUPERSEDED');
  });

  it('[ACC-09] users accept the version in force or an upcoming one, once; a superseded one is closed', () => {
    const user = { termsAcceptances: [accepted('TERMS', '2.0')], legalRefusals: [] };
    expect(acceptanceOutcome(user, versions[2]!, 'UPCOMING')).toBe('RECORD');
    expect(acceptanceOutcome(user, versions[1]!, 'IN_FORCE')).toBe('ALREADY_DONE');
    expect(acceptanceOutcome(user, versions[0]!, 'SUPERSEDED')).toBe('NOT_OPEN');
  });

  it('[ACC-09] users may refuse a version they have not accepted; a refusal may later become an acceptance', () => {
    const refused = { termsAcceptances: [], legalRefusals: [{ kind: 'TERMS' as const, version: '3.0', refusedAt: now }] };
    expect(refusalOutcome({ termsAcceptances: [], legalRefusals: [] }, versions[2]!, 'UPCOMING')).toBe('RECORD');
    expect(refusalOutcome(refused, versions[2]!, 'UPCOMING')).toBe('ALREADY_DONE');
    expect(refusalOutcome({ termsAcceptances: [accepted('TERMS', '3.0')], legalRefusals: [] }, versions[2]!, 'UPCOMING')).toBe(
      'ALREADY_ACCEPTED',
    );
    expect(acceptanceOutcome(refused, versions[2]!, 'UPCOMING')).toBe('RECORD');
  });

  describe('[ACC-09] continued silence counts as acceptance', () => {
    const upcoming = version('TERMS', '3.0', daysFromNow(20));
    const told = { kind: 'TERMS' as const, version: '3.0', notifiedAt: now };
    const afterEffect = daysFromNow(21);

    it('[ACC-09] for a user told before the version took effect who neither accepted nor refused', () => {
      expect(silenceCountsAsAcceptance({ termsAcceptances: [], legalRefusals: [], legalNotices: [told] }, upcoming, afterEffect)).toBe(true);
    });

    it('[ACC-09] not before the version takes effect', () => {
      expect(silenceCountsAsAcceptance({ termsAcceptances: [], legalRefusals: [], legalNotices: [told] }, upcoming, now)).toBe(false);
    });

    it('[ACC-09] not for a user who was never told, or told too late', () => {
      expect(silenceCountsAsAcceptance({ termsAcceptances: [], legalRefusals: [], legalNotices: [] }, upcoming, afterEffect)).toBe(false);
      const late = { ...told, notifiedAt: daysFromNow(20) };
      expect(silenceCountsAsAcceptance({ termsAcceptances: [], legalRefusals: [], legalNotices: [late] }, upcoming, afterEffect)).toBe(false);
    });

    it('[ACC-09] not for a user who refused or already accepted', () => {
      const refusals = [{ kind: 'TERMS' as const, version: '3.0', refusedAt: now }];
      expect(silenceCountsAsAcceptance({ termsAcceptances: [], legalRefusals: refusals, legalNotices: [told] }, upcoming, afterEffect)).toBe(false);
      expect(
        silenceCountsAsAcceptance({ termsAcceptances: [accepted('TERMS', '3.0')], legalRefusals: [], legalNotices: [told] }, upcoming, afterEffect),
      ).toBe(false);
    });
  });

  it('[ACC-09] the acceptance history merges acceptances and refusals, oldest first', () => {
    const history = legalDecisionHistory({
      termsAcceptances: [
        { kind: 'TERMS', version: '1.0', acceptedAt: daysFromNow(-100), method: 'EXPLICIT' },
        { kind: 'TERMS', version: '3.0', acceptedAt: daysFromNow(20), method: 'SILENCE' },
      ],
      legalRefusals: [{ kind: 'PRIVACY_POLICY', version: '2.0', refusedAt: daysFromNow(-5) }],
    });
    expect(history.map((entry) => [entry.kind, entry.version, entry.decision, entry.method])).toEqual([
      ['TERMS', '1.0', 'ACCEPTED', 'EXPLICIT'],
      ['PRIVACY_POLICY', '2.0', 'REFUSED', 'EXPLICIT'],
      ['TERMS', '3.0', 'ACCEPTED', 'SILENCE'],
    ]);
  });
});
