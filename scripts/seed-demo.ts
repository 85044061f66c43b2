/**
 * Seeds the demo workspace through the gateway, like a real user would: sign-up, code from the
 * mail sink, verification, workspace creation. Idempotent: when the demo user can log in, it
 * only makes sure the workspace exists.
 */
import { MailSinkClient } from '@leadgraph/platform';

export interface DemoAccount {
  email: string;
  password: string;
  workspaceName: string;
}

const DEMO: DemoAccount = {
  email: 'demo.admin@leadgraph-demo.com',
  password: 'leadgraph-demo-password',
  workspaceName: 'Demo workspace',
};

interface Answer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function call<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer<T>;
}

function ensureOk<T>(answer: Answer<T>, step: string): T {
  if (answer.errors?.length || !answer.data) throw new Error(`demo seed: ${step} failed: ${answer.errors?.[0]?.message ?? 'no data'}`);
  return answer.data;
}

async function login(url: string): Promise<string | null> {
  const answer = await call<{ login: { accessToken: string } }>(
    url,
    'mutation($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { email: DEMO.email, password: DEMO.password } },
  );
  return answer.data?.login.accessToken ?? null;
}

async function signUp(url: string, mailApiUrl: string): Promise<string> {
  const legal = ensureOk(
    await call<{ currentLegalDocuments: Array<{ kind: string; version: string }> }>(url, '{ currentLegalDocuments { kind version } }'),
    'reading legal documents',
  );
  const versionOf = (kind: string) => legal.currentLegalDocuments.find((document) => document.kind === kind)?.version;
  ensureOk(
    await call(url, 'mutation($input: SignUpInput!) { signUp(input: $input) { message } }', {
      input: {
        email: DEMO.email,
        password: DEMO.password,
        displayName: 'Demo Admin',
        termsVersion: versionOf('TERMS'),
        privacyPolicyVersion: versionOf('PRIVACY_POLICY'),
        language: 'EN',
      },
    }),
    'sign-up',
  );
  const mail = await new MailSinkClient(mailApiUrl).waitFor(DEMO.email, /verification code/i, 30_000);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  if (!code) throw new Error('demo seed: no code in the verification mail');
  const verified = ensureOk(
    await call<{ verifyEmail: { accessToken: string } }>(url, 'mutation($input: VerifyEmailInput!) { verifyEmail(input: $input) { accessToken } }', {
      input: { email: DEMO.email, code },
    }),
    'e-mail verification',
  );
  return verified.verifyEmail.accessToken;
}

export async function seedDemoWorkspace(gatewayUrl: string, mailApiUrl: string | null): Promise<DemoAccount> {
  let token = await login(gatewayUrl);
  if (!token) {
    if (!mailApiUrl) throw new Error('demo seed: cannot read the sign-up code without the local mail sink (MAIL_API_URL)');
    token = await signUp(gatewayUrl, mailApiUrl);
  }
  const current = ensureOk(await call<{ myWorkspace: { id: string } | null }>(gatewayUrl, '{ myWorkspace { id } }', {}, token), 'reading the workspace');
  if (!current.myWorkspace) {
    ensureOk(
      await call(gatewayUrl, 'mutation($name: String!) { createWorkspace(input: { name: $name }) { id } }', { name: DEMO.workspaceName }, token),
      'workspace creation',
    );
  }
  return DEMO;
}
