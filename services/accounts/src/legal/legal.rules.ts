import { z } from 'zod';
import { DAY_MS } from '@leadgraph/platform';
import { legalDocumentKinds, type LegalDocumentKind, type UserDocument } from '../users/user.model';
import type { LegalDocumentVersion } from './legal.model';

/** Legal documents rules (ACC-09): notice period, version in force, decisions and silence. Pure. */

/** Users are told of a new version at least this long before it takes effect. */
export const LEGAL_NOTICE_PERIOD_DAYS = 15;

/** The versions in force when the platform first starts (seeded idempotently). */
export const initialLegalDocuments: ReadonlyArray<Pick<LegalDocumentVersion, 'kind' | 'version' | 'effectiveAt' | 'summary'>> = [
  { kind: 'TERMS', version: '1.0', effectiveAt: new Date('2024-01-01T00:00:00.000Z'), summary: 'Initial terms of service' },
  { kind: 'PRIVACY_POLICY', version: '1.0', effectiveAt: new Date('2024-01-01T00:00:00.000Z'), summary: 'Initial privacy policy' },
];

export function earliestEffectiveDate(now: Date): Date {
  return new Date(now.getTime() + LEGAL_NOTICE_PERIOD_DAYS * DAY_MS);
}

export const publishLegalDocumentInputSchema = z.object({
  kind: z.enum(legalDocumentKinds),
  version: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { message: 'must be 1-32 letters, digits, dots, dashes or underscores' }),
  effectiveAt: z.date({ message: 'must be a date' }),
  summary: z.string().trim().min(1, { message: 'is required' }).max(2000, { message: 'must be at most 2000 characters' }),
  documentUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500).nullable().default(null),
});
export type PublishLegalDocumentInput = z.infer<typeof publishLegalDocumentInputSchema>;

/**
 * Null when the new version may be published; otherwise the field at fault. It must leave the
 * notice period (ACC-09) and come after the latest version of its kind, so "in force" is never ambiguous.
 */
export function publicationProblem(
  input: Pick<PublishLegalDocumentInput, 'effectiveAt'>,
  latestOfKind: Pick<LegalDocumentVersion, 'version' | 'effectiveAt'> | null,
  now: Date,
): { field: string; message: string } | null {
  const earliest = earliestEffectiveDate(now);
  if (input.effectiveAt.getTime() < earliest.getTime()) {
    return {
      field: 'effectiveAt',
      message: `effectiveAt: must be at least ${LEGAL_NOTICE_PERIOD_DAYS} days ahead (not before ${earliest.toISOString()})`,
    };
  }
  if (latestOfKind && input.effectiveAt.getTime() <= latestOfKind.effectiveAt.getTime()) {
    return {
      field: 'effectiveAt',
      message: `effectiveAt: must be after version ${latestOfKind.version} (${latestOfKind.effectiveAt.toISOString()})`,
    };
  }
  return null;
}

type VersionFacts = Pick<LegalDocumentVersion, 'kind' | 'version' | 'effectiveAt'>;

/** The latest version of `kind` whose effective date has come. */
export function versionInForce<T extends VersionFacts>(versions: readonly T[], kind: LegalDocumentKind, now: Date): T | null {
  let inForce: T | null = null;
  for (const candidate of versions) {
    if (candidate.kind !== kind || candidate.effectiveAt.getTime() > now.getTime()) continue;
    if (!inForce || candidate.effectiveAt.getTime() > inForce.effectiveAt.getTime()) inForce = candidate;
  }
  return inForce;
}

export function upcomingVersions<T extends VersionFacts>(versions: readonly T[], now: Date): T[] {
  return versions
    .filter((candidate) => candidate.effectiveAt.getTime() > now.getTime())
    .sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
}

export type LegalVersionStatus = 'UPCOMING' | 'IN_FORCE' | 'SUPERSEDED';

export function legalVersionStatus(version: VersionFacts, allVersions: readonly VersionFacts[], now: Date): LegalVersionStatus {
  if (version.effectiveAt.getTime() > now.getTime()) return 'UPCOMING';
  const inForce = versionInForce(allVersions, version.kind, now);
  return inForce && inForce.version === version.version ? 'IN_FORCE' : 'SUPERSEDED';
}

type Decisions = Pick<UserDocument, 'termsAcceptances' | 'legalRefusals'>;

function hasAccepted(user: Decisions, kind: LegalDocumentKind, version: string): boolean {
  return user.termsAcceptances.some((entry) => entry.kind === kind && entry.version === version);
}

function hasRefused(user: Decisions, kind: LegalDocumentKind, version: string): boolean {
  return (user.legalRefusals ?? []).some((entry) => entry.kind === kind && entry.version === version);
}

export type LegalDecisionOutcome = 'RECORD' | 'ALREADY_DONE' | 'NOT_OPEN' | 'ALREADY_ACCEPTED';

/** Only the version in force or an upcoming one can be decided on; a user may accept after refusing. */
export function acceptanceOutcome(user: Decisions, version: VersionFacts, status: LegalVersionStatus): LegalDecisionOutcome {
  if (hasAccepted(user, version.kind, version.version)) return 'ALREADY_DONE';
  if (status === 'SUPERSEDED') return 'NOT_OPEN';
  return 'RECORD';
}

/** A refusal after an acceptance (explicit or by silence) is not recorded: it is too late to object. */
export function refusalOutcome(user: Decisions, version: VersionFacts, status: LegalVersionStatus): LegalDecisionOutcome {
  if (hasAccepted(user, version.kind, version.version)) return 'ALREADY_ACCEPTED';
  if (hasRefused(user, version.kind, version.version)) return 'ALREADY_DONE';
  if (status === 'SUPERSEDED') return 'NOT_OPEN';
  return 'RECORD';
}

/**
 * Silence counts as acceptance (ACC-09) only for a user who was told before the version took
 * effect, and who neither accepted nor refused by then.
 */
export function silenceCountsAsAcceptance(
  user: Decisions & Pick<UserDocument, 'legalNotices'>,
  version: VersionFacts,
  now: Date,
): boolean {
  if (version.effectiveAt.getTime() > now.getTime()) return false;
  const told = (user.legalNotices ?? []).some(
    (notice) =>
      notice.kind === version.kind && notice.version === version.version && notice.notifiedAt.getTime() < version.effectiveAt.getTime(),
  );
  return told && !hasAccepted(user, version.kind, version.version) && !hasRefused(user, version.kind, version.version);
}

export interface LegalDecision {
  kind: LegalDocumentKind;
  version: string;
  decision: 'ACCEPTED' | 'REFUSED';
  method: 'EXPLICIT' | 'SILENCE';
  decidedAt: Date;
}

/** A user's acceptance history, oldest first. */
export function legalDecisionHistory(user: Decisions): LegalDecision[] {
  const accepted: LegalDecision[] = user.termsAcceptances.map((entry) => ({
    kind: entry.kind,
    version: entry.version,
    decision: 'ACCEPTED',
    method: entry.method,
    decidedAt: entry.acceptedAt,
  }));
  const refused: LegalDecision[] = (user.legalRefusals ?? []).map((entry) => ({
    kind: entry.kind,
    version: entry.version,
    decision: 'REFUSED',
    method: 'EXPLICIT',
    decidedAt: entry.refusedAt,
  }));
  return [...accepted, ...refused].sort((a, b) => a.decidedAt.getTime() - b.decidedAt.getTime());
}
