import { DAY_MS, MINUTE_MS, Mailer, type UserCaller } from '@leadgraph/platform';
import { eventually, testLogger, testMailbox } from '@leadgraph/platform/src/testing';
import { legalDocumentModel } from '../src/legal/legal.model';
import { LegalService } from '../src/legal/legal.service';
import { userModel, type UserDocument } from '../src/users/user.model';
import {
  SIGN_UP,
  businessEmail,
  callerOf,
  signUpAndVerify,
  signUpInput,
  startIdentityService,
  type IdentityTestService,
  type SessionTokens,
} from './identity-harness';

const CURRENT = `{ currentLegalDocuments { kind version effectiveAt } upcomingLegalDocuments { kind version effectiveAt summary } }`;
const PUBLISH = `mutation Publish($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { kind version effectiveAt } }`;
const HISTORY_FIELDS = 'kind version decision method decidedAt';
const MY_HISTORY = `{ myLegalAcceptances { ${HISTORY_FIELDS} } }`;
const ACCEPT = `mutation Accept($input: LegalDocumentRef!) { acceptLegalDocument(input: $input) { ${HISTORY_FIELDS} } }`;
const REFUSE = `mutation Refuse($input: LegalDocumentRef!) { refuseLegalDocument(input: $input) { ${HISTORY_FIELDS} } }`;
const USER_HISTORY = `query History($userId: ID!) { userLegalAcceptances(userId: $userId) { ${HISTORY_FIELDS} } }`;

interface Decision {
  kind: string;
  version: string;
  decision: string;
  method: string;
  decidedAt: string;
}

/**
 * One timeline, in order: publication with notice, explicit decisions during the notice period,
 * then the version takes effect and silence counts as acceptance (ACC-09).
 */
