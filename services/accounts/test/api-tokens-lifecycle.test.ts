import { rpcContracts } from '@leadgraph/events';
import { DAY_MS, DomainError, MINUTE_MS, callRpc } from '@leadgraph/platform';
import { apiTokenCaller } from '@leadgraph/platform/src/testing';
import { apiTokenModel, type ApiTokenModel } from '../src/api-tokens/api-token.model';
import type { UserDocument } from '../src/users/user.model';
import {
  createActiveUser,
  createWorkspace,
  errorCodeOf,
  inviteAndJoin,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const CREATE_TOKEN = `mutation ($name: String!, $scopes: [String!]!, $expiresAt: DateTimeISO) {
  createApiToken(input: { name: $name, scopes: $scopes, expiresAt: $expiresAt }) {
    secret
    token { id name scopes prefix workspaceId createdByUserId createdAt expiresAt lastUsedAt revokedAt }
  }
}`;
const LIST_TOKENS = `query { apiTokens { id name scopes prefix createdByUserId lastUsedAt revokedAt } }`;
const REVOKE_TOKEN = `mutation ($id: ID!) { revokeApiToken(input: { id: $id }) { id revokedAt } }`;

interface CreatedToken {
  createApiToken: { secret: string; token: { id: string; scopes: string[]; prefix: string; workspaceId: string } };
}

describe('partner API tokens', () => {
  let accounts: AccountsUnderTest;
  let tokens: ApiTokenModel;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
    tokens = apiTokenModel(accounts.service.infra.connection);
  });
  afterAll(async () => {
    await accounts.stop();
  });

  /** The gateway's question, asked over NATS exactly as the gateway asks it. */
  async function resolveToken(secret: string) {
    return callRpc(accounts.service.infra.bus, rpcContracts.resolveApiToken.subject, { token: secret }, rpcContracts.resolveApiToken.response);
  }

  async function expectRefused(secret: string): Promise<void> {
    const error = await resolveToken(secret).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNAUTHENTICATED');
    expect((error as DomainError).message).toBe('Invalid API token');
  }

  async function teamOf(): Promise<{ admin: UserDocument; member: UserDocument; workspaceId: string }> {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Integrations');
    const member = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    return { admin, member, workspaceId };
  }

  async function createToken(userId: string, scopes: string[], expiresAt: Date | null = null) {
    const answer = await accounts.as<CreatedToken>(userId, CREATE_TOKEN, { name: 'CRM sync', scopes, expiresAt: expiresAt?.toISOString() ?? null });
    if (!answer.data) throw new Error(`createApiToken failed: ${JSON.stringify(answer.errors)}`);
    return answer.data.createApiToken;
  }

  it('[ACC-08] a member creates a workspace-bound token; the secret is shown once and stored hashed; the gateway resolves it', async () => {
    const { member, workspaceId } = await teamOf();
    const created = await createToken(member._id, ['contacts:read', 'contacts:reveal']);
    expect(created.secret).toMatch(/^lg_[A-Za-z0-9_-]{43}$/);
    expect(created.token).toMatchObject({ scopes: ['contacts:read', 'contacts:reveal'], workspaceId, prefix: created.secret.slice(0, 9) });

    const stored = await tokens.findById(created.token.id).lean();
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(created.secret);

    const listed = await accounts.as<{ apiTokens: Array<Record<string, unknown>> }>(member._id, LIST_TOKENS);
    expect(listed.data?.apiTokens).toEqual([
      { id: created.token.id, name: 'CRM sync', scopes: ['contacts:read', 'contacts:reveal'], prefix: created.token.prefix, createdByUserId: member._id, lastUsedAt: null, revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    // The listed type has no secret at all.
    expect(errorCodeOf(await accounts.as(member._id, `query { apiTokens { secret } }`))).toBe('GRAPHQL_VALIDATION_FAILED');

    const resolved = await resolveToken(created.secret);
    expect(resolved).toEqual({ tokenId: created.token.id, userId: member._id, workspaceId, scopes: ['contacts:read', 'contacts:reveal'] });
    expect((await tokens.findById(created.token.id).lean())?.lastUsedAt).toEqual(accounts.clock.now());
  });

  it('[ACC-08] a token cannot be created with a scope beyond the creator\'s role: FORBIDDEN naming the scope, nothing stored', async () => {
    const { member } = await teamOf();
    const answer = await accounts.as(member._id, CREATE_TOKEN, { name: 'Analytics export', scopes: ['contacts:read', 'analytics:read'] });
    expect(errorCodeOf(answer)).toBe('FORBIDDEN');
    expect(answer.errors?.[0]?.extensions?.requiredScope).toBe('analytics:read');
    expect(await tokens.find({ createdByUserId: member._id }).lean()).toHaveLength(0);
  });

  it('[ACC-08] a token can never do more than the user who created it: scopes shrink with the creator\'s role', async () => {
    const { admin, member, workspaceId } = await teamOf();
    const created = await createToken(member._id, ['contacts:read']);
    // The member becomes an administrator, creates a wider token, then is demoted again.
    await accounts.as(admin._id, `mutation ($userId: ID!) { changeMemberRole(input: { userId: $userId, role: ADMIN }) { id role } }`, { userId: member._id });
    const wide = await createToken(member._id, ['contacts:read', 'analytics:read']);
    expect((await resolveToken(wide.secret)).scopes).toEqual(['contacts:read', 'analytics:read']);
    await accounts.as(admin._id, `mutation ($userId: ID!) { changeMemberRole(input: { userId: $userId, role: MEMBER }) { id role } }`, { userId: member._id });
    expect(await resolveToken(wide.secret)).toEqual({ tokenId: wide.token.id, userId: member._id, workspaceId, scopes: ['contacts:read'] });
    expect((await resolveToken(created.secret)).scopes).toEqual(['contacts:read']);
  });

  it('[ACC-08] revoked, expired, unknown tokens and tokens whose creator left or was suspended are refused alike', async () => {
    const { admin, member } = await teamOf();
    const revoked = await createToken(member._id, ['contacts:read']);
    const expiring = await createToken(member._id, ['contacts:read'], new Date(accounts.clock.now().getTime() + DAY_MS));
    const creatorLeaves = await createToken(member._id, ['contacts:read']);
    const suspendedCreator = await createToken(admin._id, ['contacts:read']);

    expect((await accounts.as(member._id, REVOKE_TOKEN, { id: revoked.token.id })).errors).toBeUndefined();
    await expectRefused(revoked.secret);

    expect((await resolveToken(expiring.secret)).tokenId).toBe(expiring.token.id);
    accounts.clock.advance(DAY_MS);
    await expectRefused(expiring.secret);

    await expectRefused('lg_this-token-was-never-issued-by-anyone-0000000000');

    expect((await resolveToken(creatorLeaves.secret)).tokenId).toBe(creatorLeaves.token.id);
    expect((await accounts.as(member._id, `mutation { leaveWorkspace }`)).errors).toBeUndefined();
    await expectRefused(creatorLeaves.secret);

    await accounts.users.updateOne({ _id: admin._id }, { $set: { status: 'SUSPENDED' } });
    await expectRefused(suspendedCreator.secret);
  });

  it('[ACC-08] the last use is recorded, at most once a minute', async () => {
    const { member } = await teamOf();
    const created = await createToken(member._id, ['contacts:read']);
    await resolveToken(created.secret);
    const firstUse = accounts.clock.now();
    accounts.clock.advance(30_000);
    await resolveToken(created.secret);
    expect((await tokens.findById(created.token.id).lean())?.lastUsedAt).toEqual(firstUse);
    accounts.clock.advance(MINUTE_MS);
    await resolveToken(created.secret);
    expect((await tokens.findById(created.token.id).lean())?.lastUsedAt).toEqual(accounts.clock.now());
    const listed = await accounts.as<{ apiTokens: Array<{ lastUsedAt: string }> }>(member._id, LIST_TOKENS);
    expect(listed.data?.apiTokens[0]?.lastUsedAt).toBe(accounts.clock.now().toISOString());
  });

  it('[ACC-08] the creator or an administrator revokes a token; another member cannot; administrators list every workspace token', async () => {
    const { admin, member, workspaceId } = await teamOf();
    const colleague = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, colleague, 'MEMBER');
    const created = await createToken(member._id, ['contacts:export']);

    expect(errorCodeOf(await accounts.as(colleague._id, REVOKE_TOKEN, { id: created.token.id }))).toBe('FORBIDDEN');
    expect((await tokens.findById(created.token.id).lean())?.revokedAt).toBeNull();
    const colleagueList = await accounts.as<{ apiTokens: unknown[] }>(colleague._id, LIST_TOKENS);
    expect(colleagueList.data?.apiTokens).toEqual([]);

    const adminList = await accounts.as<{ apiTokens: Array<{ id: string }> }>(admin._id, LIST_TOKENS);
    expect(adminList.data?.apiTokens.map((token) => token.id)).toEqual([created.token.id]);
    const revoked = await accounts.as<{ revokeApiToken: { revokedAt: string } }>(admin._id, REVOKE_TOKEN, { id: created.token.id });
    expect(revoked.data?.revokeApiToken.revokedAt).toBe(accounts.clock.now().toISOString());
    expect(await tokens.findById(created.token.id).lean()).toMatchObject({ revokedByUserId: admin._id });
    expect(await tokens.findById(created.token.id).lean()).toMatchObject({ workspaceId });
  });

  it('[ACC-08] inputs are validated field by field; users outside a workspace and partner tokens cannot create tokens', async () => {
    const { member } = await teamOf();
    const unknownScope = await accounts.as(member._id, CREATE_TOKEN, { name: 'x', scopes: ['contacts:delete'] });
    expect(errorCodeOf(unknownScope)).toBe('BAD_USER_INPUT');
    expect(unknownScope.errors?.[0]?.extensions?.field).toBe('scopes.0');
    const past = await accounts.as(member._id, CREATE_TOKEN, { name: 'x', scopes: ['contacts:read'], expiresAt: new Date(accounts.clock.now().getTime() - 1000).toISOString() });
    expect(past.errors?.[0]?.extensions?.field).toBe('expiresAt');
    const noName = await accounts.as(member._id, CREATE_TOKEN, { name: '  ', scopes: ['contacts:read'] });
    expect(noName.errors?.[0]?.extensions?.field).toBe('name');

    const loner = await createActiveUser(accounts);
    expect(errorCodeOf(await accounts.as(loner._id, CREATE_TOKEN, { name: 'x', scopes: ['contacts:read'] }))).toBe('FORBIDDEN');

    const partner = apiTokenCaller({ userId: member._id, scopes: ['contacts:read'] });
    expect(errorCodeOf(await accounts.call(partner, CREATE_TOKEN, { name: 'x', scopes: ['contacts:read'] }))).toBe('FORBIDDEN');
    expect(errorCodeOf(await accounts.call(partner, LIST_TOKENS))).toBe('FORBIDDEN');
    expect(await tokens.find({ createdByUserId: { $in: [member._id, loner._id] } }).lean()).toHaveLength(0);
  });
});
