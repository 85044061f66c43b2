import { SignJWT } from 'jose';
import { DAY_MS } from '@leadgraph/platform';
import { eventually, testMailbox } from '@leadgraph/platform/src/testing';
import { invitationModel, type InvitationModel } from '../src/invitations/invitation.model';
import type { UserDocument } from '../src/users/user.model';
import {
  ACCEPT,
  INVITE,
  createActiveUser,
  createWorkspace,
  errorCodeOf,
  expectEvents,
  inviteAndJoin,
  invitationTokenMailedTo,
  publishedEvents,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const PENDING = `query { myWorkspace { pendingInvitations { id email role status } } }`;
const REVOKE = `mutation ($id: ID!) { revokeInvitation(input: { id: $id }) { id status } }`;
const MEMBERS = `query { myWorkspace { members { id role } } }`;

describe('workspaces: invitations', () => {
  let accounts: AccountsUnderTest;
  let invitations: InvitationModel;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
    invitations = invitationModel(accounts.service.infra.connection);
  });
  afterAll(async () => {
    await accounts.stop();
  });

  async function workspaceWithAdmin(name = 'Acme sales'): Promise<{ admin: UserDocument; workspaceId: string }> {
    const admin = await createActiveUser(accounts);
    return { admin, workspaceId: await createWorkspace(accounts, admin._id, name) };
  }

  it('[ACC-05] an administrator invites by e-mail; the invitee accepts the mailed link and joins with the role; MemberJoined is published', async () => {
    const { admin, workspaceId } = await workspaceWithAdmin();
    const invitee = await createActiveUser(accounts);

    const invited = await accounts.as<{ inviteMember: { id: string; email: string; role: string; status: string } }>(admin._id, INVITE, {
      email: invitee.email?.toUpperCase(),
      role: 'MEMBER',
    });
    expect(invited.errors).toBeUndefined();
    const invitationId = invited.data?.inviteMember.id ?? '';
    expect(invited.data?.inviteMember).toMatchObject({ email: invitee.email, role: 'MEMBER', status: 'PENDING' });

    const mail = await testMailbox().waitFor(invitee.email ?? '', /invited to join Acme sales/);
    expect(mail.text).toContain(`${accounts.config.APP_URL}/invitations/accept?token=`);
    const token = await invitationTokenMailedTo(invitee.email ?? '');
    // Only the token's hash is kept.
    const stored = await invitations.findById(invitationId).lean();
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);

    const pending = await accounts.as<{ myWorkspace: { pendingInvitations: Array<{ id: string; status: string }> } }>(admin._id, PENDING);
    expect(pending.data?.myWorkspace.pendingInvitations).toEqual([{ id: invitationId, email: invitee.email, role: 'MEMBER', status: 'PENDING' }]);

    const accepted = await accounts.as<{ acceptInvitation: { id: string; name: string } }>(invitee._id, ACCEPT, { token });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.acceptInvitation).toEqual({ id: workspaceId, name: 'Acme sales' });
    expect(await accounts.users.findById(invitee._id).lean()).toMatchObject({ workspaceId, workspaceRole: 'MEMBER' });
    expect(await invitations.findById(invitationId).lean()).toMatchObject({ status: 'ACCEPTED', acceptedByUserId: invitee._id });

    const [joined] = await expectEvents(accounts.service, 'MemberJoined', (data) => data.userId === invitee._id);
    expect(joined?.data).toEqual({ workspaceId, userId: invitee._id, role: 'MEMBER', joinedAt: accounts.clock.now().toISOString() });

    const members = await accounts.as<{ myWorkspace: { members: Array<{ id: string; role: string }> } }>(admin._id, MEMBERS);
    expect(members.data?.myWorkspace.members).toEqual(
      expect.arrayContaining([
        { id: admin._id, role: 'ADMIN' },
        { id: invitee._id, role: 'MEMBER' },
      ]),
    );
    const afterAccept = await accounts.as<{ myWorkspace: { pendingInvitations: unknown[] } }>(admin._id, PENDING);
    expect(afterAccept.data?.myWorkspace.pendingInvitations).toEqual([]);
  });

  it('[ACC-05] expired, revoked, used, forged and someone else\'s invitations all get one generic error, and nobody joins', async () => {
    const { admin, workspaceId } = await workspaceWithAdmin('Guarded');
    const expectGenericRefusal = async (userId: string, token: string) => {
      const answer = await accounts.as(userId, ACCEPT, { token });
      expect(errorCodeOf(answer)).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.extensions?.field).toBe('token');
      expect(answer.errors?.[0]?.message).toBe('token: this invitation is invalid or has expired');
    };

    // Someone else's: a different signed-in user presents a valid link.
    const invitee = await createActiveUser(accounts);
    await accounts.as(admin._id, INVITE, { email: invitee.email, role: 'MEMBER' });
    const token = await invitationTokenMailedTo(invitee.email ?? '');
    const stranger = await createActiveUser(accounts);
    await expectGenericRefusal(stranger._id, token);

    // Forged: tampered signature, and a well-formed token signed with another key.
    await expectGenericRefusal(invitee._id, `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`);
    const stored = await invitations.findOne({ email: invitee.email }).lean();
    const forged = await new SignJWT({ ws: workspaceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('leadgraph-accounts')
      .setAudience('leadgraph-invitation')
      .setSubject(stored?._id ?? '')
      .setExpirationTime(Math.floor(accounts.clock.now().getTime() / 1000) + 3600)
      .sign(new TextEncoder().encode('an-attacker-key-that-is-long-enough-0123456789'));
    await expectGenericRefusal(invitee._id, forged);
    await expectGenericRefusal(invitee._id, 'not-a-token');

    // Used: accepted once, left, presented again.
    expect((await accounts.as(invitee._id, ACCEPT, { token })).errors).toBeUndefined();
    expect((await accounts.as(invitee._id, `mutation { leaveWorkspace }`)).errors).toBeUndefined();
    await expectGenericRefusal(invitee._id, token);

    // Revoked.
    const revokedInvitee = await createActiveUser(accounts);
    const revokedInvitation = await accounts.as<{ inviteMember: { id: string } }>(admin._id, INVITE, { email: revokedInvitee.email, role: 'MEMBER' });
    const revokedToken = await invitationTokenMailedTo(revokedInvitee.email ?? '');
    const revoked = await accounts.as<{ revokeInvitation: { status: string } }>(admin._id, REVOKE, { id: revokedInvitation.data?.inviteMember.id });
    expect(revoked.data?.revokeInvitation.status).toBe('REVOKED');
    await expectGenericRefusal(revokedInvitee._id, revokedToken);

    // Expired: seven days later.
    const lateInvitee = await createActiveUser(accounts);
    await accounts.as(admin._id, INVITE, { email: lateInvitee.email, role: 'ADMIN' });
    const lateToken = await invitationTokenMailedTo(lateInvitee.email ?? '');
    accounts.clock.advance(7 * DAY_MS + 1000);
    await expectGenericRefusal(lateInvitee._id, lateToken);

    for (const user of [stranger, invitee, revokedInvitee, lateInvitee]) {
      expect(await accounts.users.findById(user._id).lean()).toMatchObject({ workspaceId: null, workspaceRole: null });
    }
  });

  it('[ACC-05] only administrators invite and see pending invitations; bad addresses are BAD_USER_INPUT on email', async () => {
    const { admin } = await workspaceWithAdmin('Roles');
    const member = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');

    const byMember = await accounts.as(member._id, INVITE, { email: 'someone@acme-industries.test', role: 'MEMBER' });
    expect(errorCodeOf(byMember)).toBe('FORBIDDEN');
    expect(errorCodeOf(await accounts.as(member._id, PENDING))).toBe('FORBIDDEN');
    expect(await invitations.findOne({ email: 'someone@acme-industries.test' }).lean()).toBeNull();

    const badAddress = await accounts.as(admin._id, INVITE, { email: 'not an address', role: 'MEMBER' });
    expect(errorCodeOf(badAddress)).toBe('BAD_USER_INPUT');
    expect(badAddress.errors?.[0]?.extensions?.field).toBe('email');

    const alreadyMember = await accounts.as(admin._id, INVITE, { email: member.email, role: 'ADMIN' });
    expect(errorCodeOf(alreadyMember)).toBe('CONFLICT');
  });

  it('[ACC-05] re-inviting an address replaces its older link', async () => {
    const { admin } = await workspaceWithAdmin('Twice');
    const invitee = await createActiveUser(accounts);
    await accounts.as(admin._id, INVITE, { email: invitee.email, role: 'MEMBER' });
    const firstToken = await invitationTokenMailedTo(invitee.email ?? '');
    await accounts.as(admin._id, INVITE, { email: invitee.email, role: 'ADMIN' });
    const secondToken = await eventually(async () => {
      const token = await invitationTokenMailedTo(invitee.email ?? '');
      if (token === firstToken) throw new Error('second invitation not received yet');
      return token;
    });
    expect(errorCodeOf(await accounts.as(invitee._id, ACCEPT, { token: firstToken }))).toBe('BAD_USER_INPUT');
    expect((await accounts.as(invitee._id, ACCEPT, { token: secondToken })).errors).toBeUndefined();
    expect(await accounts.users.findById(invitee._id).lean()).toMatchObject({ workspaceRole: 'ADMIN' });
  });

  it('[ACC-05] a user already in another workspace cannot accept; the invitation stays usable', async () => {
    const { admin } = await workspaceWithAdmin('Wanted');
    const busy = await createActiveUser(accounts);
    const ownWorkspace = await createWorkspace(accounts, busy._id, 'Own');
    const invited = await accounts.as<{ inviteMember: { id: string } }>(admin._id, INVITE, { email: busy.email, role: 'MEMBER' });
    const token = await invitationTokenMailedTo(busy.email ?? '');
    expect(errorCodeOf(await accounts.as(busy._id, ACCEPT, { token }))).toBe('CONFLICT');
    expect(await accounts.users.findById(busy._id).lean()).toMatchObject({ workspaceId: ownWorkspace, workspaceRole: 'ADMIN' });
    expect(await invitations.findById(invited.data?.inviteMember.id).lean()).toMatchObject({ status: 'PENDING', acceptedByUserId: null });
  });

  it('[BIL-02] a workspace cannot hold more members than seats: inviting and accepting beyond them is refused', async () => {
    const { admin, workspaceId } = await workspaceWithAdmin('Two seats');
    await accounts.workspaces.updateOne({ _id: workspaceId }, { $set: { seatLimit: 2 } });
    const [first, second] = [await createActiveUser(accounts), await createActiveUser(accounts)];
    // Both invited while a seat is free.
    await accounts.as(admin._id, INVITE, { email: first?.email, role: 'MEMBER' });
    const secondInvitation = await accounts.as<{ inviteMember: { id: string } }>(admin._id, INVITE, { email: second?.email, role: 'MEMBER' });
    const firstToken = await invitationTokenMailedTo(first?.email ?? '');
    const secondToken = await invitationTokenMailedTo(second?.email ?? '');

    expect((await accounts.as(first?._id ?? '', ACCEPT, { token: firstToken })).errors).toBeUndefined();
    const refused = await accounts.as(second?._id ?? '', ACCEPT, { token: secondToken });
    expect(errorCodeOf(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toMatch(/seat/);
    expect(await accounts.users.findById(second?._id).lean()).toMatchObject({ workspaceId: null });
    // The refused acceptance released the invitation: it works once a seat is added.
    expect(await invitations.findById(secondInvitation.data?.inviteMember.id).lean()).toMatchObject({ status: 'PENDING' });

    const third = await createActiveUser(accounts);
    expect(errorCodeOf(await accounts.as(admin._id, INVITE, { email: third.email, role: 'MEMBER' }))).toBe('CONFLICT');

    await accounts.workspaces.updateOne({ _id: workspaceId }, { $set: { seatLimit: 3 } });
    expect((await accounts.as(second?._id ?? '', ACCEPT, { token: secondToken })).errors).toBeUndefined();
    expect(await accounts.users.find({ workspaceId }).lean()).toHaveLength(3);
  });

  it('[BIL-02] concurrent acceptances racing for the last seat: exactly one joins', async () => {
    const { admin, workspaceId } = await workspaceWithAdmin('Last seat');
    await accounts.workspaces.updateOne({ _id: workspaceId }, { $set: { seatLimit: 2 } });
    const racers = [await createActiveUser(accounts), await createActiveUser(accounts), await createActiveUser(accounts)];
    const tokens: string[] = [];
    for (const racer of racers) {
      await accounts.as(admin._id, INVITE, { email: racer.email, role: 'MEMBER' });
      tokens.push(await invitationTokenMailedTo(racer.email ?? ''));
    }
    const answers = await Promise.all(racers.map((racer, index) => accounts.as(racer._id, ACCEPT, { token: tokens[index] })));
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(1);
    expect(answers.filter((answer) => errorCodeOf(answer) === 'CONFLICT')).toHaveLength(2);
    expect(await accounts.users.find({ workspaceId }).lean()).toHaveLength(2);
    const joinedEvents = await expectEvents(accounts.service, 'MemberJoined', (data) => data.workspaceId === workspaceId);
    expect(joinedEvents).toHaveLength(1);
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ membershipLock: null });
  });

  it('[ACC-05] revoking needs an administrator of the workspace and a pending invitation', async () => {
    const { admin } = await workspaceWithAdmin('Revocations');
    const other = await workspaceWithAdmin('Other');
    const invitee = await createActiveUser(accounts);
    const invited = await accounts.as<{ inviteMember: { id: string } }>(admin._id, INVITE, { email: invitee.email, role: 'MEMBER' });
    const id = invited.data?.inviteMember.id;
    expect(errorCodeOf(await accounts.as(other.admin._id, REVOKE, { id }))).toBe('NOT_FOUND');
    expect((await accounts.as(admin._id, REVOKE, { id })).errors).toBeUndefined();
    expect(errorCodeOf(await accounts.as(admin._id, REVOKE, { id }))).toBe('NOT_FOUND');
    expect(await invitations.findById(id).lean()).toMatchObject({ status: 'REVOKED', revokedByUserId: admin._id });
    expect(await publishedEvents(accounts.service, 'MemberJoined', (data) => data.userId === invitee._id)).toHaveLength(0);
  });
});
