import { connectTestBus, eventually, expectEvents, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import type { EventBus } from '@leadgraph/platform';
import { gatewayClient, startTestStack, type TestStack } from './test-stack';

/**
 * The foundation's end-to-end journey through the gateway, on real subgraphs, MongoDB, NATS
 * and SMTP: sign-up -> code -> login -> workspace -> invite -> accept -> partner token scopes ->
 * the sole admin deletes their account -> the workspace is gone for the member.
 */
describe('foundation end to end through the gateway', () => {
  let stack: TestStack;
  let bus: EventBus;
  const mailbox = testMailbox();

  beforeAll(async () => {
    stack = await startTestStack();
    bus = await connectTestBus('e2e-observer', stack.natsUrl);
  });
  afterAll(async () => {
    await bus.close();
    await stack.stop();
  });

  const { gql, codeIn, signUpAndLogin } = gatewayClient({ get gateway() { return stack.gateway; } });

  it('[ACC-01][ACC-05][ACC-06][ACC-08][EVT-01][EVT-02] runs the whole journey', async () => {
    const domain = `${uniqueName('acme').replace('_', '-')}.com`;
    const adminEmail = `ada@${domain}`;
    const memberEmail = `bob@${domain}`;

    const admin = await signUpAndLogin(adminEmail, 'Ada Admin');
    const me = await gql<{ me: { id: string; email: string; status: string } }>('{ me { id email status } }', {}, admin.accessToken);
    expect(me.data?.me).toEqual({ id: admin.userId, email: adminEmail, status: 'ACTIVE' });

    const created = await gql<{ createWorkspace: { id: string; name: string } }>(
      `mutation { createWorkspace(input: { name: "Acme sales" }) { id name } }`,
      {},
      admin.accessToken,
    );
    expect(created.errors).toBeUndefined();
    const workspaceId = created.data!.createWorkspace.id;

    const member = await signUpAndLogin(memberEmail, 'Bob Member');
    const invited = await gql(
      `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { id } }`,
      { input: { email: memberEmail, role: 'MEMBER' } },
      admin.accessToken,
    );
    expect(invited.errors).toBeUndefined();
    const invitation = await mailbox.waitFor(memberEmail, /invited/i);
    const token = new URL(/https?:\/\/\S+/.exec(invitation.text)![0]).searchParams.get('token');
    const accepted = await gql<{ acceptInvitation: { id: string } }>(
      `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { id } }`,
      { input: { token } },
      member.accessToken,
    );
    expect(accepted.data?.acceptInvitation.id).toBe(workspaceId);
    const membersSeen = await eventually(async () => {
      const answer = await gql<{ myWorkspace: { id: string; members: Array<{ id: string; role: string }> } | null }>(
        '{ myWorkspace { id members { id role } } }',
        {},
        member.accessToken,
      );
      expect(answer.data?.myWorkspace?.id).toBe(workspaceId);
      return answer.data!.myWorkspace!.members;
    });
    expect(membersSeen).toEqual(
      expect.arrayContaining([
        { id: admin.userId, role: 'ADMIN' },
        { id: member.userId, role: 'MEMBER' },
      ]),
    );

    // A partner token scoped to contacts:read: a call inside the scope passes, one outside is FORBIDDEN.
    const minted = await gql<{ createApiToken: { secret: string; token: { scopes: string[] } } }>(
      `mutation { createApiToken(input: { name: "CRM sync", scopes: ["contacts:read"] }) { secret token { scopes } } }`,
      {},
      admin.accessToken,
    );
    expect(minted.data?.createApiToken.token.scopes).toEqual(['contacts:read']);
    const partnerToken = minted.data!.createApiToken.secret;
    const inScope = await gql<{ searchContacts: { edges: unknown[] } }>(
      `{ searchContacts(filter: { company: "acme" }, first: 5) { edges { cursor } } }`,
      {},
      partnerToken,
    );
    expect(inScope.errors).toBeUndefined();
    expect(Array.isArray(inScope.data?.searchContacts.edges)).toBe(true);
    const outOfScope = await gql(
      `query($id: ID!) { workspaceUsage(workspaceId: $id, from: "2026-01-01", to: "2026-01-31") { workspaceId } }`,
      { id: workspaceId },
      partnerToken,
    );
    expect(outOfScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A token can never manage the account it acts for.
    const tokenAsUser = await gql('mutation { requestAccountDeletion { codeExpiresAt } }', {}, partnerToken);
    expect(tokenAsUser.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The sole administrator deletes their account: the workspace goes for everyone.
    const requested = await gql('mutation { requestAccountDeletion { codeExpiresAt } }', {}, admin.accessToken);
    expect(requested.errors).toBeUndefined();
    const confirmation = await mailbox.waitFor(adminEmail, /deletion/i);
    const deleted = await gql<{ confirmAccountDeletion: { deletedWorkspaceId: string | null } }>(
      `mutation($input: ConfirmAccountDeletionInput!) { confirmAccountDeletion(input: $input) { deletedWorkspaceId } }`,
      { input: { code: codeIn(confirmation.text) } },
      admin.accessToken,
    );
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.confirmAccountDeletion.deletedWorkspaceId).toBe(workspaceId);

    await eventually(async () => {
      const answer = await gql<{ myWorkspace: { id: string } | null }>('{ myWorkspace { id } }', {}, member.accessToken);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.myWorkspace).toBeNull();
    });
    const workspaceDeleted = (await expectEvents(bus, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId))[0]!;
    expect(workspaceDeleted.data.reason).toBe('SOLE_ADMIN_ACCOUNT_DELETED');
    expect(workspaceDeleted.data.formerMemberUserIds).toEqual(expect.arrayContaining([member.userId]));

    // The deleted admin's session and partner token stop working once the gateway's short cache lapses.
    stack.clock.advance(6_000);
    await eventually(async () => {
      const answer = await gql('{ me { id } }', {}, admin.accessToken);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }, 15_000, 500);
    await eventually(async () => {
      const answer = await gql('{ searchContacts(filter: { company: "acme" }) { edges { cursor } } }', {}, partnerToken);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }, 15_000, 500);
  });
});
