import { addCalendarMonths } from '@leadgraph/platform';
import {
  assembleAccessExport,
  canMove,
  dueState,
  extendDueDate,
  firstDueDate,
  missingDetail,
  pendingServices,
  statusAfterAnswer,
} from '../data-subject-request.rules';

const at = (iso: string) => new Date(iso);

describe('data-subject request rules', () => {
  it('[PRV-04] the due date is one calendar month after receipt, clamped to the end of shorter months', () => {
    expect(firstDueDate(at('2026-11-23T10:00:00Z')).toISOString()).toBe('2026-12-23T10:00:00.000Z');
    expect(addCalendarMonths(at('2027-01-31T08:00:00Z'), 1).toISOString()).toBe('2027-02-28T08:00:00.000Z');
    expect(addCalendarMonths(at('2028-01-31T08:00:00Z'), 1).toISOString()).toBe('2028-02-29T08:00:00.000Z');
    expect(addCalendarMonths(at('2026-12-15T00:00:00Z'), 3).toISOString()).toBe('2027-03-15T00:00:00.000Z');
  });

  it('[PRV-04] an extension: at most two more months in total, with a reason, before the first due date', () => {
    const request = { status: 'IN_PROGRESS' as const, receivedAt: at('2026-11-23T10:00:00Z'), extensionMonths: 0 };
    const reason = 'Numerous requests from the same person this month';
    expect(extendDueDate(request, { months: 2, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ dueAt: at('2027-02-23T10:00:00Z'), totalMonths: 2 });
    expect(extendDueDate({ ...request, extensionMonths: 1 }, { months: 1, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ dueAt: at('2027-02-23T10:00:00Z'), totalMonths: 2 });
    expect(extendDueDate({ ...request, extensionMonths: 1 }, { months: 2, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ refused: 'TOO_LONG' });
    expect(extendDueDate(request, { months: 3, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ refused: 'TOO_LONG' });
    expect(extendDueDate(request, { months: 0, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ refused: 'TOO_LONG' });
    expect(extendDueDate(request, { months: 1, reason: 'busy' }, at('2026-12-01T00:00:00Z'))).toEqual({ refused: 'REASON_REQUIRED' });
    expect(extendDueDate(request, { months: 1, reason }, at('2026-12-23T10:00:00Z'))).toEqual({ refused: 'AFTER_FIRST_DUE_DATE' });
    expect(extendDueDate({ ...request, status: 'COMPLETED' }, { months: 1, reason }, at('2026-12-01T00:00:00Z'))).toEqual({ refused: 'TERMINAL' });
  });

  it('[PRV-04] open requests are on track, due soon (7 days) or overdue; closed ones are neither', () => {
    const dueAt = at('2026-12-23T10:00:00Z');
    expect(dueState({ status: 'IN_PROGRESS', dueAt }, at('2026-12-01T00:00:00Z'))).toBe('ON_TRACK');
    expect(dueState({ status: 'IN_PROGRESS', dueAt }, at('2026-12-17T00:00:00Z'))).toBe('DUE_SOON');
    expect(dueState({ status: 'AWAITING_SERVICES', dueAt }, at('2026-12-23T10:00:01Z'))).toBe('OVERDUE');
    expect(dueState({ status: 'IDENTITY_UNVERIFIED', dueAt }, at('2027-01-01T00:00:00Z'))).toBe('OVERDUE');
    expect(dueState({ status: 'COMPLETED', dueAt }, at('2027-01-01T00:00:00Z'))).toBe('CLOSED');
  });

  it('[PRV-03] nothing is carried out before verification; a requester can revoke only before the fan-out', () => {
    expect(canMove('IDENTITY_UNVERIFIED', 'IN_PROGRESS')).toBe(false);
    expect(canMove('IDENTITY_UNVERIFIED', 'VERIFIED')).toBe(true);
    expect(canMove('VERIFIED', 'IN_PROGRESS')).toBe(true);
    expect(canMove('IDENTITY_UNVERIFIED', 'REVOKED')).toBe(true);
    expect(canMove('IN_PROGRESS', 'REVOKED')).toBe(false);
    expect(canMove('COMPLETED', 'DENIED')).toBe(false);
  });

  it('[PRV-05] complete only once every service has answered', () => {
    expect(pendingServices([{ service: 'accounts' }, { service: 'contacts' }])).toEqual(['billing', 'analytics']);
    expect(statusAfterAnswer('IN_PROGRESS', [{ service: 'accounts' }])).toBe('AWAITING_SERVICES');
    expect(statusAfterAnswer('AWAITING_SERVICES', [{ service: 'accounts' }, { service: 'billing' }, { service: 'contacts' }, { service: 'analytics' }])).toBe('COMPLETED');
    expect(statusAfterAnswer('DENIED', [{ service: 'accounts' }, { service: 'billing' }, { service: 'contacts' }, { service: 'analytics' }])).toBe('DENIED');
  });

  it('[PRV-02] a rectification needs corrections and a post-mortem directive needs its text', () => {
    expect(missingDetail('RECTIFICATION', { corrections: [], directive: null })).toBe('corrections');
    expect(missingDetail('POST_MORTEM_DIRECTIVE', { corrections: [], directive: '  ' })).toBe('directive');
    expect(missingDetail('ACCESS', { corrections: [], directive: null })).toBeNull();
  });

  it('[PRV-02][PRV-05] the access export gathers data, purposes, sources, recipients and what is retained', () => {
    const document = assembleAccessExport({
      request: { id: 'r1', right: 'ACCESS', receivedAt: at('2026-11-23T10:00:00Z'), completedAt: at('2026-11-24T10:00:00Z') },
      parts: [
        {
          service: 'contacts',
          part: {
            records: [{ dataCategory: 'BUSINESS_PROFILES', description: 'Profile', purpose: 'B2B prospecting', legalBasis: 'Legitimate interest', source: 'Public web', data: { fullName: 'Jane' } }],
            recipients: [{ workspaceId: 'w1', userId: 'u1', fields: ['PRO_EMAIL'], receivedAt: '2026-11-01T00:00:00.000Z' }],
          },
        },
        {
          service: 'accounts',
          part: { records: [{ dataCategory: 'ACCOUNT_DATA', description: 'Account', purpose: 'Providing the service', legalBasis: 'Contract', source: 'Provided by you', data: { email: 'jane@acme.example' } }], recipients: [] },
        },
      ],
      answers: [{ service: 'billing', retained: [{ dataCategory: 'ACCOUNTING', legalBasis: 'Legal obligation', keptUntil: '2037-12-31T00:00:00.000Z' }] }],
      subProcessors: [{ name: 'Stripe', purpose: 'Payments', location: 'EU' }],
      retentionSchedule: [{ dataCategory: 'BUSINESS_PROFILES', description: 'Profiles', limits: [{ trigger: 'LAST_UPDATE', months: 60 }] }],
      workspaceNames: new Map([['w1', 'Acme Sales']]),
    });
    expect(document.purposes).toEqual(['B2B prospecting', 'Providing the service']);
    expect(document.sources).toEqual(['Provided by you', 'Public web']);
    expect(document.recipients).toEqual([{ service: 'contacts', workspaceId: 'w1', workspaceName: 'Acme Sales', userId: 'u1', fields: ['PRO_EMAIL'], receivedAt: '2026-11-01T00:00:00.000Z' }]);
    expect(document.data.map((record) => record.service)).toEqual(['contacts', 'accounts']);
    expect(document.retainedUnderLegalObligation).toEqual([{ service: 'billing', dataCategory: 'ACCOUNTING', legalBasis: 'Legal obligation', keptUntil: '2037-12-31T00:00:00.000Z' }]);
    expect(document.subProcessors[0]?.name).toBe('Stripe');
  });
});
