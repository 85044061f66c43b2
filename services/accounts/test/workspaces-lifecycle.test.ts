import { apiTokenCaller } from '@leadgraph/platform/src/testing';
import {
  CREATE_WORKSPACE,
  createActiveUser,
  createWorkspace,
  errorCodeOf,
  expectEvents,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const MY_WORKSPACE = `query {
  myWorkspace {
    id name seatLimit
    members { id email displayName role }
    activity(first: 10) { edges { node { action actorUserId targetType targetId } } }
  }
}`;

describe('workspaces: creation, reading, federation', () => {
  let accounts: AccountsUnderTest;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
  });
  afterAll(async () => {
    await accounts.stop();
  });

  it('[ACC-05] a user in no workspace creates one and becomes its administrator; WorkspaceCreated is published', async () => {
    const creator = await createActiveUser(accounts);
    const created = await accounts.as<{ createWorkspace: { id: string; name: string; seatLimit: number | null } }>(
      creator._id,
      CREATE_WORKSPACE,
      { name: '  Acme sales  ' },
    );
    expect(created.errors).toBeUndefined();
    const workspaceId = created.data?.createWorkspace.id ?? '';
    expect(created.data?.createWorkspace).toEqual({ id: workspaceId, name: 'Acme sales', seatLimit: null });

    const stored = await accounts.users.findById(creator._id).lean();
    expect(stored).toMatchObject({ workspaceId, workspaceRole: 'ADMIN' });
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'ACTIVE', createdByUserId: creator._id });

    const [event] = await expectEvents(accounts.service, 'WorkspaceCreated', (data) => data.workspaceId === workspaceId);
    expect(event?.data).toEqual({ workspaceId, createdByUserId: creator._id, createdAt: accounts.clock.now().toISOString() });

    const mine = await accounts.as<{
      myWorkspace: { id: string; members: Array<{ id: string; role: string; email: string }>; activity: { edges: Array<{ node: Record<string, string> }> } };
    }>(creator._id, MY_WORKSPACE);
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.myWorkspace.members).toEqual([
      { id: creator._id, email: creator.email, displayName: creator.displayName, role: 'ADMIN' },
    ]);
    expect(mine.data?.myWorkspace.activity.edges.map((edge) => edge.node)).toEqual([
      { action: 'WORKSPACE_CREATED', actorUserId: creator._id, targetType: 'WORKSPACE', targetId: workspaceId },
    ]);
  });

  it('[ACC-05] a user already in a workspace cannot create a second one, and nothing is written', async () => {
    const creator = await createActiveUser(accounts);
    const first = await createWorkspace(accounts, creator._id, 'First');
    const second = await accounts.as(creator._id, CREATE_WORKSPACE, { name: 'Second' });
    expect(errorCodeOf(second)).toBe('CONFLICT');
    expect(await accounts.workspaces.find({ createdByUserId: creator._id }).lean()).toHaveLength(1);
    expect(await accounts.users.findById(creator._id).lean()).toMatchObject({ workspaceId: first, workspaceRole: 'ADMIN' });
  });

  it('[ACC-05] a dangling membership (crash between claiming the user and inserting the workspace) counts as none and is overwritten', async () => {
    const user = await createActiveUser(accounts, { workspaceId: 'workspace-never-inserted', workspaceRole: 'ADMIN' });
    const before = await accounts.as<{ myWorkspace: unknown }>(user._id, MY_WORKSPACE);
    expect(before.errors).toBeUndefined();
    expect(before.data?.myWorkspace).toBeNull();

    const workspaceId = await createWorkspace(accounts, user._id, 'Recovered');
    expect(workspaceId).not.toBe('workspace-never-inserted');
    expect(await accounts.users.findById(user._id).lean()).toMatchObject({ workspaceId, workspaceRole: 'ADMIN' });
  });

  it('[ACC-05] an invalid name is refused as BAD_USER_INPUT naming the field, with nothing written', async () => {
    const user = await createActiveUser(accounts);
    const answer = await accounts.as(user._id, CREATE_WORKSPACE, { name: ' x ' });
    expect(errorCodeOf(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.extensions?.field).toBe('name');
    expect(answer.errors?.[0]?.message).toMatch(/^name: /);
    expect(await accounts.users.findById(user._id).lean()).toMatchObject({ workspaceId: null, workspaceRole: null });
    expect(await accounts.workspaces.find({ createdByUserId: user._id }).lean()).toHaveLength(0);
  });

  it('[ACC-08] a partner API token cannot create or read workspaces', async () => {
    const user = await createActiveUser(accounts);
    const caller = apiTokenCaller({ userId: user._id, scopes: ['contacts:read', 'analytics:read'] });
    const created = await accounts.call(caller, CREATE_WORKSPACE, { name: 'Robots' });
    expect(errorCodeOf(created)).toBe('FORBIDDEN');
    const read = await accounts.call(caller, MY_WORKSPACE);
    expect(errorCodeOf(read)).toBe('FORBIDDEN');
    expect(await accounts.workspaces.find({ createdByUserId: user._id }).lean()).toHaveLength(0);
  });

  it('[ACC-07] a suspended account cannot create a workspace', async () => {
    const user = await createActiveUser(accounts, { status: 'SUSPENDED' });
    const answer = await accounts.as(user._id, CREATE_WORKSPACE, { name: 'Blocked' });
    expect(errorCodeOf(answer)).toBe('FORBIDDEN');
    expect(await accounts.workspaces.find({ createdByUserId: user._id }).lean()).toHaveLength(0);
  });

  it('the Workspace entity resolves by reference for other subgraphs; deleted workspaces resolve to null', async () => {
    const admin = await createActiveUser(accounts);
    const live = await createWorkspace(accounts, admin._id, 'Referenced');
    const gone = await createWorkspace(accounts, (await createActiveUser(accounts))._id, 'Gone');
    await accounts.workspaces.updateOne({ _id: gone }, { $set: { status: 'DELETED' } });
    const answer = await accounts.as<{ _entities: Array<{ id: string; name: string } | null> }>(
      admin._id,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Workspace { id name } } }`,
      { representations: [{ __typename: 'Workspace', id: live }, { __typename: 'Workspace', id: gone }] },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual([{ id: live, name: 'Referenced' }, null]);
  });

  it('[ACC-05] members of a workspace are not visible to outsiders', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Private');
    const outsider = await createActiveUser(accounts);
    const answer = await accounts.as(
      outsider._id,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Workspace { id members { id } } } }`,
      { representations: [{ __typename: 'Workspace', id: workspaceId }] },
    );
    expect(errorCodeOf(answer)).toBe('FORBIDDEN');
  });
});
