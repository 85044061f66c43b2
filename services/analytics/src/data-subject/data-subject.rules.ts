import type { DataSubjectRequestAnswer, DataSubjectRight } from '@leadgraph/events';

export type AnswerAction = DataSubjectRequestAnswer['actions'][number];

/** What analytics holds about one requester (ANA-05). */
export interface HeldData {
  rawEvents: number;
  funnelRows: number;
}

/** What analytics does for each right, given what it holds (PRV-05). */
export type RequestPlan =
  | { kind: 'EXPORT' }
  | { kind: 'ERASE' }
  | { kind: 'RESTRICT'; action: 'RESTRICTED' | 'OBJECTION_APPLIED'; cause: 'RESTRICTION' | 'OBJECTION' }
  | { kind: 'WITHDRAW_CONSENT' }
  | { kind: 'NOTHING_TO_CHANGE'; action: 'RECTIFIED' | 'DIRECTIVE_RECORDED'; note: string };

/**
 * - ACCESS / PORTABILITY: export the identified events and funnel dates (sealed).
 * - ERASURE: delete identified events, anonymise the funnel row (ANA-05); anonymous aggregates stay.
 * - RESTRICTION / OBJECTION: no identified collection from now on, treated as no consent; the
 *   funnel row is anonymised for an objection (it is processed under legitimate interest). The
 *   request is recorded as the cause: only a RESTRICTION is ever lifted (art. 18(3)).
 * - CONSENT_WITHDRAWAL: analytics consent withdrawn as of the request; events already collected
 *   with consent stay lawful and are kept (erasure is a request of its own).
 * - RECTIFICATION / POST_MORTEM_DIRECTIVE: analytics holds no name, title, company or location,
 *   and keeps no directive; nothing to change here.
 */
export function planFor(right: DataSubjectRight): RequestPlan {
  switch (right) {
    case 'ACCESS':
    case 'PORTABILITY':
      return { kind: 'EXPORT' };
    case 'ERASURE':
      return { kind: 'ERASE' };
    case 'RESTRICTION':
      return { kind: 'RESTRICT', action: 'RESTRICTED', cause: 'RESTRICTION' };
    case 'OBJECTION':
      return { kind: 'RESTRICT', action: 'OBJECTION_APPLIED', cause: 'OBJECTION' };
    case 'CONSENT_WITHDRAWAL':
      return { kind: 'WITHDRAW_CONSENT' };
    case 'RECTIFICATION':
      return { kind: 'NOTHING_TO_CHANGE', action: 'RECTIFIED', note: 'Analytics holds no name, job title, company or location: nothing to correct' };
    case 'POST_MORTEM_DIRECTIVE':
      return { kind: 'NOTHING_TO_CHANGE', action: 'DIRECTIVE_RECORDED', note: 'Kept by the privacy service; analytics applies it through erasure requests' };
    default: {
      const unreachable: never = right;
      throw new Error(`unknown right ${String(unreachable)}`);
    }
  }
}

export const RAW_EVENTS_CATEGORY = 'ANALYTICS_RAW';
export const FUNNEL_CATEGORY = 'ANALYTICS_FUNNEL';
export const CONSENT_CATEGORY = 'ANALYTICS_CONSENT';

export function heldAnything(held: HeldData): boolean {
  return held.rawEvents + held.funnelRows > 0;
}

/** Anonymous aggregates are not personal data: said in the answer so the requester knows why they stay. */
export const AGGREGATES_NOTE = 'Anonymous per-page and per-day counts are kept: they identify no one (ANA-04)';

/** A requester as analytics knows them: their user id and the visitor ids they filed from. */
export interface RequestSubject {
  subjectType: 'USER' | 'VISITOR';
  subjectId: string;
}

export function requestSubjects(request: { userId: string | null; visitorIds?: string[] }): RequestSubject[] {
  const subjects: RequestSubject[] = [];
  if (request.userId) subjects.push({ subjectType: 'USER', subjectId: request.userId });
  for (const visitorId of new Set(request.visitorIds ?? [])) subjects.push({ subjectType: 'VISITOR', subjectId: visitorId });
  return subjects;
}
