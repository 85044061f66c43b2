import { rpcContracts } from '@leadgraph/events';
import { DAY_MS, DomainError, MINUTE_MS, callRpc } from '@leadgraph/platform';
import { eventually, testLogger, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { accountDeletionModel, type AccountDeletionModel } from '../src/account-deletion/account-deletion.model';
import { ActivityLog } from '../src/activity/activity.service';
import { activityEntryModel } from '../src/activity/activity.model';
import { apiTokenModel } from '../src/api-tokens/api-token.model';
import { invitationModel } from '../src/invitations/invitation.model';
import { sessionModel } from '../src/sessions/session.model';
import { DeletedEmailRegistry } from '../src/users/deleted-email.registry';
import type { UserDocument } from '../src/users/user.model';
import { WorkspaceService } from '../src/workspaces/workspace.service';
import {
  INVITE,
  createActiveUser,
  createWorkspace,
  errorCodeOf,
  expectEvents,
  inviteAndJoin,
  publishedEvents,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const REQUEST = `mutation { requestAccountDeletion { codeExpiresAt } }`;
const CONFIRM = `mutation ($code: String!) { confirmAccountDeletion(input: { code: $code }) { deletedAt deletedWorkspaceId leftWorkspaceId } }`;
const CREATE_TOKEN = `mutation { createApiToken(input: { name: "sync", scopes: ["contacts:read"] }) { secret token { id } } }`;

describe('account deletion', () => {
  let accounts: AccountsUnderTest;
  let deletions: AccountDeletionModel;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
    deletions = accountDeletionModel(accounts.service.infra.connection);
  });
  afterAll(async () => {
    await accounts.stop();
  });

  /** Asks for the deletion and returns the code from the mail. */
  async function requestCode(user: UserDocument, target: AccountsUnderTest = accounts): Promise<string> {
    const before = (await testMailbox().list(user.email ?? '')).length;
    const answer = await target.as(user._id, REQUEST);
    expect(answer.errors).toBeUndefined();
    const mail = await eventually(async () => {
      const mails = await testMailbox().list(user.email ?? '');
      const latest = mails.at(-1);
      if (mails.length === before || !latest) throw new Error('no deletion mail yet');
      return latest;
    });
    expect(mail.subject).toMatch(/Confirm the deletion/);
    const code = /code: (\d{6})/.exec(mail.text)?.[1];
    if (!code) throw new Error(`no code in ${mail.text}`);
    return code;
  }

  async function openSession(userId: string): Promise<string> {
    const sessionId = uniqueName('session');
    const now = accounts.clock.now();
    await sessionModel(accounts.service.infra.connection).create({
      _id: sessionId,
      userId,
      refreshTokenHash: uniqueName('hash'),
      retiredRefreshTokenHashes: [],
      credentialsVersion: 0,
      createdAt: now,
      lastRefreshedAt: now,
      expiresAt: new Date(now.getTime() + 30 * DAY_MS),
      revokedAt: null,
      revokedReason: null,
      clientIp: null,
    });
    return sessionId;
  }

  async function resolveSession(userId: string, sessionId: string): Promise<string> {
    return callRpc(accounts.service.infra.bus, rpcContracts.resolveSession.subject, { userId, sessionId }, rpcContracts.resolveSession.response).then(
      (resolved) => resolved.userId,
      (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
    );
  }

  function registry(): DeletedEmailRegistry {
    return new DeletedEmailRegistry(accounts.service.infra.connection, {
      secret: accounts.config.IDENTIFIER_HASH_KEY,
      version: accounts.config.IDENTIFIER_HASH_KEY_VERSION,
    });
  }

  it('[ACC-06][ACC-02] a member is withdrawn; the account becomes a scrubbed tombstone; sessions and tokens die; the e-mail can never register again (ACC-02)', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Stays');
    const member = await createActiveUser(accounts, { linkedInProfileUrl: `linkedin.com/in/${uniqueName('p')}`, linkedInLinkedAt: accounts.clock.now() });
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    const token = await accounts.as<{ createApiToken: { secret: string; token: { id: string } } }>(member._id, CREATE_TOKEN);
    const sessionId = await openSession(member._id);
    expect(await resolveSession(member._id, sessionId)).toBe(member._id);

    const code = await requestCode(member);
    // Before the code is confirmed nothing happens.
    const wrong = await accounts.as(member._id, CONFIRM, { code: code === '000000' ? '111111' : '000000' });
    expect(errorCodeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(wrong.errors?.[0]?.extensions?.field).toBe('code');
    expect(await accounts.users.findById(member._id).lean()).toMatchObject({ status: 'ACTIVE', workspaceId });

    const confirmed = await accounts.as<{ confirmAccountDeletion: Record<string, unknown> }>(member._id, CONFIRM, { code });
    expect(confirmed.errors).toBeUndefined();
    const deletedAt = accounts.clock.now().toISOString();
    expect(confirmed.data?.confirmAccountDeletion).toEqual({ deletedAt, deletedWorkspaceId: null, leftWorkspaceId: workspaceId });

    const tombstone = await accounts.users.findById(member._id).lean();
    // Unique sparse fields are stored absent rather than null (see the user model).
    expect(tombstone?.email ?? null).toBeNull();
    expect(tombstone?.linkedInProfileUrl ?? null).toBeNull();
    expect(tombstone).toMatchObject({
      status: 'DELETED',
      displayName: null,
      passwordHash: null,
      workspaceId: null,
      workspaceRole: null,
      credentialsVersion: 1,
    });
    expect(await registry().isDeleted(member.email ?? '')).toBe(true);
    // The address survives nowhere else: the invitation it was accepted through is gone too.
    expect(await invitationModel(accounts.service.infra.connection).find({ email: member.email }).lean()).toHaveLength(0);
    expect(await resolveSession(member._id, sessionId)).toBe('UNAUTHENTICATED');
    expect(await sessionModel(accounts.service.infra.connection).findById(sessionId).lean()).toMatchObject({ revokedReason: 'ACCOUNT_DELETED' });
    expect((await apiTokenModel(accounts.service.infra.connection).findById(token.data?.createApiToken.token.id).lean())?.revokedAt).not.toBeNull();

    const [removed] = await expectEvents(accounts.service, 'MemberRemoved', (data) => data.userId === member._id);
    expect(removed?.data).toEqual({ workspaceId, userId: member._id, reason: 'ACCOUNT_DELETED', removedAt: deletedAt });
    const [deleted] = await expectEvents(accounts.service, 'AccountDeleted', (data) => data.userId === member._id);
    expect(deleted?.data).toEqual({ userId: member._id, deletedAt, deletedWorkspaceId: null, leftWorkspaceId: workspaceId });
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'ACTIVE' });
    expect(await publishedEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId)).toHaveLength(0);
  });

  it('[ACC-06] deleting the only administrator deletes the workspace for everyone; members are detached but keep their accounts', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Goes away');
    const member = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    const memberToken = await accounts.as<{ createApiToken: { token: { id: string } } }>(member._id, CREATE_TOKEN);
    const pendingInvitee = await createActiveUser(accounts);
    await accounts.as(admin._id, INVITE, { email: pendingInvitee.email, role: 'MEMBER' });

    const code = await requestCode(admin);
    const confirmed = await accounts.as<{ confirmAccountDeletion: Record<string, unknown> }>(admin._id, CONFIRM, { code });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data?.confirmAccountDeletion).toMatchObject({ deletedWorkspaceId: workspaceId, leftWorkspaceId: null });

    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({
      status: 'DELETED',
      deletionReason: 'SOLE_ADMIN_ACCOUNT_DELETED',
      name: null,
    });
    // Reads already treat the member as workspace-less, before the follow-up ran.
    const mine = await accounts.as<{ myWorkspace: unknown }>(member._id, `query { myWorkspace { id } }`);
    expect(mine.data?.myWorkspace).toBeNull();

    const [workspaceDeleted] = await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId);
    expect(workspaceDeleted?.data.reason).toBe('SOLE_ADMIN_ACCOUNT_DELETED');
    expect([...(workspaceDeleted?.data.formerMemberUserIds ?? [])].sort()).toEqual([admin._id, member._id].sort());
    const [accountDeleted] = await expectEvents(accounts.service, 'AccountDeleted', (data) => data.userId === admin._id);
    expect(accountDeleted?.data).toMatchObject({ deletedWorkspaceId: workspaceId, leftWorkspaceId: null });
    expect(await publishedEvents(accounts.service, 'MemberRemoved', (data) => data.workspaceId === workspaceId)).toHaveLength(0);

    // The follow-up (accounts consuming its own WorkspaceDeleted) detaches, revokes and purges.
    await eventually(async () => {
      expect(await accounts.users.findById(member._id).lean()).toMatchObject({ status: 'ACTIVE', workspaceId: null, workspaceRole: null });
    });
    const connection = accounts.service.infra.connection;
    await eventually(async () => {
      expect((await apiTokenModel(connection).findById(memberToken.data?.createApiToken.token.id).lean())?.revokedAt).not.toBeNull();
      expect(await invitationModel(connection).find({ workspaceId, status: 'PENDING' }).lean()).toHaveLength(0);
      expect(await activityEntryModel(connection).find({ workspaceId }).lean()).toHaveLength(0);
    });
    // The former member can start over.
    expect(await createWorkspace(accounts, member._id, 'Fresh start')).toEqual(expect.any(String));
  });

  it('[ACC-06] an administrator among several is simply withdrawn; the workspace stays', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Two admins');
    const otherAdmin = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, otherAdmin, 'ADMIN');

    const code = await requestCode(admin);
    const confirmed = await accounts.as<{ confirmAccountDeletion: Record<string, unknown> }>(admin._id, CONFIRM, { code });
    expect(confirmed.data?.confirmAccountDeletion).toMatchObject({ deletedWorkspaceId: null, leftWorkspaceId: workspaceId });
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'ACTIVE' });
    expect(await accounts.users.findById(otherAdmin._id).lean()).toMatchObject({ workspaceId, workspaceRole: 'ADMIN' });
    await expectEvents(accounts.service, 'MemberRemoved', (data) => data.userId === admin._id && data.reason === 'ACCOUNT_DELETED');
    const activity = await accounts.as<{ myWorkspace: { activity: { edges: Array<{ node: { action: string; targetId: string } }> } } }>(
      otherAdmin._id,
      `query { myWorkspace { activity(first: 1) { edges { node { action targetId } } } } }`,
    );
    expect(activity.data?.myWorkspace.activity.edges[0]?.node).toEqual({ action: 'MEMBER_ACCOUNT_DELETED', targetId: admin._id });
  });

  it('[ACC-06] codes expire, attempts are limited and requests are throttled; a refused code deletes nothing', async () => {
    const user = await createActiveUser(accounts);
    const code = await requestCode(user);
    const again = await accounts.as(user._id, REQUEST);
    expect(errorCodeOf(again)).toBe('RATE_LIMITED');

    for (let attempt = 0; attempt < 5; attempt += 1) {
      const wrong = await accounts.as(user._id, CONFIRM, { code: code === '999999' ? '888888' : '999999' });
      expect(errorCodeOf(wrong)).toBe('BAD_USER_INPUT');
    }
    // Attempts exhausted: even the right code is refused with the same answer.
    const exhausted = await accounts.as(user._id, CONFIRM, { code });
    expect(exhausted.errors?.[0]?.message).toBe('code: this code is invalid or has expired; ask for a new one');

    accounts.clock.advance(MINUTE_MS);
    const fresh = await requestCode(user);
    accounts.clock.advance(16 * MINUTE_MS);
    expect(errorCodeOf(await accounts.as(user._id, CONFIRM, { code: fresh }))).toBe('BAD_USER_INPUT');
    expect(errorCodeOf(await accounts.as(user._id, CONFIRM, { code: 'abc' }))).toBe('BAD_USER_INPUT');
    expect(await accounts.users.findById(user._id).lean()).toMatchObject({ status: 'ACTIVE', email: user.email });
    expect(await publishedEvents(accounts.service, 'AccountDeleted', (data) => data.userId === user._id)).toHaveLength(0);
    // The code itself is never stored.
    expect(JSON.stringify(await deletions.findById(user._id).lean())).not.toContain(fresh);
  });

  it('[ACC-06] a confirmation interrupted after the workspace step is finished by retrying it, without doing anything twice', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Interrupted');
    const code = await requestCode(admin);
    // The crash: confirmed, decision stored, workspace deleted; the account itself untouched.
    const confirmedAt = accounts.clock.now();
    await deletions.updateOne(
      { _id: admin._id },
      { $set: { status: 'CONFIRMED', confirmedAt, outcome: { deletedWorkspaceId: workspaceId, leftWorkspaceId: null } } },
    );
    const connection = accounts.service.infra.connection;
    const workspaceService = new WorkspaceService(
      accounts.users,
      accounts.workspaces,
      new ActivityLog(activityEntryModel(connection), accounts.clock, testLogger()),
      accounts.clock,
      testLogger(),
    );
    expect(await workspaceService.deleteWorkspace(workspaceId, 'SOLE_ADMIN_ACCOUNT_DELETED', confirmedAt)).toBe(true);
    expect(await accounts.users.findById(admin._id).lean()).toMatchObject({ status: 'ACTIVE' });

    accounts.clock.advance(5000);
    const retried = await accounts.as<{ confirmAccountDeletion: Record<string, unknown> }>(admin._id, CONFIRM, { code });
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.confirmAccountDeletion).toEqual({ deletedAt: confirmedAt.toISOString(), deletedWorkspaceId: workspaceId, leftWorkspaceId: null });
    expect(await accounts.users.findById(admin._id).lean()).toMatchObject({ status: 'DELETED', displayName: null });
    expect(await deletions.findById(admin._id).lean()).toMatchObject({ status: 'COMPLETED', codeHash: null });
    await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId, 1);
    await expectEvents(accounts.service, 'AccountDeleted', (data) => data.userId === admin._id, 1);
  });
});

