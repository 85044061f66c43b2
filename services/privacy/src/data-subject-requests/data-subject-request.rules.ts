import { addCalendarMonths } from '@leadgraph/platform';
import { dataSubjectAnsweringServices, type DataSubjectAnsweringService, type DataSubjectExportPart, type DataSubjectRight, type DataSubjectRequestAnswer } from '@leadgraph/events';

/** PRV-02..05: the life of a data-subject request. Pure rules: no I/O, no clock. */
export const dataSubjectRequestStatuses = [
  'RECEIVED',
  'IDENTITY_UNVERIFIED',
  'VERIFIED',
  'IN_PROGRESS',
  'AWAITING_SERVICES',
  'COMPLETED',
  'DENIED',
  'REVOKED',
] as const;
export type DataSubjectRequestStatus = (typeof dataSubjectRequestStatuses)[number];

export const denialReasons = ['IDENTITY_NOT_VERIFIED', 'MANIFESTLY_UNFOUNDED', 'EXCESSIVE', 'LEGAL_OBLIGATION_PREVAILS', 'OTHER'] as const;
export type DenialReason = (typeof denialReasons)[number];

const terminal: ReadonlySet<DataSubjectRequestStatus> = new Set(['COMPLETED', 'DENIED', 'REVOKED']);

export function isTerminal(status: DataSubjectRequestStatus): boolean {
  return terminal.has(status);
}

/** Which moves each state allows. Fan-out starts at verification, so a requester can revoke only before it. */
const transitions: Record<DataSubjectRequestStatus, readonly DataSubjectRequestStatus[]> = {
  RECEIVED: ['IDENTITY_UNVERIFIED', 'DENIED', 'REVOKED'],
  IDENTITY_UNVERIFIED: ['VERIFIED', 'DENIED', 'REVOKED'],
  VERIFIED: ['IN_PROGRESS', 'DENIED', 'REVOKED'],
  IN_PROGRESS: ['AWAITING_SERVICES', 'COMPLETED', 'DENIED'],
  AWAITING_SERVICES: ['COMPLETED', 'DENIED'],
  COMPLETED: [],
  DENIED: [],
  REVOKED: [],
};

export function canMove(from: DataSubjectRequestStatus, to: DataSubjectRequestStatus): boolean {
  return transitions[from].includes(to);
}

/** The states from which `to` may be reached: the guard of the update that moves there. */
export function statesAllowing(to: DataSubjectRequestStatus): DataSubjectRequestStatus[] {
  return dataSubjectRequestStatuses.filter((from) => canMove(from, to));
}

/** PRV-04: answered within one month of receipt. */
export function firstDueDate(receivedAt: Date): Date {
  return addCalendarMonths(receivedAt, 1);
}

export const MAX_EXTENSION_MONTHS = 2;

export type ExtensionRefusal = 'TERMINAL' | 'AFTER_FIRST_DUE_DATE' | 'TOO_LONG' | 'REASON_REQUIRED';

/**
 * PRV-04: up to two more months in total, with a reason, notified before the first due date.
 * Returns the new due date or why the extension is refused.
 */
export function extendDueDate(
  request: { status: DataSubjectRequestStatus; receivedAt: Date; extensionMonths: number },
  input: { months: number; reason: string },
  now: Date,
): { dueAt: Date; totalMonths: number } | { refused: ExtensionRefusal } {
  if (isTerminal(request.status)) return { refused: 'TERMINAL' };
  if (now.getTime() >= firstDueDate(request.receivedAt).getTime()) return { refused: 'AFTER_FIRST_DUE_DATE' };
  if (input.reason.trim().length < 10) return { refused: 'REASON_REQUIRED' };
  const totalMonths = request.extensionMonths + input.months;
  if (!Number.isInteger(input.months) || input.months < 1 || totalMonths > MAX_EXTENSION_MONTHS) return { refused: 'TOO_LONG' };
  return { dueAt: addCalendarMonths(request.receivedAt, 1 + totalMonths), totalMonths };
}

export const DUE_SOON_DAYS = 7;

export type DueState = 'CLOSED' | 'ON_TRACK' | 'DUE_SOON' | 'OVERDUE';