describe('identity: legal documents, notices and acceptance (ACC-09)', () => {
  let h: IdentityTestService;
  let jobs: LegalService;
  let mailer: Mailer;
  const bootstrapEmail = businessEmail('ops');
  let admin: UserCaller;
  let accepting: SessionTokens & { email: string };
  let refusing: SessionTokens & { email: string };
  let silent: SessionTokens & { email: string };
  let lateJoiner: SessionTokens & { email: string };
  const pendingEmail = businessEmail('pending');
  const publishedAt = new Date('2026-11-23T09:00:00.000Z');
  const effectiveAt = new Date(publishedAt.getTime() + 20 * DAY_MS);

  beforeAll(async () => {
    h = await startIdentityService({ BOOTSTRAP_SUPER_ADMIN_EMAIL: bootstrapEmail });
    admin = await callerOf(h, await signUpAndVerify(h, { email: bootstrapEmail }));
    [accepting, refusing, silent] = await Promise.all([signUpAndVerify(h), signUpAndVerify(h), signUpAndVerify(h)]);
    await h.call(SIGN_UP, { input: signUpInput(pendingEmail) });
    // The service's job methods, on the service's database and clock, as its scheduler calls them.
    mailer = new Mailer(h.config.SMTP_URL, h.config.MAIL_FROM);
    const connection = h.service.infra.connection;
    jobs = new LegalService(legalDocumentModel(connection), userModel(connection), mailer, h.clock, testLogger('legal-jobs'));
  });
  afterAll(async () => {
    mailer.close();
    await h.stop();
  });

  const history = async (user: SessionTokens) =>
    (await h.call<{ myLegalAcceptances: Decision[] }>(MY_HISTORY, {}, await callerOf(h, user))).data!.myLegalAcceptances;
  const ref = (version: string) => ({ input: { kind: 'TERMS', version } });

  it('[ACC-09] the versions in force are public, seeded once however often the service starts', async () => {
    const answer = await h.call<{ currentLegalDocuments: Array<Record<string, string>> }>(CURRENT);
    expect(answer.data?.currentLegalDocuments.map((document) => [document.kind, document.version])).toEqual([
      ['TERMS', '1.0'],
      ['PRIVACY_POLICY', '1.0'],
    ]);
    await jobs.seedInitialVersions();
    expect(await legalDocumentModel(h.service.infra.connection).countDocuments()).toBe(2);
  });

  it('[ACC-09] only super admins publish, and a version must take effect at least 15 days ahead', async () => {
    const input = { kind: 'TERMS', version: '2.0', effectiveAt: new Date(publishedAt.getTime() + 14 * DAY_MS), summary: 'New fair-use limits' };
    const tooSoon = await h.call(PUBLISH, { input }, admin);
    expect(tooSoon.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'effectiveAt' });
    expect(tooSoon.errors?.[0]?.message).toMatch(/15 days/);
    const byCustomer = await h.call(PUBLISH, { input: { ...input, effectiveAt }, }, await callerOf(h, accepting));
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.call<{ upcomingLegalDocuments: unknown[] }>(CURRENT)).data?.upcomingLegalDocuments).toEqual([]);
  });

  it('[ACC-09] publishing a new version tells every active user by mail before it takes effect', async () => {
    const published = await h.call(PUBLISH, { input: { kind: 'TERMS', version: '2.0', effectiveAt, summary: 'New fair-use limits' } }, admin);
    expect(published.data).toEqual({ publishLegalDocument: { kind: 'TERMS', version: '2.0', effectiveAt: effectiveAt.toISOString() } });
    const duplicate = await h.call(PUBLISH, { input: { kind: 'TERMS', version: '2.0', effectiveAt, summary: 'Again' } }, admin);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    for (const user of [accepting, refusing, silent, { email: bootstrapEmail }]) {
      const mail = await testMailbox().waitFor(user.email, /terms of service change on 2026-12-13 \(version 2\.0\)/);
      expect(mail.text).toContain('New fair-use limits');
    }
    // The pass started by the publication records each notice once its mail went out.
    await eventually(async () => {
      const told = await userModel(h.service.infra.connection).find({ 'legalNotices.version': '2.0' }, { _id: 1 }).lean();
      expect(told).toHaveLength(4);
    });
    expect(await jobs.notifyUsersOfUpcomingVersions()).toBe(0);
    expect(await testMailbox().list(pendingEmail)).toHaveLength(1); // its verification code only
    const notices = (await userModel(h.service.infra.connection).findById(silent.userId).lean<UserDocument>())?.legalNotices;
    expect(notices).toEqual([{ kind: 'TERMS', version: '2.0', notifiedAt: publishedAt }]);
    const upcoming = await h.call<{ upcomingLegalDocuments: Array<Record<string, string>> }>(CURRENT);
    expect(upcoming.data?.upcomingLegalDocuments).toEqual([
      { kind: 'TERMS', version: '2.0', effectiveAt: effectiveAt.toISOString(), summary: 'New fair-use limits' },
    ]);
  });

  it('[ACC-09] during the notice period sign-up accepts the version in force; late joiners are told by the job', async () => {
    h.clock.advance(DAY_MS);
    const email = businessEmail('late');
    const upcomingTerms = await h.call(SIGN_UP, { input: signUpInput(email, { termsVersion: '2.0' }) });
    expect(upcomingTerms.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'termsVersion' });
    lateJoiner = await signUpAndVerify(h, { email });
    expect(await jobs.notifyUsersOfUpcomingVersions()).toBe(1);
    await testMailbox().waitFor(email, /version 2\.0/);
    expect(await jobs.notifyUsersOfUpcomingVersions()).toBe(0);
  });

  it('[ACC-09] users accept or refuse the upcoming version explicitly', async () => {
    h.clock.advance(MINUTE_MS);
    const accepted = await h.call<{ acceptLegalDocument: Decision[] }>(ACCEPT, ref('2.0'), await callerOf(h, accepting));
    expect(accepted.data?.acceptLegalDocument.at(-1)).toEqual({
      kind: 'TERMS',
      version: '2.0',
      decision: 'ACCEPTED',
      method: 'EXPLICIT',
      decidedAt: h.clock.now().toISOString(),
    });
    const refused = await h.call<{ refuseLegalDocument: Decision[] }>(REFUSE, ref('2.0'), await callerOf(h, refusing));
    expect(refused.data?.refuseLegalDocument.at(-1)).toMatchObject({ version: '2.0', decision: 'REFUSED' });

    const refuseAfterAccepting = await h.call(REFUSE, ref('2.0'), await callerOf(h, accepting));
    expect(refuseAfterAccepting.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const unknown = await h.call(ACCEPT, ref('9.9'), await callerOf(h, accepting));
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'version' });
  });

  it('[ACC-09] once in force, silence of notified users counts as acceptance; refusals and explicit choices stand', async () => {
    expect(await jobs.recordSilentAcceptances()).toBe(0); // not in force yet
    h.clock.set(new Date(effectiveAt.getTime() + MINUTE_MS));

    // The silent user, the bootstrap admin and the late joiner were told and said nothing.
    expect(await jobs.recordSilentAcceptances()).toBe(3);
    expect(await jobs.recordSilentAcceptances()).toBe(0);

    expect((await history(silent)).map((entry) => [entry.kind, entry.version, entry.decision, entry.method])).toEqual([
      ['TERMS', '1.0', 'ACCEPTED', 'EXPLICIT'],
      ['PRIVACY_POLICY', '1.0', 'ACCEPTED', 'EXPLICIT'],
      ['TERMS', '2.0', 'ACCEPTED', 'SILENCE'],
    ]);
    expect((await history(silent)).at(-1)?.decidedAt).toBe(effectiveAt.toISOString());
    expect((await history(lateJoiner)).at(-1)).toMatchObject({ version: '2.0', method: 'SILENCE' });
    expect((await history(accepting)).filter((entry) => entry.version === '2.0')).toEqual([
      expect.objectContaining({ decision: 'ACCEPTED', method: 'EXPLICIT' }),
    ]);
    expect((await history(refusing)).filter((entry) => entry.version === '2.0').map((entry) => entry.decision)).toEqual(['REFUSED']);
    const pending = await userModel(h.service.infra.connection).findOne({ email: pendingEmail }).lean<UserDocument>();
    expect(pending?.termsAcceptances.map((entry) => entry.version)).toEqual(['1.0', '1.0']);
  });

  it('[ACC-09] the new version is in force: sign-up needs it, and support can read a user’s history', async () => {
    const current = await h.call<{ currentLegalDocuments: Array<Record<string, string>> }>(CURRENT);
    expect(current.data?.currentLegalDocuments.map((document) => [document.kind, document.version])).toEqual([
      ['TERMS', '2.0'],
      ['PRIVACY_POLICY', '1.0'],
    ]);
    const oldTerms = await h.call(SIGN_UP, { input: signUpInput(businessEmail(), { termsVersion: '1.0' }) });
    expect(oldTerms.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'termsVersion' });
    const newcomer = await signUpAndVerify(h, { overrides: { termsVersion: '2.0' } });
    expect((await history(newcomer)).map((entry) => entry.version)).toEqual(['2.0', '1.0']);

    const seenBySupport = await h.call<{ userLegalAcceptances: Decision[] }>(USER_HISTORY, { userId: refusing.userId }, admin);
    expect(seenBySupport.data?.userLegalAcceptances.at(-1)).toMatchObject({ version: '2.0', decision: 'REFUSED' });
    const seenByCustomer = await h.call(USER_HISTORY, { userId: refusing.userId }, await callerOf(h, accepting));
    expect(seenByCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
