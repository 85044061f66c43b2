import { randomUUID } from 'node:crypto';
import { createEvent, dataSubjectExportPartSchema, type DataSubjectExportPart, type DataSubjectRequestAnswer, type DataSubjectRight } from '@leadgraph/events';
import { DAY_MS, identifierHash, openDataSubjectPayload, processedEventModel, sealDataSubjectPayload } from '@leadgraph/platform';
import { eventually, uniqueName } from '@leadgraph/platform/src/testing';
import { accountDeletionModel } from '../src/account-deletion/account-deletion.model';
import { dataSubjectWorkModel } from '../src/data-subject-requests/data-subject-request.model';
import { UNRECORDED_RESTRICTION } from '../src/data-subject-requests/data-subject-request.rules';
import { invitationModel } from '../src/invitations/invitation.model';
import { referralInvitationModel, referralOptOutModel } from '../src/referrals/referral.model';
import type { UserDocument } from '../src/users/user.model';
import {
  createActiveUser,
  INVITE,
  createWorkspace,
  expectEvents,
  inviteAndJoin,
  publishedEvents,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

const INVITE_REFERRAL = `mutation ($input: InviteReferralInput!) { inviteReferral(input: $input) { id status } }`;
const CREATE_TOKEN = `mutation { createApiToken(input: { name: "CRM sync", scopes: ["contacts:read"] }) { secret token { id } } }`;

describe('accounts: data-subject requests (PRV-02, PRV-05) and opt-outs (PRV-08)', () => {
  let accounts: AccountsUnderTest;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
  });
  afterAll(async () => {
    await accounts.stop();
  });

  const connection = () => accounts.service.infra.connection;
  const hashKey = () => ({ secret: accounts.config.IDENTIFIER_HASH_KEY, version: accounts.config.IDENTIFIER_HASH_KEY_VERSION });
  const emailHash = (email: string) => identifierHash('EMAIL', email, hashKey());
  const businessAddress = (prefix: string) => `${uniqueName(prefix)}@acme-industries.com`;
  const reload = async (userId: string) => (await accounts.users.findById(userId).lean<UserDocument>())!;

  /** Publishes a verified request as the privacy service would; returns its id. */
  async function openRequest(
    right: DataSubjectRight,
    person: { userId?: string | null; email?: string },
    options: { sealedDetails?: string | null; requestId?: string } = {},
  ): Promise<string> {
    const requestId = options.requestId ?? randomUUID();
    const now = accounts.clock.now();
    const event = createEvent(
      'DataSubjectRequestOpened',
      {
        requestId,
        right,
        userId: person.userId ?? null,
        identifiers: person.email ? [{ kind: 'EMAIL', hash: emailHash(person.email), keyVersion: hashKey().version }] : [],
        sealedDetails: options.sealedDetails ?? null,
        dueAt: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
        openedAt: now.toISOString(),
      },
      { subject: `data-subject-request/${requestId}`, time: now },
    );
    await accounts.service.infra.bus.publish(event);
    return requestId;
  }

  /** The one DataSubjectRequestAnsweredByAccounts of that request, seen on NATS. */
  async function answerTo(requestId: string): Promise<DataSubjectRequestAnswer> {
    const [answer] = await expectEvents(accounts.service, 'DataSubjectRequestAnsweredByAccounts', (data) => data.requestId === requestId);
    return answer!.data;
  }

  async function user(overrides: Partial<UserDocument> = {}): Promise<UserDocument> {
    const id = uniqueName('user');
    return createActiveUser(accounts, { _id: id, email: `${id}@acme-industries.com`, ...overrides });
  }

  async function inviteReferral(referrerId: string, email: string, name = 'Jane Invitee') {
    return accounts.as<{ inviteReferral: { id: string } }>(referrerId, INVITE_REFERRAL, { input: { name, email } });
  }

  it('[PRV-02][PRV-05] access: a sealed export of profile, legal acceptances, preferences, membership, tokens, activity and referrals, each with purpose, legal basis and source', async () => {
    const jane = await user({
      displayName: 'Jane Access',
      termsAcceptances: [{ kind: 'TERMS', version: '1.0', acceptedAt: accounts.clock.now(), method: 'EXPLICIT' }],
      preferences: { language: 'fr', marketingEmails: true, marketingEmailsChangedAt: accounts.clock.now() },
    });
    const workspaceId = await createWorkspace(accounts, jane._id, 'Jane\'s team');
    const member = await user();
    await inviteAndJoin(accounts, jane._id, member, 'MEMBER');
    const token = await accounts.as<{ createApiToken: { secret: string; token: { id: string } } }>(jane._id, CREATE_TOKEN);
    expect(token.errors).toBeUndefined();
    const invitee = businessAddress('invitee');
    expect((await inviteReferral(jane._id, invitee, 'Third Party')).errors).toBeUndefined();
    // Someone invited Jane's address too (before she had an account, say).
    const referrer = await user();
    expect((await inviteReferral(referrer._id, businessAddress('other'))).errors).toBeUndefined();
    await referralInvitationModel(connection()).create({
      _id: uniqueName('inv'),
      referrerUserId: referrer._id,
      inviteeName: 'Jane',
      inviteeEmail: jane.email,
      inviteeEmailHash: emailHash(jane.email!),
      keyVersion: hashKey().version,
      status: 'PENDING',
      createdAt: accounts.clock.now(),
      expiresAt: new Date(accounts.clock.now().getTime() + 92 * DAY_MS),
      rewardedAt: null,
      purgedAt: null,
      outbox: [],
    });

    // Found by the keyed hash of her e-mail only (filed signed out).
    const requestId = await openRequest('ACCESS', { email: jane.email! });
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ service: 'accounts', right: 'ACCESS', outcome: 'CARRIED_OUT', retained: [] });
    expect(JSON.stringify(answer)).not.toContain(jane.email);
    const part: DataSubjectExportPart = dataSubjectExportPartSchema.parse(openDataSubjectPayload(answer.sealedExport!, accounts.config.DATA_SUBJECT_SEAL_KEY));
    const record = (category: string) => part.records.find((candidate) => candidate.dataCategory === category);

    expect(record('ACCOUNT_PROFILE')).toMatchObject({
      legalBasis: 'contract',
      data: { userId: jane._id, email: jane.email, fullName: 'Jane Access', linkedInProfileLinked: false },
    });
    expect(record('LEGAL_ACCEPTANCES')?.data).toMatchObject({ acceptances: [{ kind: 'TERMS', version: '1.0', method: 'EXPLICIT' }] });
    expect(record('PREFERENCES')?.data).toEqual({ language: 'fr' });
    expect(record('MARKETING_CONSENT')).toMatchObject({
      legalBasis: 'consent',
      source: 'provided by you, dates generated by the service',
      data: { marketingEmails: true, chosenAt: accounts.clock.now().toISOString() },
    });
    expect(record('WORKSPACE_MEMBERSHIP')?.data).toMatchObject({ workspaceId, workspaceName: 'Jane\'s team', role: 'ADMIN' });
    expect(record('API_TOKENS')?.data).toEqual([expect.objectContaining({ tokenId: token.data!.createApiToken.token.id, name: 'CRM sync', scopes: ['contacts:read'] })]);
    const activity = record('WORKSPACE_ACTIVITY_LOG');
    expect(activity?.legalBasis).toBe('legitimate interest');
    expect((activity?.data as Array<{ action: string }>).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['WORKSPACE_CREATED', 'MEMBER_INVITED', 'API_TOKEN_CREATED']),
    );
    expect(record('REFERRAL_INVITATIONS_SENT')?.data).toEqual([expect.objectContaining({ status: 'PENDING', invitedAt: expect.any(String) })]);
    expect(record('REFERRAL_INVITATIONS_RECEIVED')).toMatchObject({ source: 'provided by a leadgraph user who invited you', data: [{ yourEmail: jane.email, status: 'PENDING' }] });
    expect(part.recipients).toEqual([expect.objectContaining({ workspaceId, fields: ['email', 'fullName', 'role'] })]);
    for (const item of part.records) {
      expect(item).toEqual(expect.objectContaining({ purpose: expect.any(String), legalBasis: expect.stringMatching(/^(contract|legitimate interest|consent)$/), source: expect.any(String) }));
    }
    // Never secrets, never third parties' details.
    const text = JSON.stringify(part);
    for (const secret of [token.data!.createApiToken.secret, invitee, 'Third Party', member.email!, 'passwordHash', 'secretHash']) {
      expect(text).not.toContain(secret);
    }
    expect(answer.actions).toEqual(expect.arrayContaining([{ dataCategory: 'ACCOUNT_PROFILE', action: 'EXPORTED', count: 1, note: null }]));
  });

  it('[PRV-02][PRV-05] portability for a person without an account: the invitations addressed to them', async () => {
    const referrer = await user();
    const address = businessAddress('prospect');
    expect((await inviteReferral(referrer._id, address, 'Paula Prospect')).errors).toBeUndefined();
    const answer = await answerTo(await openRequest('PORTABILITY', { email: address }));
    expect(answer).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'REFERRAL_INVITATIONS_RECEIVED', action: 'EXPORTED', count: 1, note: null }] });
    const part = dataSubjectExportPartSchema.parse(openDataSubjectPayload(answer.sealedExport!, accounts.config.DATA_SUBJECT_SEAL_KEY));
    expect(part.records).toEqual([expect.objectContaining({ dataCategory: 'REFERRAL_INVITATIONS_RECEIVED', data: [expect.objectContaining({ yourName: 'Paula Prospect', yourEmail: address })] })]);
    expect(JSON.stringify(part)).not.toContain(referrer.email);
  });

  it('[PRV-05] a person with no account and nothing addressed to them: NO_DATA_HELD for access and erasure', async () => {
    const stranger = businessAddress('stranger');
    for (const right of ['ACCESS', 'ERASURE', 'CONSENT_WITHDRAWAL', 'POST_MORTEM_DIRECTIVE'] as const) {
      const answer = await answerTo(await openRequest(right, { email: stranger }));
      expect(answer).toMatchObject({ right, outcome: 'NO_DATA_HELD', actions: [], sealedExport: null });
    }
  });

  it('[PRV-02][PRV-05] erasure of a sole administrator: account deleted through ACC-06 (workspace deleted for everyone), invitations to them erased, answered ERASED once even when redelivered', async () => {
    const admin = await user();
    const workspaceId = await createWorkspace(accounts, admin._id, 'Doomed');
    const member = await user();
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    const referrer = await user();
    expect((await inviteReferral(referrer._id, admin.email!, 'Admin Person')).errors).toBeUndefined();
    const invitations = referralInvitationModel(connection());
    expect(await invitations.countDocuments({ inviteeEmailHash: emailHash(admin.email!) })).toBe(1);

    const requestId = await openRequest('ERASURE', { userId: admin._id, email: admin.email! });
    const answer = await answerTo(requestId);
    expect(answer).toMatchObject({ right: 'ERASURE', outcome: 'CARRIED_OUT', sealedExport: null });
    expect(answer.actions).toEqual([
      { dataCategory: 'ACCOUNT_DATA', action: 'ERASED', count: 1, note: expect.stringMatching(/only administrator: your workspace and everything in it were deleted/) },
      { dataCategory: 'REFERRAL_INVITATIONS', action: 'ERASED', count: 1, note: 'invitations addressed to you' },
    ]);
    expect(answer.retained).toEqual([
      expect.objectContaining({ dataCategory: 'DELETED_ACCOUNT_EMAIL_HASH', keptUntil: null }),
      expect.objectContaining({ dataCategory: 'ACCOUNT_DATA', keptUntil: '2031-11-23T09:00:00.000Z' }),
    ]);

    const erased = await reload(admin._id);
    expect(erased).toMatchObject({ status: 'DELETED', displayName: null });
    expect([erased.email ?? null, erased.emailHash ?? null]).toEqual([null, null]);
    expect(await accountDeletionModel(connection()).findById(admin._id).lean()).toMatchObject({ status: 'COMPLETED', dataSubjectRequestId: requestId });
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'DELETED', deletionReason: 'SOLE_ADMIN_ACCOUNT_DELETED' });
    await expectEvents(accounts.service, 'AccountDeleted', (data) => data.userId === admin._id && data.deletedWorkspaceId === workspaceId);
    await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId && data.formerMemberUserIds.includes(member._id));
    await eventually(async () => expect((await reload(member._id)).workspaceId ?? null).toBeNull());
    expect(await invitations.countDocuments({ inviteeEmailHash: emailHash(admin.email!) })).toBe(0);

    // Redelivered by privacy (a new delivery of the same request): handled, answered no second time.
    const replayId = randomUUID();
    const replay = createEvent(
      'DataSubjectRequestOpened',
      {
        requestId,
        right: 'ERASURE',
        userId: admin._id,
        identifiers: [{ kind: 'EMAIL', hash: emailHash(admin.email!), keyVersion: hashKey().version }],
        sealedDetails: null,
        dueAt: accounts.clock.now().toISOString(),
        openedAt: accounts.clock.now().toISOString(),
      },
      { subject: `data-subject-request/${requestId}`, time: accounts.clock.now(), id: replayId },
    );
    await accounts.service.infra.bus.publish(replay);
    await eventually(async () => expect(await processedEventModel(connection()).exists({ eventId: replayId, consumer: /data-subject-requests/ })).toBeTruthy());
    expect(await publishedEvents(accounts.service, 'DataSubjectRequestAnsweredByAccounts', (data) => data.requestId === requestId)).toHaveLength(1);
    expect(await publishedEvents(accounts.service, 'AccountDeleted', (data) => data.userId === admin._id)).toHaveLength(1);
  });

  it('[PRV-02] erasure of a member: withdrawn from the workspace, which stays; the answer says the activity log keeps the account id', async () => {
    const admin = await user();
    const workspaceId = await createWorkspace(accounts, admin._id);
    const member = await user();
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    const answer = await answerTo(await openRequest('ERASURE', { email: member.email! }));
    expect(answer.actions).toEqual([
      { dataCategory: 'ACCOUNT_DATA', action: 'ERASED', count: 1, note: expect.stringMatching(/withdrawn from your workspace/) },
      // The invitation they accepted to join.
      { dataCategory: 'WORKSPACE_INVITATIONS', action: 'ERASED', count: 1, note: expect.any(String) },
    ]);
    expect(await invitationModel(connection()).countDocuments({ workspaceId, email: member.email })).toBe(0);
    expect(answer.retained.map((item) => item.dataCategory)).toEqual(['DELETED_ACCOUNT_EMAIL_HASH', 'ACCOUNT_DATA', 'WORKSPACE_ACTIVITY_LOG']);
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'ACTIVE' });
    expect((await reload(member._id)).status).toBe('DELETED');
  });

  it('[PRV-02][PRV-05] a person invited to a workspace without an account: access shows the invitation, erasure deletes it', async () => {
    const admin = await user();
    const workspaceId = await createWorkspace(accounts, admin._id);
    const address = businessAddress('candidate');
    expect((await accounts.as(admin._id, INVITE, { email: address, role: 'MEMBER' })).errors).toBeUndefined();

    const access = await answerTo(await openRequest('ACCESS', { email: address }));
    expect(access.actions).toEqual([{ dataCategory: 'WORKSPACE_INVITATIONS_RECEIVED', action: 'EXPORTED', count: 1, note: null }]);
    const part = dataSubjectExportPartSchema.parse(openDataSubjectPayload(access.sealedExport!, accounts.config.DATA_SUBJECT_SEAL_KEY));
    expect(part.records[0]?.data).toEqual([expect.objectContaining({ workspaceId, yourEmail: address, role: 'MEMBER', status: 'PENDING' })]);
    expect(JSON.stringify(part)).not.toContain('tokenHash');

    const erasure = await answerTo(await openRequest('ERASURE', { email: address }));
    expect(erasure).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'WORKSPACE_INVITATIONS', action: 'ERASED', count: 1 }], retained: [] });
    expect(await invitationModel(connection()).countDocuments({ email: address })).toBe(0);
  });

  it('[PRV-05] a request interrupted after its decision (crash, then redelivery) is carried out with the figures decided first', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: false, marketingEmailsChangedAt: null } });
    const requestId = randomUUID();
    // What the first handling had decided before the crash: marketing was on then.
    await dataSubjectWorkModel(connection()).create({
      _id: requestId,
      right: 'CONSENT_WITHDRAWAL',
      userId: jane._id,
      emailHashes: [emailHash(jane.email!)],
      counts: { invitationsHoldingData: 0, invitationsWithName: 0, marketingOn: 1, workspaceInvitations: 0 },
      startedAt: accounts.clock.now(),
    });
    const answer = await answerTo(await openRequest('CONSENT_WITHDRAWAL', { userId: jane._id }, { requestId }));
    expect(answer.actions).toEqual([{ dataCategory: 'MARKETING', action: 'CONSENT_WITHDRAWN', count: 1, note: 'consent to marketing e-mails withdrawn' }]);
    await eventually(async () => expect(await dataSubjectWorkModel(connection()).exists({ _id: requestId })).toBeNull());
  });

  it('[PRV-02] rectification: the sealed FULL_NAME correction becomes the account\'s name; fields accounts does not hold are said so', async () => {
    const jane = await user({ displayName: 'Jane Wrong' });
    const sealedDetails = sealDataSubjectPayload(
      { corrections: [{ field: 'FULL_NAME', value: 'Jane Right' }, { field: 'JOB_TITLE', value: 'CTO' }], directive: null },
      accounts.config.DATA_SUBJECT_SEAL_KEY,
    );
    const answer = await answerTo(await openRequest('RECTIFICATION', { userId: jane._id, email: jane.email! }, { sealedDetails }));
    expect(answer).toMatchObject({
      outcome: 'CARRIED_OUT',
      actions: [{ dataCategory: 'ACCOUNT_PROFILE', action: 'RECTIFIED', count: 1, note: 'full name corrected; not held by accounts: JOB_TITLE' }],
    });
    expect((await reload(jane._id)).displayName).toBe('Jane Right');
  });

  it('[PRV-02] restriction: processing restricted, marketing e-mails off, no referral invitation to the address', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: new Date('2026-01-01T00:00:00.000Z') } });
    const answer = await answerTo(await openRequest('RESTRICTION', { userId: jane._id }));
    expect(answer).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'ACCOUNT_DATA', action: 'RESTRICTED', count: 1 }] });
    const restricted = await reload(jane._id);
    expect(restricted.processingRestrictedAt).toEqual(accounts.clock.now());
    expect(restricted.preferences).toMatchObject({ marketingEmails: false, marketingEmailsChangedAt: accounts.clock.now() });
    const referrer = await user();
    expect((await inviteReferral(referrer._id, jane.email!)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  /** Publishes privacy's DataSubjectRestrictionLifted for a RESTRICTION request (GDPR art. 18(3)). */
  async function liftRestriction(requestId: string, person: { userId?: string | null; email?: string }): Promise<void> {
    const now = accounts.clock.now();
    const event = createEvent(
      'DataSubjectRestrictionLifted',
      {
        requestId,
        userId: person.userId ?? null,
        identifiers: person.email ? [{ kind: 'EMAIL', hash: emailHash(person.email), keyVersion: hashKey().version }] : [],
        liftedAt: now.toISOString(),
      },
      { subject: `data-subject-request/${requestId}`, time: now },
    );
    await accounts.service.infra.bus.publish(event);
  }

  const UPDATE_PREFERENCES = `mutation ($input: UpdatePreferencesInput!) { updatePreferences(input: $input) { marketingEmails } }`;

  it('[PRV-02] lifting a restriction (art. 18(3)) ends only that request\'s: another active RESTRICTION keeps the account restricted; marketing stays off until the person turns it on', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: new Date('2026-01-01T00:00:00.000Z') } });
    const restrictedAt = accounts.clock.now();
    const first = await openRequest('RESTRICTION', { userId: jane._id });
    await answerTo(first);
    // A second request of the same person (filed signed out), still in force when the first is lifted.
    const second = await openRequest('RESTRICTION', { email: jane.email! });
    await answerTo(second);
    expect(await reload(jane._id)).toMatchObject({ processingRestrictedAt: restrictedAt, processingRestrictedBy: [first, second] });

    accounts.clock.advance(60_000);
    await liftRestriction(first, { userId: jane._id, email: jane.email! });
    await eventually(async () => expect((await reload(jane._id)).processingRestrictedBy).toEqual([second]));
    expect((await reload(jane._id)).processingRestrictedAt).not.toBeNull();
    const referrer = await user();
    expect((await inviteReferral(referrer._id, jane.email!)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });

    await liftRestriction(second, { email: jane.email! });
    await eventually(async () => expect((await reload(jane._id)).processingRestrictedAt).toBeNull());
    const lifted = await reload(jane._id);
    expect(lifted.processingRestrictedBy).toEqual([]);
    // Lifting gives no consent: marketing stays off, dated when the restriction turned it off.
    expect(lifted.preferences).toMatchObject({ marketingEmails: false, marketingEmailsChangedAt: restrictedAt });
    expect((await inviteReferral(referrer._id, jane.email!)).errors).toBeUndefined();
    const optIn = await accounts.as<{ updatePreferences: { marketingEmails: boolean } }>(jane._id, UPDATE_PREFERENCES, { input: { marketingEmails: true } });
    expect(optIn.errors).toBeUndefined();
    expect(optIn.data?.updatePreferences.marketingEmails).toBe(true);

    // A redelivered (new event id) or unknown lift changes nothing.
    await liftRestriction(second, { email: jane.email! });
    await liftRestriction(randomUUID(), { userId: jane._id });
    const unrelated = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: null } });
    const third = await openRequest('RESTRICTION', { userId: unrelated._id });
    await answerTo(third);
    await liftRestriction(third, { userId: unrelated._id });
    await eventually(async () => expect((await reload(unrelated._id)).processingRestrictedAt).toBeNull());
    expect(await reload(jane._id)).toMatchObject({ processingRestrictedAt: null, processingRestrictedBy: [], preferences: { marketingEmails: true } });
  });

  it('[PRV-02] an account restricted before the restricting requests were recorded stays restricted when a later request is lifted (unknown cause)', async () => {
    const legacyAt = new Date('2026-06-01T00:00:00.000Z');
    const jane = await user({ processingRestrictedAt: legacyAt });
    expect((await reload(jane._id)).processingRestrictedBy).toBeUndefined();
    const requestId = await openRequest('RESTRICTION', { userId: jane._id });
    await answerTo(requestId);
    expect(await reload(jane._id)).toMatchObject({ processingRestrictedAt: legacyAt, processingRestrictedBy: [UNRECORDED_RESTRICTION, requestId] });
    await liftRestriction(requestId, { userId: jane._id });
    await eventually(async () => expect((await reload(jane._id)).processingRestrictedBy).toEqual([UNRECORDED_RESTRICTION]));
    expect((await reload(jane._id)).processingRestrictedAt).toEqual(legacyAt);
  });

  it('[PRV-02] lifting the restriction of a person without an account: invitations to the address allowed again, unless it opted out meanwhile', async () => {
    const inviter = await user();
    const free = businessAddress('restricted');
    const optedOut = businessAddress('restricted-then-opted-out');
    expect((await inviteReferral(inviter._id, free)).errors).toBeUndefined();
    expect((await inviteReferral(inviter._id, optedOut)).errors).toBeUndefined();
    const freeRequest = await openRequest('RESTRICTION', { email: free });
    const optedOutRequest = await openRequest('RESTRICTION', { email: optedOut });
    expect((await answerTo(freeRequest)).actions).toEqual([expect.objectContaining({ dataCategory: 'REFERRAL_INVITATIONS', action: 'RESTRICTED' })]);
    await answerTo(optedOutRequest);
    const referrer = await user();
    expect((await inviteReferral(referrer._id, free)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });

    // The second person then opts out (PRV-01): that is for good, whatever happens to the restriction.
    const optOutEvent = createEvent(
      'ContactOptedOut',
      { optOutId: uniqueName('optout'), identifiers: [{ kind: 'EMAIL', hash: emailHash(optedOut), keyVersion: hashKey().version }], optedOutAt: accounts.clock.now().toISOString() },
      { subject: uniqueName('optout'), time: accounts.clock.now() },
    );
    await accounts.service.infra.bus.publish(optOutEvent);
    await eventually(async () => expect(await referralInvitationModel(connection()).countDocuments({ inviteeEmailHash: emailHash(optedOut), status: 'PENDING' })).toBe(0));
    const listed = await referralOptOutModel(connection()).findById(emailHash(optedOut)).lean();
    expect(listed).toMatchObject({ restrictedBy: [optedOutRequest] });
    expect(listed?.restrictionOnly).toBeUndefined();

    await liftRestriction(freeRequest, { email: free });
    await liftRestriction(optedOutRequest, { email: optedOut });
    await eventually(async () => expect(await referralOptOutModel(connection()).exists({ _id: emailHash(free) })).toBeNull());
    await eventually(async () => expect(await referralOptOutModel(connection()).findById(emailHash(optedOut)).lean()).toMatchObject({ restrictedBy: [] }));
    expect((await inviteReferral(referrer._id, free)).errors).toBeUndefined();
    expect((await inviteReferral(referrer._id, optedOut)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('[PRV-02] objection to direct marketing: marketing e-mails off, the address on the do-not-invite list, invitations to it deleted', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: null } });
    const referrer = await user();
    expect((await inviteReferral(referrer._id, jane.email!)).errors).toBeUndefined();
    const answer = await answerTo(await openRequest('OBJECTION', { email: jane.email! }));
    expect(answer.actions).toEqual([
      { dataCategory: 'MARKETING', action: 'OBJECTION_APPLIED', count: 1, note: 'marketing e-mails stopped' },
      { dataCategory: 'REFERRAL_INVITATIONS', action: 'OBJECTION_APPLIED', count: 1, note: expect.stringMatching(/do-not-invite list/) },
    ]);
    expect((await reload(jane._id)).preferences.marketingEmails).toBe(false);
    expect(await referralOptOutModel(connection()).exists({ _id: emailHash(jane.email!) })).toBeTruthy();
    expect(await referralInvitationModel(connection()).countDocuments({ inviteeEmailHash: emailHash(jane.email!) })).toBe(0);
    const other = await user();
    expect((await inviteReferral(other._id, jane.email!)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('[PRV-02] consent withdrawal: marketing consent withdrawn with its date', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: new Date('2026-01-01T00:00:00.000Z') } });
    accounts.clock.advance(60_000);
    const withdrawnAt = accounts.clock.now();
    const answer = await answerTo(await openRequest('CONSENT_WITHDRAWAL', { userId: jane._id }));
    expect(answer.actions).toEqual([{ dataCategory: 'MARKETING', action: 'CONSENT_WITHDRAWN', count: 1, note: 'consent to marketing e-mails withdrawn' }]);
    expect((await reload(jane._id)).preferences).toMatchObject({ marketingEmails: false, marketingEmailsChangedAt: withdrawnAt });
  });

  it('[PRV-02] post-mortem directive: stored sealed exactly as received', async () => {
    const jane = await user();
    const sealedDetails = sealDataSubjectPayload({ corrections: [], directive: 'Delete everything; my sister may access my exports.' }, accounts.config.DATA_SUBJECT_SEAL_KEY);
    const requestId = await openRequest('POST_MORTEM_DIRECTIVE', { userId: jane._id }, { sealedDetails });
    const answer = await answerTo(requestId);
    expect(answer.actions).toEqual([{ dataCategory: 'ACCOUNT_DATA', action: 'DIRECTIVE_RECORDED', count: 1, note: expect.any(String) }]);
    const stored = await reload(jane._id);
    expect(stored.postMortemDirective).toEqual({ sealed: sealedDetails, requestId, recordedAt: accounts.clock.now() });
    expect(JSON.stringify(stored)).not.toContain('my sister');

    // It goes back to them, and only to them, in an access export.
    const access = await answerTo(await openRequest('ACCESS', { userId: jane._id }));
    const part = dataSubjectExportPartSchema.parse(openDataSubjectPayload(access.sealedExport!, accounts.config.DATA_SUBJECT_SEAL_KEY));
    expect(part.records.find((record) => record.dataCategory === 'POST_MORTEM_DIRECTIVE')).toMatchObject({
      legalBasis: 'legal obligation',
      data: { directive: 'Delete everything; my sister may access my exports.' },
    });
    expect(JSON.stringify(access)).not.toContain('my sister');
  });

  it('[PRV-08] an opt-out (ContactOptedOut) turns the matching account\'s marketing e-mails off at once; others are untouched', async () => {
    const jane = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: null } });
    const bob = await user({ preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: null } });
    const optedOutAt = accounts.clock.now().toISOString();
    const optOut = createEvent(
      'ContactOptedOut',
      { optOutId: uniqueName('optout'), identifiers: [{ kind: 'EMAIL', hash: emailHash(jane.email!), keyVersion: hashKey().version }], optedOutAt },
      { subject: uniqueName('optout'), time: accounts.clock.now() },
    );
    await accounts.service.infra.bus.publish(optOut);
    await eventually(async () => expect((await reload(jane._id)).preferences).toMatchObject({ marketingEmails: false, marketingEmailsChangedAt: new Date(optedOutAt) }));
    expect((await reload(bob._id)).preferences.marketingEmails).toBe(true);
    // The referral side of the same opt-out: the address is on the do-not-invite list.
    await eventually(async () => expect(await referralOptOutModel(connection()).exists({ _id: emailHash(jane.email!) })).toBeTruthy());
  });
});