/** PRV-04: how an open request stands against its due date. */
export function dueState(request: { status: DataSubjectRequestStatus; dueAt: Date }, now: Date, dueSoonDays = DUE_SOON_DAYS): DueState {
  if (isTerminal(request.status)) return 'CLOSED';
  const left = request.dueAt.getTime() - now.getTime();
  if (left < 0) return 'OVERDUE';
  return left <= dueSoonDays * 86_400_000 ? 'DUE_SOON' : 'ON_TRACK';
}

/** PRV-05: the services still to confirm. */
export function pendingServices(answers: ReadonlyArray<{ service: DataSubjectAnsweringService }>): DataSubjectAnsweringService[] {
  const answered = new Set(answers.map((answer) => answer.service));
  return dataSubjectAnsweringServices.filter((service) => !answered.has(service));
}

/** The status once an answer is added: complete only when every service has confirmed (PRV-05). */
export function statusAfterAnswer(current: DataSubjectRequestStatus, answersAfter: ReadonlyArray<{ service: DataSubjectAnsweringService }>): DataSubjectRequestStatus {
  if (isTerminal(current)) return current;
  return pendingServices(answersAfter).length === 0 ? 'COMPLETED' : 'AWAITING_SERVICES';
}

export function producesExport(right: DataSubjectRight): boolean {
  return right === 'ACCESS' || right === 'PORTABILITY';
}

/** Whether the details a right needs are present: corrections for a rectification, text for a directive. */
export function missingDetail(right: DataSubjectRight, details: { corrections: unknown[]; directive: string | null }): 'corrections' | 'directive' | null {
  if (right === 'RECTIFICATION' && details.corrections.length === 0) return 'corrections';
  if (right === 'POST_MORTEM_DIRECTIVE' && (details.directive ?? '').trim() === '') return 'directive';
  return null;
}

export interface AccessExportInput {
  request: { id: string; right: DataSubjectRight; receivedAt: Date; completedAt: Date };
  parts: Array<{ service: DataSubjectAnsweringService; part: DataSubjectExportPart }>;
  answers: ReadonlyArray<Pick<DataSubjectRequestAnswer, 'service' | 'retained'>>;
  subProcessors: ReadonlyArray<{ name: string; purpose: string; location: string }>;
  retentionSchedule: ReadonlyArray<{ dataCategory: string; description: string; limits: ReadonlyArray<{ trigger: string; months: number }> }>;
  /** Names of the recipient workspaces, from accounts; a missing one stays unnamed. */
  workspaceNames: ReadonlyMap<string, string | null>;
}

/** The workspace ids among the recipients, for one lookup of their names. */
export function recipientWorkspaceIds(parts: AccessExportInput['parts']): string[] {
  return [...new Set(parts.flatMap(({ part }) => part.recipients.flatMap((recipient) => (recipient.workspaceId ? [recipient.workspaceId] : []))))];
}

/**
 * PRV-02: the one JSON document of an access / portability request: the data from every service,
 * what it is used for, where it came from, who received it, what is kept and how long.
 */
export function assembleAccessExport(input: AccessExportInput) {
  const records = input.parts.flatMap(({ service, part }) => part.records.map((record) => ({ service, ...record })));
  const distinct = (values: string[]) => [...new Set(values)].sort();
  return {
    format: 'leadgraph.data-subject-export/v1',
    controller: 'leadgraph',
    request: {
      id: input.request.id,
      right: input.request.right,
      receivedAt: input.request.receivedAt.toISOString(),
      completedAt: input.request.completedAt.toISOString(),
    },
    purposes: distinct(records.map((record) => record.purpose)),
    legalBases: distinct(records.map((record) => record.legalBasis)),
    sources: distinct(records.map((record) => record.source)),
    recipients: input.parts.flatMap(({ service, part }) =>
      part.recipients.map((recipient) => ({ service, workspaceName: recipient.workspaceId ? (input.workspaceNames.get(recipient.workspaceId) ?? null) : null, ...recipient })),
    ),
    data: records,
    retainedUnderLegalObligation: input.answers.flatMap((answer) => answer.retained.map((retained) => ({ service: answer.service, ...retained }))),
    subProcessors: input.subProcessors.map(({ name, purpose, location }) => ({ name, purpose, location })),
    retentionSchedule: input.retentionSchedule.map(({ dataCategory, description, limits }) => ({ dataCategory, description, limits: limits.map(({ trigger, months }) => ({ trigger, months })) })),
  };
}
export type AccessExportDocument = ReturnType<typeof assembleAccessExport>;
