import { createEvent } from '@leadgraph/events';
import { DAY_MS, Mailer, identifierHash, processedEventModel, type UserCaller } from '@leadgraph/platform';
import { eventually, testLogger, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { referralInvitationModel, referralOptOutModel, type ReferralInvitationDocument } from '../src/referrals/referral.model';
import { ReferralService } from '../src/referrals/referral.service';
import { userModel } from '../src/users/user.model';
import {
  businessEmail,
  callerOf,
  eventsOf,
  signUpAndVerify,
  startIdentityService,
  type IdentityTestService,
} from './identity-harness';

const INVITE = `mutation Invite($input: InviteReferralInput!) { inviteReferral(input: $input) { id inviteeName inviteeEmail status invitedAt rewardedAt } }`;
const MINE = `{ myReferralInvitations { id inviteeName inviteeEmail status rewardedAt } }`;

interface Invitation {
  id: string;
  inviteeName: string | null;
  inviteeEmail: string | null;
  status: string;
  rewardedAt: string | null;
}

describe('identity: referral invitations', () => {
  let h: IdentityTestService;
  let jobs: ReferralService;
  let mailer: Mailer;
  const start = '2026-11-23T09:00:00.000Z';

  beforeAll(async () => {
    h = await startIdentityService();
    mailer = new Mailer(h.config.SMTP_URL, h.config.MAIL_FROM);
    const connection = h.service.infra.connection;
    // The purge job as the service's scheduler runs it, on the same database and clock.
    jobs = new ReferralService(
      referralInvitationModel(connection),
      referralOptOutModel(connection),
      userModel(connection),
      mailer,
      h.clock,
      { hashKey: { secret: h.config.IDENTIFIER_HASH_KEY, version: h.config.IDENTIFIER_HASH_KEY_VERSION }, appUrl: h.config.APP_URL },
      testLogger('referral-jobs'),
    );
  });
  afterAll(async () => {
    mailer.close();
    await h.stop();
  });
  afterEach(() => {
    h.clock.set(start);
  });

  const invitations = () => referralInvitationModel(h.service.infra.connection);

  async function referrer(): Promise<UserCaller> {
    return callerOf(h, await signUpAndVerify(h, { overrides: { displayName: 'Jane Referrer' } }));
  }

  async function invite(caller: UserCaller, email: string, name = 'John Invitee') {
    return h.call<{ inviteReferral: Invitation }>(INVITE, { input: { name, email } }, caller);
  }

  async function mine(caller: UserCaller): Promise<Invitation[]> {
    return (await h.call<{ myReferralInvitations: Invitation[] }>(MINE, {}, caller)).data!.myReferralInvitations;
  }

  const rewardsFor = async (inviteeUserId: string) =>
    (await eventsOf(h.bus, 'ReferralRewardEarned')).filter((event) => event.data.inviteeUserId === inviteeUserId);

  it('sends one invitation mail and lists the invitation as pending', async () => {
    const jane = await referrer();
    const email = businessEmail('john');
    const answer = await invite(jane, email.toUpperCase());
    expect(answer.data?.inviteReferral).toMatchObject({ inviteeName: 'John Invitee', inviteeEmail: email, status: 'PENDING', rewardedAt: null });
    const mail = await testMailbox().waitFor(email, /Jane Referrer invites you/);
    expect(mail.text).toContain(`sign-up?email=${encodeURIComponent(email)}`);
    expect((await mine(jane)).map((invitation) => [invitation.id, invitation.status])).toEqual([[answer.data!.inviteReferral.id, 'PENDING']]);
  });

  it('never sends a second invitation to the same address from the same referrer; another referrer may', async () => {
    const jane = await referrer();
    const paul = await referrer();
    const email = businessEmail('john');
    await invite(jane, email);
    const again = await invite(jane, email, 'Johnny');
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(again.errors?.[0]?.message).toMatch(/^email: /);
    expect((await invite(paul, email)).errors).toBeUndefined();
    expect((await testMailbox().list(email)).filter((mail) => /invites you/.test(mail.subject))).toHaveLength(2);
    expect(await mine(jane)).toHaveLength(1);
  });

  it('refuses invalid invitations naming the field: free-mail, oneself, no name', async () => {
    const jane = await referrer();
    const janeEmail = (await userModel(h.service.infra.connection).findById(jane.userId).lean())?.email;
    const cases: Array<[string, string, string]> = [
      ['John', `${uniqueName('john')}@gmail.com`, 'email'],
      ['Me', janeEmail ?? '', 'email'],
      ['  ', businessEmail('john'), 'name'],
      ['John', 'not-an-address', 'email'],
    ];
    for (const [name, email, field] of cases) {
      expect((await invite(jane, email, name)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await mine(jane)).toEqual([]);
  });

  it('rewards the referrer once when the invitee signs up and verifies with that address (ReferralRewardEarned)', async () => {
    const jane = await referrer();
    const paul = await referrer();
    const email = businessEmail('john');
    const janeInvitation = (await invite(jane, email)).data!.inviteReferral;
    h.clock.advance(60_000);
    await invite(paul, email);

    const invitee = await signUpAndVerify(h, { email });
    await eventually(async () => {
      const rewards = await rewardsFor(invitee.userId);
      expect(rewards.map((event) => event.data)).toEqual([
        { referrerUserId: jane.userId, inviteeUserId: invitee.userId, invitationId: janeInvitation.id, earnedAt: expect.any(String) },
      ]);
    });
    expect((await mine(jane))[0]).toMatchObject({ status: 'REWARDED', rewardedAt: expect.any(String) });
    // The earliest invitation wins; the other referrer's stays pending, and is never rewarded for this invitee.
    expect((await mine(paul))[0]?.status).toBe('PENDING');
    // The relay clears the entry just after JetStream acknowledged the reward event.
    await eventually(async () => {
      const stored = await invitations().findById(janeInvitation.id).lean<ReferralInvitationDocument>();
      expect(stored).toMatchObject({ inviteeUserId: invitee.userId, outbox: [] });
    });

    // Handling the sign-up a second time (redelivery) rewards nobody else.
    await jobs.rewardSignUp(invitee.userId, h.clock.now());
    const paulsInvitation = await invitations().findOne({ referrerUserId: paul.userId }).lean<ReferralInvitationDocument>();
    expect(paulsInvitation).toMatchObject({ status: 'PENDING', outbox: [] });
    expect(await rewardsFor(invitee.userId)).toHaveLength(1);
  });

  it('unanswered invitations are deleted after 3 months (shown expired at once, purged by the job) and never resent', async () => {
    const jane = await referrer();
    const email = businessEmail('john');
    const invitation = (await invite(jane, email)).data!.inviteReferral;

    h.clock.advance(93 * DAY_MS);
    expect(await mine(jane)).toEqual([{ id: invitation.id, inviteeName: null, inviteeEmail: null, status: 'EXPIRED', rewardedAt: null }]);
    expect(await jobs.purgeExpired()).toBeGreaterThanOrEqual(1);
    const stored = await invitations().findById(invitation.id).lean<ReferralInvitationDocument>();
    expect(stored).toMatchObject({ status: 'EXPIRED', inviteeName: null, inviteeEmail: null, purgedAt: h.clock.now() });
    expect(JSON.stringify(stored)).not.toContain(email);
    expect((await invite(jane, email)).errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // Signing up afterwards earns nothing: once the service handled the sign-up, no reward exists.
    const late = await signUpAndVerify(h, { email });
    const accountCreated = await eventually(async () => {
      const [event] = (await eventsOf(h.bus, 'AccountCreated')).filter((candidate) => candidate.data.userId === late.userId);
      expect(event).toBeDefined();
      return event!;
    });
    await eventually(async () => expect(await processedEventModel(h.service.infra.connection).exists({ eventId: accountCreated.id, consumer: /referrals-AccountCreated/ })).toBeTruthy());
    expect(await rewardsFor(late.userId)).toEqual([]);
    expect((await invitations().findById(invitation.id).lean<ReferralInvitationDocument>())?.status).toBe('EXPIRED');
  });

  it('[PRV-08] an opt-out (ContactOptedOut) deletes the invitations to that address at once and blocks new ones', async () => {
    const jane = await referrer();
    const paul = await referrer();
    const email = businessEmail('john');
    await invite(jane, email);
    const hash = identifierHash('EMAIL', email, { secret: h.config.IDENTIFIER_HASH_KEY, version: h.config.IDENTIFIER_HASH_KEY_VERSION });
    expect(await invitations().countDocuments({ inviteeEmailHash: hash })).toBe(1);

    const optOut = createEvent(
      'ContactOptedOut',
      { optOutId: uniqueName('optout'), identifiers: [{ kind: 'EMAIL', hash, keyVersion: h.config.IDENTIFIER_HASH_KEY_VERSION }], optedOutAt: start },
      { subject: uniqueName('subject'), time: h.clock.now() },
    );
    await h.bus.publish(optOut);
    await eventually(async () => expect(await invitations().countDocuments({ inviteeEmailHash: hash })).toBe(0));
    expect(await mine(jane)).toEqual([]);

    const blocked = await invite(paul, email);
    expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(await invitations().countDocuments({ inviteeEmailHash: hash })).toBe(0);
    expect((await testMailbox().list(email)).filter((mail) => /invites you/.test(mail.subject))).toHaveLength(1);
  });
});
