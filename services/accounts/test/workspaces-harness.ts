import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventData, EventName, LeadgraphEvent } from '@leadgraph/events';
import { identifierHash, startNatsServer, type Caller, type ManagedProcess, type ManualClock, type RunningService, type WorkspaceRole } from '@leadgraph/platform';
import {
  expectEvents as platformExpectEvents,
  publishedEvents as platformPublishedEvents,
  callSubgraph,
  serviceTestEnv,
  testClock,
  testLogger,
  testMailbox,
  uniqueName,
  userCaller,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { loadAccountsConfig, type AccountsConfig } from '../src/config';
import { startAccountsService } from '../src/main';
import { userModel, type UserDocument, type UserModel } from '../src/users/user.model';
import { workspaceModel, type WorkspaceModel } from '../src/workspaces/workspace.model';

/**
 * Shared by the workspace, API token and account deletion integration tests: the real accounts
 * service on the shared test Mongo and SMTP sink (its own database), called over HTTP as the
 * gateway would. Each test file gets a NATS server of its own: every accounts instance answers
 * `rpc.accounts.resolveApiToken` in one queue group, so on a shared server another test file's
 * instance (another database) could answer our requests, and ours the gateway tests'.
 */
export interface AccountsUnderTest {
  service: RunningService;
  config: AccountsConfig;
  clock: ManualClock;
  users: UserModel;
  workspaces: WorkspaceModel;
  /** Stops the service only (its NATS server and database stay): a crash, for recovery tests. */
  stopServiceOnly(): Promise<void>;
  /** GraphQL as `userId` (a signed-in user, as the gateway forwards them). */
  as<T = Record<string, unknown>>(userId: string, query: string, variables?: Record<string, unknown>): Promise<SubgraphAnswer<T>>;
  /** GraphQL as any caller (partner token, anonymous...). */
  call<T = Record<string, unknown>>(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<SubgraphAnswer<T>>;
  stop(): Promise<void>;
}

export async function startAccountsUnderTest(
  options: { clock?: ManualClock; config?: AccountsConfig } = {},
): Promise<AccountsUnderTest> {
  const clock = options.clock ?? testClock();
  // Restarting on a given config reuses its database and NATS server (crash-recovery tests).
  let nats: { process: ManagedProcess; dir: string } | null = null;
  let config = options.config;
  if (!config) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-nats-'));
    nats = { process: await startNatsServer(dir), dir };
    config = loadAccountsConfig(serviceTestEnv('accounts', { NATS_URL: nats.process.url }));
  }
  const service = await startAccountsService(config, { clock, logger: testLogger('accounts') });
  const { connection } = service.infra;
  let stopped: Promise<void> | null = null;
  const stopService = () => (stopped ??= service.stop());
  const call = <T>(caller: Caller, query: string, variables: Record<string, unknown> = {}) =>
    callSubgraph<T>(service.url, query, { variables, caller, now: clock.now() });
  return {
    service,
    config,
    clock,
    users: userModel(connection),
    workspaces: workspaceModel(connection),
    as: (userId, query, variables) => call(userCaller({ userId }), query, variables),
    call: (caller, query, variables) => call(caller, query, variables),
    stopServiceOnly: stopService,
    stop: async () => {
      await stopService();
      if (nats) {
        await nats.process.stop();
        fs.rmSync(nats.dir, { recursive: true, force: true });
      }
    },
  };
}

/** An ACTIVE, verified user written directly (sign-up is another feature's flow). */
export async function createActiveUser(
  accounts: Pick<AccountsUnderTest, 'users' | 'clock'> & Partial<Pick<AccountsUnderTest, 'config'>>,
  overrides: Partial<UserDocument> = {},
): Promise<UserDocument> {
  const id = uniqueName('user');
  const now = accounts.clock.now();
  const email = overrides.email === undefined ? `${id}@acme-industries.test` : overrides.email;
  // As sign-up does: the keyed hash of the address, which data-subject requests and opt-outs match.
  const config = accounts.config ?? loadAccountsConfig(serviceTestEnv('accounts', {}));
  const emailHash = email ? identifierHash('EMAIL', email, { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION }) : null;
  const created = await accounts.users.create({
    _id: id,
    email: `${id}@acme-industries.test`,
    displayName: `Person ${id.slice(-4)}`,
    passwordHash: 'not-used-by-these-tests',
    status: 'ACTIVE',
    emailVerifiedAt: now,
    verification: null,
    termsAcceptances: [],
    linkedInProfileUrl: null,
    linkedInLinkedAt: null,
    workspaceId: null,
    workspaceRole: null,
    staffRoles: [],
    suspension: null,
    credentialsVersion: 0,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    outbox: [],
    emailHash,
    ...overrides,
  });
  return created.toObject<UserDocument>();
}

export const CREATE_WORKSPACE = `mutation ($name: String!) { createWorkspace(input: { name: $name }) { id name seatLimit } }`;
export const INVITE = `mutation ($email: String!, $role: WorkspaceRole!) {
  inviteMember(input: { email: $email, role: $role }) { id email role status expiresAt }
}`;
export const ACCEPT = `mutation ($token: String!) { acceptInvitation(input: { token: $token }) { id name } }`;

/** Creates a workspace over GraphQL; its creator is its administrator. */
export async function createWorkspace(accounts: AccountsUnderTest, adminId: string, name = 'Acme sales'): Promise<string> {
  const answer = await accounts.as<{ createWorkspace: { id: string } }>(adminId, CREATE_WORKSPACE, { name });
  if (!answer.data) throw new Error(`createWorkspace failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.createWorkspace.id;
}

/** The token of the newest invitation mailed to `email`, read from the SMTP sink. */
export async function invitationTokenMailedTo(email: string): Promise<string> {
  const mail = await testMailbox().waitFor(email, /invited to join/);
  const match = /[?&]token=([A-Za-z0-9._-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no invitation link in: ${mail.text}`);
  return match[1];
}

/** Invites over GraphQL and accepts with the mailed link: the user joins with `role`. */
export async function inviteAndJoin(accounts: AccountsUnderTest, adminId: string, user: UserDocument, role: WorkspaceRole): Promise<void> {
  const invited = await accounts.as(adminId, INVITE, { email: user.email, role });
  if (!invited.data) throw new Error(`inviteMember failed: ${JSON.stringify(invited.errors)}`);
  const token = await invitationTokenMailedTo(user.email ?? '');
  const accepted = await accounts.as(user._id, ACCEPT, { token });
  if (!accepted.data) throw new Error(`acceptInvitation failed: ${JSON.stringify(accepted.errors)}`);
}

/** Every event of one type on the stream, optionally filtered (see the platform harness). */
export function publishedEvents<N extends EventName>(
  service: RunningService,
  name: N,
  matching: (data: EventData<N>) => boolean = () => true,
): Promise<Array<LeadgraphEvent<N>>> {
  return platformPublishedEvents(service.infra.bus, name, matching);
}

/** Waits until exactly `count` matching events were published (the relay is asynchronous). */
export function expectEvents<N extends EventName>(
  service: RunningService,
  name: N,
  matching: (data: EventData<N>) => boolean,
  count = 1,
): Promise<Array<LeadgraphEvent<N>>> {
  return platformExpectEvents(service.infra.bus, name, matching, count);
}

export function errorCodeOf(answer: SubgraphAnswer<unknown>): unknown {
  return answer.errors?.[0]?.extensions?.code;
}
