import { rpcContracts } from '@leadgraph/events';
import { DAY_MS, DomainError, callRpc, type UserCaller } from '@leadgraph/platform';
import { eventually, testMailbox } from '@leadgraph/platform/src/testing';
import { userModel, type UserDocument } from '../src/users/user.model';
import {
  LOGIN,
  SESSION_FIELDS,
  STRONG_PASSWORD,
  businessEmail,
  callerOf,
  eventsOf,
  signUpAndVerify,
  startIdentityService,
  type IdentityTestService,
  type SessionTokens,
} from './identity-harness';

const GRANT = `mutation Grant($input: StaffRoleInput!) { grantStaffRole(input: $input) { id staffRoles } }`;
const REVOKE = `mutation Revoke($input: StaffRoleInput!) { revokeStaffRole(input: $input) { id staffRoles } }`;
const AUDIT = `query Audit($first: Int, $after: String) {
  staffAuditLog(first: $first, after: $after) { entries { id action role targetUserId actorUserId at } endCursor hasNextPage }
}`;
const SUSPEND = `mutation Suspend($input: SuspendAccountInput!) {
  suspendAccount(input: $input) { id status suspension { reason suspendedAt regulariseBy } }
}`;
const LIFT = `mutation Lift($userId: ID!) { liftSuspension(userId: $userId) { id status suspension { reason } } }`;
const REFRESH = `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { ${SESSION_FIELDS} } }`;

interface AuditEntry {
  id: string;
  action: string;
  role: string;
  targetUserId: string;
  actorUserId: string | null;
  at: string;
}

