import { rpcContracts } from '@leadgraph/events';
import { DomainError, MINUTE_MS, callRpc, verifyAccessToken } from '@leadgraph/platform';
import { eventually, testMailbox } from '@leadgraph/platform/src/testing';
import { sessionModel, type SessionDocument } from '../src/sessions/session.model';
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

const REFRESH = `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { ${SESSION_FIELDS} } }`;
const LOGOUT = `mutation { logout }`;
const CHANGE_PASSWORD = `mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) }`;
const ME = `{ me { id email status } }`;

describe('identity: sessions (login, refresh rotation, logout, password change, resolveSession)', () => {
  let h: IdentityTestService;

  beforeAll(async () => {
    h = await startIdentityService();
  });
  afterAll(async () => {
    await h.stop();
  });

  async function resolveSession(session: Pick<SessionTokens, 'userId' | 'sessionId'>) {
    return callRpc(h.bus, rpcContracts.resolveSession.subject, session, rpcContracts.resolveSession.response);
  }

  async function resolveSessionError(session: Pick<SessionTokens, 'userId' | 'sessionId'>): Promise<DomainError> {
    try {
      await resolveSession(session);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('resolveSession accepted the session');
  }

  async function login(email: string, password = STRONG_PASSWORD) {
    return h.call<{ login: SessionTokens }>(LOGIN, { input: { email, password } });
  }

  it('[ACC-01] verifying the e-mail signs the user in, publishes AccountCreated and the session resolves for the gateway', async () => {
    const user = await signUpAndVerify(h);
    const claims = await verifyAccessToken(user.accessToken, h.config.ACCESS_TOKEN_SECRET, h.clock.now());
    expect(claims).toEqual({ userId: user.userId, sessionId: user.sessionId });

    expect(await resolveSession(user)).toEqual({
      userId: user.userId,
      sessionId: user.sessionId,
      workspaceId: null,
      workspaceRole: null,
      staffRoles: [],
      scopes: ['contacts:read', 'contacts:reveal', 'contacts:export', 'billing:read'],
    });
    const me = await h.call<{ me: { id: string; email: string; status: string } }>(ME, {}, await callerOf(h, user));
    expect(me.data?.me).toEqual({ id: user.userId, email: user.email, status: 'ACTIVE' });

    await eventually(async () => {
      const created = (await eventsOf(h.bus, 'AccountCreated')).filter((event) => event.data.userId === user.userId);
      expect(created).toHaveLength(1);
      expect(created[0]?.data).toMatchObject({ language: 'en', termsVersion: '1.0' });
    });
  });

  it('logs in with e-mail and password (any case) and opens a new session', async () => {
    const user = await signUpAndVerify(h);
    const answer = await login(user.email.toUpperCase());
    const session = answer.data?.login;
    expect(answer.errors).toBeUndefined();
    expect(session?.userId).toBe(user.userId);
    expect(session?.sessionId).not.toBe(user.sessionId);
    expect((await resolveSession(session!)).userId).toBe(user.userId);
    const stored = await sessionModel(h.service.infra.connection).findById(session!.sessionId).lean<SessionDocument>();
    // Only a hash of the refresh token is stored.
    expect(stored?.refreshTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(session!.refreshToken.split('.')[1]);
  });

  it('answers an unknown e-mail and a wrong password with the same generic UNAUTHENTICATED error', async () => {
    const user = await signUpAndVerify(h);
    const unknown = await login(businessEmail('nobody'));
    const wrong = await login(user.email, 'not the right password at all');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
    expect(unknown.data).toBeNull();
  });

  it('rate-limits failed logins per e-mail and IP with RATE_LIMITED and retryAfterSeconds', async () => {
    const user = await signUpAndVerify(h);
    for (let attempt = 0; attempt < h.config.LOGIN_MAX_FAILURES; attempt += 1) {
      expect((await login(user.email, 'wrong password number x')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const blocked = await login(user.email);
    expect(blocked.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(blocked.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(blocked.data).toBeNull();
  });

  it('rotates the refresh token: the new one works, the session stays the same', async () => {
    const user = await signUpAndVerify(h);
    const refreshed = await h.call<{ refreshSession: SessionTokens }>(REFRESH, { token: user.refreshToken });
    const next = refreshed.data?.refreshSession;
    expect(refreshed.errors).toBeUndefined();
    expect(next?.sessionId).toBe(user.sessionId);
    expect(next?.refreshToken).not.toBe(user.refreshToken);
    const again = await h.call<{ refreshSession: SessionTokens }>(REFRESH, { token: next!.refreshToken });
    expect(again.data?.refreshSession.sessionId).toBe(user.sessionId);
  });

  it('reusing a rotated-out refresh token revokes the whole session family', async () => {
    const user = await signUpAndVerify(h);
    const rotated = (await h.call<{ refreshSession: SessionTokens }>(REFRESH, { token: user.refreshToken })).data!.refreshSession;

    const replay = await h.call(REFRESH, { token: user.refreshToken });
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The legitimate, latest token is dead too, and so is the session for the gateway.
    const latest = await h.call(REFRESH, { token: rotated.refreshToken });
    expect(latest.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await resolveSessionError(user)).code).toBe('UNAUTHENTICATED');
    const stored = await sessionModel(h.service.infra.connection).findById(user.sessionId).lean<SessionDocument>();
    expect(stored?.revokedReason).toBe('REFRESH_TOKEN_REUSE');
  });

  it('refuses malformed, forged and expired refresh tokens', async () => {
    const user = await signUpAndVerify(h);
    const malformed = await h.call(REFRESH, { token: 'not-a-token' });
    const forged = await h.call(REFRESH, { token: `${user.sessionId}.${'A'.repeat(43)}` });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A forged token does not end the real session.
    expect((await resolveSession(user)).sessionId).toBe(user.sessionId);

    h.clock.advance((h.config.REFRESH_TOKEN_TTL_DAYS + 1) * 24 * 60 * MINUTE_MS);
    try {
      const expired = await h.call(REFRESH, { token: user.refreshToken });
      expect(expired.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await resolveSessionError(user)).code).toBe('UNAUTHENTICATED');
    } finally {
      h.clock.set('2026-11-23T09:00:00.000Z');
    }
  });

  it('logout revokes the current session only', async () => {
    const user = await signUpAndVerify(h);
    const other = (await login(user.email)).data!.login;
    const answer = await h.call<{ logout: boolean }>(LOGOUT, {}, await callerOf(h, user));
    expect(answer.data?.logout).toBe(true);
    expect((await resolveSessionError(user)).code).toBe('UNAUTHENTICATED');
    expect((await h.call(REFRESH, { token: user.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await resolveSession(other)).sessionId).toBe(other.sessionId);
  });

  it('resolveSession refuses a session that does not belong to the claimed user', async () => {
    const alice = await signUpAndVerify(h);
    const bob = await signUpAndVerify(h);
    expect((await resolveSessionError({ userId: bob.userId, sessionId: alice.sessionId })).code).toBe('UNAUTHENTICATED');
    expect((await resolveSessionError({ userId: alice.userId, sessionId: 'no-such-session' })).code).toBe('UNAUTHENTICATED');
  });

  it('[ACC-03] changing the password needs the current one, stores an argon2id hash and revokes every other session', async () => {
    const user = await signUpAndVerify(h);
    const other = (await login(user.email)).data!.login;
    const caller = await callerOf(h, user);

    const wrongCurrent = await h.call(CHANGE_PASSWORD, { input: { currentPassword: 'wrong wrong wrong', newPassword: 'a brand new passphrase' } }, caller);
    expect(wrongCurrent.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    const weak = await h.call(CHANGE_PASSWORD, { input: { currentPassword: STRONG_PASSWORD, newPassword: 'short' } }, caller);
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    // Refused attempts changed nothing: the other session still lives.
    expect((await resolveSession(other)).sessionId).toBe(other.sessionId);

    const changed = await h.call<{ changePassword: boolean }>(
      CHANGE_PASSWORD,
      { input: { currentPassword: STRONG_PASSWORD, newPassword: 'a brand new passphrase' } },
      caller,
    );
    expect(changed.data?.changePassword).toBe(true);
    const stored = await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>();
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);

    expect((await resolveSession(user)).sessionId).toBe(user.sessionId);
    expect((await resolveSessionError(other)).code).toBe('UNAUTHENTICATED');
    expect((await h.call(REFRESH, { token: other.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(user.email)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(user.email, 'a brand new passphrase')).data?.login.userId).toBe(user.userId);
    await testMailbox().waitFor(user.email, /password was changed/);
  });
});
