import { createEvent } from '@leadgraph/events';
import { eventually } from '@leadgraph/platform/src/testing';
import { activityEntryModel } from '../src/activity/activity.model';
import type { UserDocument } from '../src/users/user.model';
import {
  createActiveUser,
  createWorkspace,
  errorCodeOf,
  expectEvents,
  inviteAndJoin,
  publishedEvents,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const CHANGE_ROLE = `mutation ($userId: ID!, $role: WorkspaceRole!) { changeMemberRole(input: { userId: $userId, role: $role }) { id role } }`;
const REMOVE = `mutation ($userId: ID!) { removeMember(input: { userId: $userId }) }`;
const LEAVE = `mutation { leaveWorkspace }`;
const RENAME = `mutation ($name: String!) { renameWorkspace(input: { name: $name }) { id name } }`;
const ACTIVITY = `query ($first: Int, $after: String) {
  myWorkspace {
    activity(first: $first, after: $after) {
      edges { cursor node { action actorUserId targetType targetId details { name value } at } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface ActivityAnswer {
  myWorkspace: {
    activity: {
      edges: Array<{ cursor: string; node: { action: string; actorUserId: string | null; targetId: string; details: Array<{ name: string; value: string }> } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

describe('workspaces: roles, removal, leaving, activity log', () => {
  let accounts: AccountsUnderTest;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
  });
  afterAll(async () => {
    await accounts.stop();
  });

  async function team(): Promise<{ admin: UserDocument; member: UserDocument; workspaceId: string }> {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Team');
    const member = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    return { admin, member, workspaceId };
  }

  it('[ACC-05] an administrator changes roles; a member cannot', async () => {
    const { admin, member } = await team();
    expect(errorCodeOf(await accounts.as(member._id, CHANGE_ROLE, { userId: admin._id, role: 'MEMBER' }))).toBe('FORBIDDEN');
    const promoted = await accounts.as<{ changeMemberRole: { id: string; role: string } }>(admin._id, CHANGE_ROLE, { userId: member._id, role: 'ADMIN' });
    expect(promoted.data?.changeMemberRole).toEqual({ id: member._id, role: 'ADMIN' });
    expect(await accounts.users.findById(member._id).lean()).toMatchObject({ workspaceRole: 'ADMIN' });
  });

  it('[ACC-05] a workspace always keeps at least one administrator: the only one cannot be demoted', async () => {
    const { admin, member } = await team();
    const refused = await accounts.as(admin._id, CHANGE_ROLE, { userId: admin._id, role: 'MEMBER' });
    expect(errorCodeOf(refused)).toBe('CONFLICT');
    expect(await accounts.users.findById(admin._id).lean()).toMatchObject({ workspaceRole: 'ADMIN' });
    // With a second administrator, the first may step down.
    await accounts.as(admin._id, CHANGE_ROLE, { userId: member._id, role: 'ADMIN' });
    expect((await accounts.as(admin._id, CHANGE_ROLE, { userId: admin._id, role: 'MEMBER' })).errors).toBeUndefined();
    expect(await accounts.users.findById(admin._id).lean()).toMatchObject({ workspaceRole: 'MEMBER' });
  });

  it('[ACC-05] two administrators demoting each other at the same time still leave one administrator', async () => {
    const { admin, member, workspaceId } = await team();
    await accounts.as(admin._id, CHANGE_ROLE, { userId: member._id, role: 'ADMIN' });
    const answers = await Promise.all([
      accounts.as(admin._id, CHANGE_ROLE, { userId: member._id, role: 'MEMBER' }),
      accounts.as(member._id, CHANGE_ROLE, { userId: admin._id, role: 'MEMBER' }),
    ]);
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(1);
    expect(await accounts.users.find({ workspaceId, workspaceRole: 'ADMIN' }).lean()).toHaveLength(1);
  });

  it('[ACC-05] an administrator removes a member: MemberRemoved (REMOVED_BY_ADMIN), the member keeps their account', async () => {
    const { admin, member, workspaceId } = await team();
    expect(errorCodeOf(await accounts.as(member._id, REMOVE, { userId: admin._id }))).toBe('FORBIDDEN');
    expect(errorCodeOf(await accounts.as(admin._id, REMOVE, { userId: admin._id }))).toBe('CONFLICT');
    const removed = await accounts.as<{ removeMember: boolean }>(admin._id, REMOVE, { userId: member._id });
    expect(removed.data?.removeMember).toBe(true);
    expect(await accounts.users.findById(member._id).lean()).toMatchObject({ status: 'ACTIVE', workspaceId: null, workspaceRole: null });
    const [event] = await expectEvents(accounts.service, 'MemberRemoved', (data) => data.userId === member._id);
    expect(event?.data).toEqual({ workspaceId, userId: member._id, reason: 'REMOVED_BY_ADMIN', removedAt: accounts.clock.now().toISOString() });
    expect(errorCodeOf(await accounts.as(admin._id, REMOVE, { userId: member._id }))).toBe('NOT_FOUND');
  });

  it('[ACC-05] a member leaves (MemberRemoved LEFT); the last administrator cannot leave while others remain', async () => {
    const { admin, member, workspaceId } = await team();
    const refused = await accounts.as(admin._id, LEAVE);
    expect(errorCodeOf(refused)).toBe('CONFLICT');
    expect(await accounts.users.findById(admin._id).lean()).toMatchObject({ workspaceId, workspaceRole: 'ADMIN' });

    expect((await accounts.as(member._id, LEAVE)).data).toEqual({ leaveWorkspace: true });
    expect(await accounts.users.findById(member._id).lean()).toMatchObject({ workspaceId: null });
    const [event] = await expectEvents(accounts.service, 'MemberRemoved', (data) => data.userId === member._id);
    expect(event?.data.reason).toBe('LEFT');
    expect(errorCodeOf(await accounts.as(member._id, LEAVE))).toBe('FORBIDDEN');
    expect(await publishedEvents(accounts.service, 'MemberRemoved', (data) => data.userId === admin._id)).toHaveLength(0);
  });

  it('[ACC-05] only administrators rename; names are validated', async () => {
    const { admin, member, workspaceId } = await team();
    expect(errorCodeOf(await accounts.as(member._id, RENAME, { name: 'Hijacked' }))).toBe('FORBIDDEN');
    const invalid = await accounts.as(admin._id, RENAME, { name: '' });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect((await accounts.as(admin._id, RENAME, { name: 'Renamed' })).data).toEqual({ renameWorkspace: { id: workspaceId, name: 'Renamed' } });
  });

  it('[ACC-05] administrators see who did what, when, newest first, page by page; members are refused', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Audited');
    const member = await createActiveUser(accounts);
    accounts.clock.advance(1000);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    accounts.clock.advance(1000);
    await accounts.as(admin._id, CHANGE_ROLE, { userId: member._id, role: 'ADMIN' });
    accounts.clock.advance(1000);
    await accounts.as(admin._id, CHANGE_ROLE, { userId: member._id, role: 'MEMBER' });
    accounts.clock.advance(1000);
    await accounts.as(admin._id, `mutation { createApiToken(input: { name: "crm", scopes: ["contacts:read"] }) { token { id } } }`);

    const all: Array<{ action: string; actorUserId: string | null; targetId: string; details: Array<{ name: string; value: string }> }> = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: { data: ActivityAnswer | null; errors?: unknown } = await accounts.as<ActivityAnswer>(admin._id, ACTIVITY, { first: 2, after });
      expect(page.errors).toBeUndefined();
      const connection = page.data?.myWorkspace.activity;
      all.push(...(connection?.edges.map((edge) => edge.node) ?? []));
      pages += 1;
      if (!connection?.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(all.map((entry) => entry.action)).toEqual([
      'API_TOKEN_CREATED',
      'MEMBER_ROLE_CHANGED',
      'MEMBER_ROLE_CHANGED',
      'MEMBER_JOINED',
      'MEMBER_INVITED',
      'WORKSPACE_CREATED',
    ]);
    expect(all[1]).toMatchObject({ actorUserId: admin._id, targetId: member._id, details: [{ name: 'from', value: 'ADMIN' }, { name: 'to', value: 'MEMBER' }] });
    expect(all[3]).toMatchObject({ actorUserId: member._id, targetId: member._id });
    expect(await activityEntryModel(accounts.service.infra.connection).find({ workspaceId }).lean()).toHaveLength(6);

    expect(errorCodeOf(await accounts.as(member._id, ACTIVITY, { first: 2 }))).toBe('FORBIDDEN');
    const badCursor = await accounts.as(admin._id, ACTIVITY, { first: 2, after: 'garbage' });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await accounts.as(admin._id, ACTIVITY, { first: 1000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('[ACC-05][CON-05] address-book actions reported by contacts join the workspace activity log, once each', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id);
    const data = {
      activityId: 'contacts-activity-1',
      workspaceId,
      actorUserId: admin._id,
      action: 'CONTACT_SAVED' as const,
      contactId: 'contact-42',
      listId: 'list-7',
      at: accounts.clock.now().toISOString(),
    };
    const first = createEvent('AddressBookActivityRecorded', data, { subject: workspaceId, time: accounts.clock.now() });
    await accounts.service.infra.bus.publish(first);
    // The same action delivered again under another event id (a replay) adds nothing.
    await accounts.service.infra.bus.publish({ ...first, id: `${first.id}-replay` });
    const entries = await eventually(async () => {
      const found = await activityEntryModel(accounts.service.infra.connection).find({ workspaceId, targetType: 'CONTACT' }).lean();
      expect(found).toHaveLength(1);
      return found;
    });
    expect(entries[0]).toMatchObject({ action: 'ADDRESS_BOOK_CONTACT_SAVED', actorUserId: admin._id, targetId: 'contact-42', details: { listId: 'list-7' } });
    const page = await accounts.as<ActivityAnswer>(admin._id, ACTIVITY, { first: 5 });
    expect(page.data?.myWorkspace.activity.edges[0]?.node).toMatchObject({ action: 'ADDRESS_BOOK_CONTACT_SAVED', targetId: 'contact-42' });
  });
});
