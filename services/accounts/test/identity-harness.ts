import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rpcContracts, type EventName, type LeadgraphEvent } from '@leadgraph/events';
import {
  EventBus,
  ManualClock,
  callRpc,
  startNatsServer,
  type Caller,
  type ManagedProcess,
  type RunningService,
  type UserCaller,
} from '@leadgraph/platform';
import {
  callSubgraph,
  publishedEvents,
  serviceTestEnv,
  testClock,
  testLogger,
  testMailbox,
  uniqueName,
  type SubgraphAnswer,
} from '@leadgraph/platform/src/testing';
import { loadAccountsConfig, type AccountsConfig } from '../src/config';
import { startAccountsService } from '../src/main';

/**
 * The real accounts service for identity tests, on the shared Mongo and SMTP sink but on a NATS
 * server of its own: every accounts instance answers `rpc.accounts.resolveSession`, so on a
 * shared server another test file's instance (another database) could answer our requests,
 * and ours could answer the gateway tests'.
 */
export interface IdentityTestService {
  service: RunningService;
  config: AccountsConfig;
  clock: ManualClock;
  /** The test's own connection to the service's NATS server (events, RPC). */
  bus: EventBus;
  call<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, caller?: Caller): Promise<SubgraphAnswer<T>>;
  stop(): Promise<void>;
}

export async function startIdentityService(env: Record<string, string> = {}): Promise<IdentityTestService> {
  const natsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-nats-'));
  const nats: ManagedProcess = await startNatsServer(natsDir);
  const clock = testClock();
  // Jobs are run by the tests themselves, at the clock's time.
  const config = loadAccountsConfig(serviceTestEnv('accounts', { NATS_URL: nats.url, JOB_INTERVAL_SECONDS: '86400', ...env }));
  const service = await startAccountsService(config, { clock, logger: testLogger('accounts') });
  const bus = await EventBus.connect({ url: nats.url, name: uniqueName('identity-test'), logger: testLogger('identity-test') });
  return {
    service,
    config,
    clock,
    bus,
    call: (query, variables = {}, caller = { kind: 'anonymous' }) =>
      callSubgraph(service.url, query, { variables, caller, now: clock.now() }),
    stop: async () => {
      await bus.close();
      await service.stop();
      await nats.stop();
      fs.rmSync(natsDir, { recursive: true, force: true });
    },
  };
}

export function businessEmail(prefix = 'jane'): string {
  return `${uniqueName(prefix)}@acme-industries.com`;
}

export const STRONG_PASSWORD = 'correct horse battery staple';

export const SESSION_FIELDS = 'userId sessionId accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt';

export interface SessionTokens {
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
}

export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { message } }`;
export const VERIFY_EMAIL = `mutation Verify($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${SESSION_FIELDS} } }`;
export const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${SESSION_FIELDS} } }`;

export function signUpInput(email: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    email,
    password: STRONG_PASSWORD,
    displayName: 'Jane Doe',
    termsVersion: '1.0',
    privacyPolicyVersion: '1.0',
    language: 'EN',
    ...overrides,
  };
}

/** The 6-digit code of the latest verification mail to `email`. */
export async function verificationCodeFor(email: string, after = 0): Promise<string> {
  const mailbox = testMailbox();
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const mails = (await mailbox.list(email)).filter((mail) => /verification code|code de v/i.test(mail.subject) && mail.id > after);
    const code = /\b(\d{6})\b/.exec(mails.at(-1)?.text ?? '')?.[1];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no verification code mailed to ${email}`);
}

/** Highest mail id so far for `email`, to wait for a newer one. */
export async function lastMailId(email: string): Promise<number> {
  return Math.max(0, ...(await testMailbox().list(email)).map((mail) => mail.id));
}

/** Signs up, reads the code from the SMTP sink and verifies: a logged-in, active user. */
export async function signUpAndVerify(
  h: IdentityTestService,
  options: { email?: string; overrides?: Record<string, unknown> } = {},
): Promise<SessionTokens & { email: string }> {
  const email = options.email ?? businessEmail();
  const before = await lastMailId(email);
  const signUp = await h.call(SIGN_UP, { input: signUpInput(email, options.overrides) });
  if (signUp.errors) throw new Error(`signUp failed: ${JSON.stringify(signUp.errors)}`);
  const code = await verificationCodeFor(email, before);
  const verified = await h.call<{ verifyEmail: SessionTokens }>(VERIFY_EMAIL, { input: { email, code } });
  if (!verified.data) throw new Error(`verifyEmail failed: ${JSON.stringify(verified.errors)}`);
  return { ...verified.data.verifyEmail, email };
}

/** What the gateway does for a bearer access token: ask accounts who the session is. */
export async function callerOf(h: IdentityTestService, session: Pick<SessionTokens, 'userId' | 'sessionId'>): Promise<UserCaller> {
  const resolved = await callRpc(
    h.bus,
    rpcContracts.resolveSession.subject,
    { userId: session.userId, sessionId: session.sessionId },
    rpcContracts.resolveSession.response,
  );
  return { kind: 'user', ...resolved };
}

/** Every event of that type the stream holds (see the platform harness). */
export function eventsOf<N extends EventName>(bus: EventBus, name: N): Promise<Array<LeadgraphEvent<N>>> {
  return publishedEvents(bus, name);
}