describe('identity: staff roles, audit log (super admins) and suspension (ACC-07)', () => {
  let h: IdentityTestService;
  const bootstrapEmail = businessEmail('ops');
  let superAdmin: SessionTokens & { email: string };
  let superAdminCaller: UserCaller;

  beforeAll(async () => {
    h = await startIdentityService({ BOOTSTRAP_SUPER_ADMIN_EMAIL: bootstrapEmail.toUpperCase() });
    superAdmin = await signUpAndVerify(h, { email: bootstrapEmail });
    superAdminCaller = await callerOf(h, superAdmin);
  });
  afterAll(async () => {
    await h.stop();
  });

  async function grant(caller: UserCaller, userId: string, role: string) {
    return h.call<{ grantStaffRole: { id: string; staffRoles: string[] } }>(GRANT, { input: { userId, role } }, caller);
  }

  async function auditEntriesFor(userId: string): Promise<AuditEntry[]> {
    const answer = await h.call<{ staffAuditLog: { entries: AuditEntry[] } }>(AUDIT, { first: 100 }, superAdminCaller);
    return answer.data!.staffAuditLog.entries.filter((entry) => entry.targetUserId === userId);
  }

  async function resolveSessionCode(session: Pick<SessionTokens, 'userId' | 'sessionId'>): Promise<string | null> {
    try {
      await callRpc(h.bus, rpcContracts.resolveSession.subject, session, rpcContracts.resolveSession.response);
      return null;
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
  }

  it('the bootstrap address becomes SUPER_ADMIN when it verifies, and the audit log says so', async () => {
    expect(superAdminCaller.staffRoles).toEqual(['SUPER_ADMIN']);
    expect(await auditEntriesFor(superAdmin.userId)).toEqual([
      expect.objectContaining({ action: 'GRANT', role: 'SUPER_ADMIN', actorUserId: null }),
    ]);
    const other = await signUpAndVerify(h);
    expect((await callerOf(h, other)).staffRoles).toEqual([]);
  });

  it('a super admin grants and revokes staff roles; they apply at once and every change is in the append-only audit log', async () => {
    const agent = await signUpAndVerify(h);
    const granted = await grant(superAdminCaller, agent.userId, 'SUPPORT');
    expect(granted.data?.grantStaffRole.staffRoles).toEqual(['SUPPORT']);
    expect((await callerOf(h, agent)).staffRoles).toEqual(['SUPPORT']);
    // Granting again changes nothing and is not audited twice.
    await grant(superAdminCaller, agent.userId, 'SUPPORT');

    h.clock.advance(1000);
    const revoked = await h.call<{ revokeStaffRole: { staffRoles: string[] } }>(
      REVOKE,
      { input: { userId: agent.userId, role: 'SUPPORT' } },
      superAdminCaller,
    );
    expect(revoked.data?.revokeStaffRole.staffRoles).toEqual([]);
    expect((await callerOf(h, agent)).staffRoles).toEqual([]);

    const entries = await auditEntriesFor(agent.userId);
    expect(entries.map((entry) => [entry.action, entry.role, entry.actorUserId])).toEqual([
      ['REVOKE', 'SUPPORT', superAdmin.userId],
      ['GRANT', 'SUPPORT', superAdmin.userId],
    ]);
    const stored = await userModel(h.service.infra.connection).findById(agent.userId).lean<UserDocument>();
    expect(stored?.pendingStaffAudit).toEqual([]);
  });

  it('only super admins grant roles and read the audit log', async () => {
    const agent = await signUpAndVerify(h);
    const target = await signUpAndVerify(h);
    await grant(superAdminCaller, agent.userId, 'SUPPORT');
    const supportCaller = await callerOf(h, agent);

    const refused = await grant(supportCaller, target.userId, 'BILLING_ADMIN');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await callerOf(h, target)).staffRoles).toEqual([]);
    expect((await h.call(AUDIT, {}, supportCaller)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.call(AUDIT, {}, await callerOf(h, target))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a super admin cannot revoke their own SUPER_ADMIN role; unknown roles and users are refused', async () => {
    const self = await h.call(REVOKE, { input: { userId: superAdmin.userId, role: 'SUPER_ADMIN' } }, superAdminCaller);
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'role' });
    expect((await callerOf(h, superAdmin)).staffRoles).toEqual(['SUPER_ADMIN']);
    expect((await grant(superAdminCaller, 'no-such-user', 'SUPPORT')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await grant(superAdminCaller, superAdmin.userId, 'GOD')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the audit log pages newest first with an opaque cursor', async () => {
    const target = await signUpAndVerify(h);
    for (const role of ['SUPPORT', 'BILLING_ADMIN', 'PRIVACY_OFFICER']) {
      h.clock.advance(1000);
      await grant(superAdminCaller, target.userId, role);
    }
    const first = await h.call<{ staffAuditLog: { entries: AuditEntry[]; endCursor: string; hasNextPage: boolean } }>(
      AUDIT,
      { first: 2 },
      superAdminCaller,
    );
    expect(first.data?.staffAuditLog.entries.map((entry) => entry.role)).toEqual(['PRIVACY_OFFICER', 'BILLING_ADMIN']);
    expect(first.data?.staffAuditLog.hasNextPage).toBe(true);
    const next = await h.call<{ staffAuditLog: { entries: AuditEntry[] } }>(
      AUDIT,
      { first: 1, after: first.data?.staffAuditLog.endCursor },
      superAdminCaller,
    );
    expect(next.data?.staffAuditLog.entries.map((entry) => entry.role)).toEqual(['SUPPORT']);
    expect((await h.call(AUDIT, { first: 500 }, superAdminCaller)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  describe('suspension (ACC-07)', () => {
    let supportCaller: UserCaller;

    beforeAll(async () => {
      const agent = await signUpAndVerify(h);
      await grant(superAdminCaller, agent.userId, 'SUPPORT');
      supportCaller = await callerOf(h, agent);
    });

    it('[ACC-07] support suspends with a stated reason: sessions end, the user is told, AccountSuspended carries the 7-day deadline', async () => {
      const user = await signUpAndVerify(h);
      const reason = 'Automated scraping of the contact database';
      const suspended = await h.call<{ suspendAccount: { status: string; suspension: Record<string, string> } }>(
        SUSPEND,
        { input: { userId: user.userId, reason } },
        supportCaller,
      );
      const regulariseBy = new Date(h.clock.now().getTime() + 7 * DAY_MS).toISOString();
      expect(suspended.data?.suspendAccount).toEqual({
        id: user.userId,
        status: 'SUSPENDED',
        suspension: { reason, suspendedAt: h.clock.now().toISOString(), regulariseBy },
      });

      expect(await resolveSessionCode(user)).toBe('UNAUTHENTICATED');
      expect((await h.call(REFRESH, { token: user.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const mail = await testMailbox().waitFor(user.email, /suspended/);
      expect(mail.text).toContain(reason);
      await eventually(async () => {
        const events = (await eventsOf(h.bus, 'AccountSuspended')).filter((event) => event.data.userId === user.userId);
        expect(events).toHaveLength(1);
        expect(events[0]?.data).toEqual({ userId: user.userId, reason, suspendedAt: h.clock.now().toISOString(), regulariseBy });
      });
    });

    it('[ACC-07] a suspended account cannot log in: FORBIDDEN only after the right password, generic otherwise', async () => {
      const user = await signUpAndVerify(h);
      await h.call(SUSPEND, { input: { userId: user.userId, reason: 'Breach of the acceptable use policy' } }, supportCaller);

      const right = await h.call(LOGIN, { input: { email: user.email, password: STRONG_PASSWORD } });
      expect(right.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(right.errors?.[0]?.message).toMatch(/suspended/i);
      expect(right.data).toBeNull();
      const wrong = await h.call(LOGIN, { input: { email: user.email, password: 'not the password at all' } });
      expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(wrong.errors?.[0]?.message).not.toMatch(/suspended/i);
    });

    it('[ACC-07] lifting the suspension reactivates the account and publishes AccountReinstated', async () => {
      const user = await signUpAndVerify(h);
      await h.call(SUSPEND, { input: { userId: user.userId, reason: 'Unpaid invoices and abusive usage' } }, supportCaller);
      h.clock.advance(DAY_MS);

      const lifted = await h.call<{ liftSuspension: { status: string; suspension: null } }>(LIFT, { userId: user.userId }, supportCaller);
      expect(lifted.data?.liftSuspension).toEqual({ id: user.userId, status: 'ACTIVE', suspension: null });
      const login = await h.call<{ login: SessionTokens }>(LOGIN, { input: { email: user.email, password: STRONG_PASSWORD } });
      expect(await resolveSessionCode(login.data!.login)).toBeNull();
      // The old sessions stay revoked.
      expect(await resolveSessionCode(user)).toBe('UNAUTHENTICATED');

      const stored = await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>();
      expect(stored?.suspensionHistory).toEqual([
        expect.objectContaining({ reason: 'Unpaid invoices and abusive usage', liftedAt: h.clock.now(), liftedByUserId: supportCaller.userId }),
      ]);
      await eventually(async () => {
        const events = (await eventsOf(h.bus, 'AccountReinstated')).filter((event) => event.data.userId === user.userId);
        expect(events.map((event) => event.data.reinstatedAt)).toEqual([h.clock.now().toISOString()]);
      });
      expect((await h.call(LIFT, { userId: user.userId }, supportCaller)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    });

    it('[ACC-07] a suspension needs a stated reason and staff rights; nothing is written otherwise', async () => {
      const user = await signUpAndVerify(h);
      const noReason = await h.call(SUSPEND, { input: { userId: user.userId, reason: '  ' } }, supportCaller);
      expect(noReason.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      const byCustomer = await h.call(SUSPEND, { input: { userId: user.userId, reason: 'I just do not like them' } }, await callerOf(h, await signUpAndVerify(h)));
      expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await resolveSessionCode(user)).toBeNull();
      expect((await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>())?.status).toBe('ACTIVE');
    });

    it('[ACC-07] support cannot suspend staff; a super admin can', async () => {
      const colleague = await signUpAndVerify(h);
      await grant(superAdminCaller, colleague.userId, 'BILLING_ADMIN');
      const bySupport = await h.call(SUSPEND, { input: { userId: colleague.userId, reason: 'Support overreach attempt' } }, supportCaller);
      expect(bySupport.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byAdmin = await h.call<{ suspendAccount: { status: string } }>(
        SUSPEND,
        { input: { userId: colleague.userId, reason: 'Leaked customer data outside the company' } },
        superAdminCaller,
      );
      expect(byAdmin.data?.suspendAccount.status).toBe('SUSPENDED');
    });
  });
});