describe('account deletion: recovery after a crash', () => {
  it('[ACC-06] a deletion confirmed just before the service crashed is completed by the recovery job on restart', async () => {
    const first = await startAccountsUnderTest();
    let restarted: AccountsUnderTest | null = null;
    try {
      const admin = await createActiveUser(first);
      const workspaceId = await createWorkspace(first, admin._id, 'Crashed');
      const member = await createActiveUser(first);
      await inviteAndJoin(first, admin._id, member, 'MEMBER');
      const deletions = accountDeletionModel(first.service.infra.connection);
      // The point of no return was written, then the process died.
      await first.as(admin._id, REQUEST);
      await deletions.updateOne({ _id: admin._id }, { $set: { status: 'CONFIRMED', confirmedAt: first.clock.now() } });
      await first.stopServiceOnly();

      restarted = await startAccountsUnderTest({ clock: first.clock, config: first.config });
      const users = restarted.users;
      const restartedDeletions = accountDeletionModel(restarted.service.infra.connection);
      await eventually(async () => {
        expect(await restartedDeletions.findById(admin._id).lean()).toMatchObject({ status: 'COMPLETED' });
      }, 15_000);
      expect(await users.findById(admin._id).lean()).toMatchObject({ status: 'DELETED', displayName: null });
      expect(await restarted.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'DELETED' });
      const service = restarted.service;
      await expectEvents(service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId, 1);
      await expectEvents(service, 'AccountDeleted', (data) => data.userId === admin._id && data.deletedWorkspaceId === workspaceId, 1);
      await eventually(async () => {
        expect(await users.findById(member._id).lean()).toMatchObject({ status: 'ACTIVE', workspaceId: null });
      });
    } finally {
      await restarted?.stop();
      await first.stop();
    }
  });
});
