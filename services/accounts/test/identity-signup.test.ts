import { MINUTE_MS } from '@leadgraph/platform';
import { testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { DeletedEmailRegistry } from '../src/users/deleted-email.registry';
import { userModel, type UserDocument } from '../src/users/user.model';
import {
  LOGIN,
  SIGN_UP,
  STRONG_PASSWORD,
  VERIFY_EMAIL,
  businessEmail,
  lastMailId,
  signUpInput,
  startIdentityService,
  verificationCodeFor,
  type IdentityTestService,
  type SessionTokens,
} from './identity-harness';

const RESEND = `mutation Resend($email: String!) { resendVerificationCode(email: $email) { message } }`;

describe('identity: sign-up and e-mail verification (ACC-01, ACC-02)', () => {
  let h: IdentityTestService;
  const mailbox = testMailbox();

  beforeAll(async () => {
    h = await startIdentityService();
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => {
    h.clock.set('2026-11-23T09:00:00.000Z');
  });

  const users = () => userModel(h.service.infra.connection);
  const usersWith = (email: string) => users().find({ email }).lean<UserDocument[]>();

  async function signUp(email: string, overrides: Record<string, unknown> = {}) {
    return h.call<{ signUp: { message: string } }>(SIGN_UP, { input: signUpInput(email, overrides) });
  }

  async function verify(email: string, code: string) {
    return h.call<{ verifyEmail: SessionTokens }>(VERIFY_EMAIL, { input: { email, code } });
  }

  /** A different 6-digit code than the right one. */
  const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('[ACC-01] refuses free-mail addresses with BAD_USER_INPUT on email, creating nothing', async () => {
    for (const domain of ['gmail.com', 'yahoo.fr', 'hotmail.co.uk', 'outlook.com', 'gmx.de', 'laposte.net']) {
      const email = `${uniqueName('jane')}@${domain}`;
      const answer = await signUp(email);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
      expect(answer.errors?.[0]?.message).toMatch(/^email: /);
      expect(await usersWith(email)).toHaveLength(0);
    }
  });

  it('[ACC-01] needs the terms and privacy policy in force, a valid password and a name, naming the field', async () => {
    const email = businessEmail();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ termsVersion: '0.9' }, 'termsVersion'],
      [{ privacyPolicyVersion: '9.9' }, 'privacyPolicyVersion'],
      [{ password: 'too short' }, 'password'],
      [{ displayName: '   ' }, 'displayName'],
      [{ email: 'not-an-address' }, 'email'],
    ];
    for (const [overrides, field] of cases) {
      const answer = await signUp(email, overrides);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await usersWith(email)).toHaveLength(0);
    expect(await mailbox.list(email)).toHaveLength(0);
  });

  it('[ACC-01] stores the accepted versions and when, mails a code stored only as a hash, and the account cannot log in until verified', async () => {
    const email = businessEmail();
    const answer = await signUp(email.toUpperCase(), { marketingEmails: true });
    expect(answer.data?.signUp.message).toMatch(/verification code/);
    const code = await verificationCodeFor(email);

    const [stored] = await usersWith(email);
    expect(stored).toMatchObject({
      email,
      status: 'PENDING_VERIFICATION',
      displayName: 'Jane Doe',
      preferences: { language: 'en', marketingEmails: true },
    });
    expect(stored?.termsAcceptances).toEqual([
      { kind: 'TERMS', version: '1.0', acceptedAt: h.clock.now(), method: 'EXPLICIT' },
      { kind: 'PRIVACY_POLICY', version: '1.0', acceptedAt: h.clock.now(), method: 'EXPLICIT' },
    ]);
    expect(stored?.verification?.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);

    const login = await h.call(LOGIN, { input: { email, password: STRONG_PASSWORD } });
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(login.errors?.[0]?.message).toBe('Invalid e-mail or password');

    const verified = await verify(email, code);
    expect(verified.data?.verifyEmail.userId).toBe(stored?._id);
    const active = await users().findById(stored?._id).lean<UserDocument>();
    expect(active).toMatchObject({ status: 'ACTIVE', emailVerifiedAt: h.clock.now(), verification: null });
  });

  it('[ACC-01] mails the code in the language chosen at sign-up', async () => {
    const email = businessEmail('marie');
    await signUp(email, { language: 'FR', displayName: 'Marie Curie' });
    const mail = await mailbox.waitFor(email, /code de vérification/);
    expect(mail.text).toMatch(/Votre code de vérification est \d{6}/);
  });

  it('[ACC-01] wrong, malformed and unknown-address codes all get the same generic error', async () => {
    const email = businessEmail();
    await signUp(email);
    const code = await verificationCodeFor(email);
    const answers = [await verify(email, wrongCode(code)), await verify(email, 'abc'), await verify(businessEmail('ghost'), code)];
    for (const answer of answers) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
      expect(answer.errors?.[0]?.message).toBe(answers[0]?.errors?.[0]?.message);
      expect(answer.data).toBeNull();
    }
    expect((await verify(email, code)).data?.verifyEmail.userId).toBeDefined();
  });

  it('[ACC-01] a code expires after 15 minutes', async () => {
    const email = businessEmail();
    await signUp(email);
    const code = await verificationCodeFor(email);
    h.clock.advance(15 * MINUTE_MS);
    const expired = await verify(email, code);
    expect(expired.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect((await usersWith(email))[0]?.status).toBe('PENDING_VERIFICATION');
  });

  it('[ACC-01] attempts are limited: after 5 wrong codes even the right one is refused', async () => {
    const email = businessEmail();
    await signUp(email);
    const code = await verificationCodeFor(email);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await verify(email, wrongCode(code))).errors?.[0]?.extensions?.field).toBe('code');
    }
    const exhausted = await verify(email, code);
    expect(exhausted.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect((await usersWith(email))[0]).toMatchObject({ status: 'PENDING_VERIFICATION', verification: { attempts: 5 } });
  });

  it('[ACC-01] resending waits a minute between codes; the new code replaces the old one', async () => {
    const email = businessEmail();
    await signUp(email);
    const first = await verificationCodeFor(email);
    const afterFirst = await lastMailId(email);

    expect((await h.call(RESEND, { email })).data).toEqual({ resendVerificationCode: { message: expect.any(String) } });
    expect(await lastMailId(email)).toBe(afterFirst);

    h.clock.advance(MINUTE_MS);
    await h.call(RESEND, { email });
    const second = await verificationCodeFor(email, afterFirst);
    expect((await usersWith(email))[0]?.verification?.sentAt).toEqual(h.clock.now());
    expect((await verify(email, first)).errors?.[0]?.extensions?.field).toBe('code');
    expect((await verify(email, second)).data?.verifyEmail.sessionId).toBeDefined();
  });

  it('[ACC-01] code mails are rate-limited per address and IP, whether or not an account exists', async () => {
    for (const email of [businessEmail(), businessEmail('ghost')]) {
      await signUp(email);
      const answers = [];
      for (let attempt = 0; attempt < 5; attempt += 1) answers.push(await h.call(RESEND, { email }));
      expect(answers.slice(0, 4).every((answer) => answer.errors === undefined)).toBe(true);
      expect(answers[4]?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(answers[4]?.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('[ACC-02] signing up with a registered address answers like a new one but creates nothing and changes nothing', async () => {
    const email = businessEmail();
    const first = await signUp(email);
    const code = await verificationCodeFor(email);
    const user = (await verify(email, code)).data!.verifyEmail;

    const again = await signUp(email, { password: 'another passphrase entirely', displayName: 'Mallory' });
    expect(again).toEqual(first);
    const stored = await usersWith(email);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ _id: user.userId, status: 'ACTIVE', displayName: 'Jane Doe' });
    expect((await h.call(LOGIN, { input: { email, password: STRONG_PASSWORD } })).data).toBeTruthy();
    await mailbox.waitFor(email, /already have a leadgraph account/);
  });

  it('[ACC-02] a deleted account address can never register again, and is answered like any other', async () => {
    const email = businessEmail();
    const registry = new DeletedEmailRegistry(h.service.infra.connection, {
      secret: h.config.IDENTIFIER_HASH_KEY,
      version: h.config.IDENTIFIER_HASH_KEY_VERSION,
    });
    await registry.remember(email, h.clock.now());
    const fresh = await signUp(businessEmail());

    const answer = await signUp(email);
    expect(answer).toEqual(fresh);
    expect(await usersWith(email)).toHaveLength(0);
    expect(await mailbox.list(email)).toHaveLength(0);
  });

  it('[ACC-02] concurrent sign-ups of one address create exactly one account', async () => {
    const email = businessEmail();
    const answers = await Promise.all(Array.from({ length: 5 }, () => signUp(email)));
    for (const answer of answers) expect(answer.data?.signUp.message).toBeDefined();
    expect(await usersWith(email)).toHaveLength(1);
  });

  it('[ACC-01] signing up again while pending replaces the pending details and code (the mailbox owner decides)', async () => {
    const email = businessEmail();
    await signUp(email, { password: 'first passphrase here' });
    const before = await lastMailId(email);
    h.clock.advance(MINUTE_MS);
    await signUp(email, { password: 'second passphrase here', displayName: 'Jane D.' });
    const code = await verificationCodeFor(email, before);
    expect((await verify(email, code)).data).toBeTruthy();
    expect((await usersWith(email))[0]?.displayName).toBe('Jane D.');
    expect((await h.call(LOGIN, { input: { email, password: 'first passphrase here' } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await h.call(LOGIN, { input: { email, password: 'second passphrase here' } })).data).toBeTruthy();
  });
});
