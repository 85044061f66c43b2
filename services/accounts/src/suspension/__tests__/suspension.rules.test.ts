import { DAY_MS } from '@leadgraph/platform';
import { REGULARISATION_PERIOD_DAYS, regularisationDeadline, suspendAccountInputSchema, suspensionProblem } from '../suspension.rules';

const support = { userId: 'support', staffRoles: ['SUPPORT' as const] };
const superAdmin = { userId: 'admin', staffRoles: ['SUPER_ADMIN' as const] };
const customer = { _id: 'u1', status: 'ACTIVE' as const, staffRoles: [] };

describe('suspension rules (ACC-07)', () => {
  it('[ACC-07] the account must be regularised within 7 days of the suspension', () => {
    const suspendedAt = new Date('2026-11-23T09:00:00.000Z');
    expect(REGULARISATION_PERIOD_DAYS).toBe(7);
    expect(regularisationDeadline(suspendedAt).getTime() - suspendedAt.getTime()).toBe(7 * DAY_MS);
  });

  it('[ACC-07] a suspension states its reason', () => {
    expect(suspendAccountInputSchema.safeParse({ userId: 'u1', reason: '  ' }).error?.issues[0]?.path).toEqual(['reason']);
    expect(suspendAccountInputSchema.parse({ userId: 'u1', reason: ' Scraping beyond fair use ' }).reason).toBe('Scraping beyond fair use');
  });

  it('[ACC-07] staff suspend active accounts only, once', () => {
    expect(suspensionProblem(support, customer)).toBeNull();
    expect(suspensionProblem(support, { ...customer, status: 'SUSPENDED' })?.code).toBe('CONFLICT');
    expect(suspensionProblem(support, { ...customer, status: 'PENDING_VERIFICATION' })?.code).toBe('BAD_USER_INPUT');
  });

  it('nobody suspends themself, and only a super admin suspends a staff member', () => {
    expect(suspensionProblem(support, { _id: 'support', status: 'ACTIVE', staffRoles: ['SUPPORT'] })?.code).toBe('BAD_USER_INPUT');
    expect(suspensionProblem(support, { _id: 'other', status: 'ACTIVE', staffRoles: ['BILLING_ADMIN'] })?.code).toBe('FORBIDDEN');
    expect(suspensionProblem(superAdmin, { _id: 'other', status: 'ACTIVE', staffRoles: ['BILLING_ADMIN'] })).toBeNull();
  });
});
