import type { RetentionRunReport } from '@leadgraph/events';
import { addCalendarMonths, DAY_MS, Mailer, retentionRunReportModel } from '@leadgraph/platform';
import { eventually, serviceTestEnv, startIsolatedNats, testClock, testLogger, uniqueName } from '@leadgraph/platform/src/testing';
import { loadAccountsConfig } from '../src/config';
import { accountDeletionModel } from '../src/account-deletion/account-deletion.model';
import { activityEntryModel } from '../src/activity/activity.model';
import { apiTokenModel } from '../src/api-tokens/api-token.model';
import { invitationModel } from '../src/invitations/invitation.model';
import { referralInvitationModel, referralOptOutModel } from '../src/referrals/referral.model';
import { ReferralService } from '../src/referrals/referral.service';
import { RetentionService } from '../src/retention/retention.service';
import { sessionModel } from '../src/sessions/session.model';
import type { UserDocument } from '../src/users/user.model';
import { createActiveUser, expectEvents, publishedEvents, startAccountsUnderTest, type AccountsUnderTest } from './workspaces-harness';

describe('accounts retention job (PRV-07)', () => {
  const start = '2026-11-23T09:00:00.000Z';
  let accounts: AccountsUnderTest;
  let retention: RetentionService;
  let mailer: Mailer;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest({ clock: testClock(start) });
    const { connection } = accounts.service.infra;
    mailer = new Mailer(accounts.config.SMTP_URL, accounts.config.MAIL_FROM);
    const hashKey = { secret: accounts.config.IDENTIFIER_HASH_KEY, version: accounts.config.IDENTIFIER_HASH_KEY_VERSION };
    // The job as the service's scheduler runs it, on the same database and (injected) clock.
    retention = new RetentionService(
      {
        users: accounts.users,
        deletions: accountDeletionModel(connection),
        workspaces: accounts.workspaces,
        apiTokens: apiTokenModel(connection),
        invitations: invitationModel(connection),
        activity: activityEntryModel(connection),
        sessions: sessionModel(connection),
        referralInvitations: referralInvitationModel(connection),
        reports: retentionRunReportModel(connection),
      },
      new ReferralService(referralInvitationModel(connection), referralOptOutModel(connection), accounts.users, mailer, accounts.clock, { hashKey, appUrl: accounts.config.APP_URL }, testLogger('referrals')),
      accounts.clock,
      testLogger('retention'),
      // The reports ride in their documents' outbox; the service's relay publishes them.
    );
    // The service's own job makes a first pass at start-up: let it finish before writing old data.
    await eventually(async () => expect(await retentionRunReportModel(connection).countDocuments()).toBe(4));
  });
  afterAll(async () => {
    mailer.close();
    await accounts.stop();
  });

  const connection = () => accounts.service.infra.connection;
  const monthsAgo = (months: number) => addCalendarMonths(accounts.clock.now(), -months);
  const byCategory = (reports: RetentionRunReport[]) => Object.fromEntries(reports.map((report) => [report.dataCategory, { due: report.due, deleted: report.deleted, dryRun: report.dryRun }]));

  /** A deleted account as the deletion flow leaves it (ACC-06), with what hangs off it. */
  async function deletedAccount(deletedAt: Date, marketingEmails: boolean): Promise<UserDocument> {
    const user = await createActiveUser(accounts, {
      status: 'DELETED',
      email: null,
      displayName: null,
      deletedAt,
      preferences: { language: 'en', marketingEmails, marketingEmailsChangedAt: new Date(deletedAt.getTime() - DAY_MS) },
    });
    await accountDeletionModel(connection()).create({
      _id: user._id,
      status: 'COMPLETED',
      codeHash: null,
      codeSalt: null,
      codeExpiresAt: null,
      attempts: 1,
      codeSentAt: null,
      confirmedAt: deletedAt,
      outcome: { deletedWorkspaceId: null, leftWorkspaceId: null },
      completedAt: deletedAt,
    });
    await apiTokenModel(connection()).create({
      _id: uniqueName('token'),
      workspaceId: uniqueName('ws'),
      createdByUserId: user._id,
      name: 'old sync',
      scopes: ['contacts:read'],
      secretHash: uniqueName('hash'),
      prefix: 'lg_old',
      createdAt: deletedAt,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: deletedAt,
      revokedByUserId: null,
    });
    // A referral they sent, purged long ago to its hash-only tombstone.
    await referralInvitationModel(connection()).create({
      _id: uniqueName('referral'),
      referrerUserId: user._id,
      inviteeName: null,
      inviteeEmail: null,
      inviteeEmailHash: uniqueName('hash'),
      keyVersion: 1,
      status: 'EXPIRED',
      createdAt: deletedAt,
      expiresAt: deletedAt,
      rewardedAt: null,
      purgedAt: deletedAt,
      outbox: [],
    });
    return user;
  }

  async function deletedWorkspace(deletedAt: Date): Promise<string> {
    const workspaceId = uniqueName('ws');
    await accounts.workspaces.create({
      _id: workspaceId,
      name: null,
      createdByUserId: uniqueName('user'),
      status: 'DELETED',
      seatLimit: null,
      seatLimitAsOf: null,
      membershipLock: null,
      deletionReason: 'SOLE_ADMIN_ACCOUNT_DELETED',
      createdAt: deletedAt,
      updatedAt: deletedAt,
      deletedAt,
      outbox: [],
    });
    // A revoked invitation still names the invitee's address.
    await invitationModel(connection()).create({
      _id: uniqueName('invitation'),
      workspaceId,
      email: `${uniqueName('invitee')}@acme-industries.com`,
      role: 'MEMBER',
      tokenHash: uniqueName('token'),
      status: 'REVOKED',
      invitedByUserId: uniqueName('user'),
      createdAt: deletedAt,
      expiresAt: deletedAt,
      acceptedByUserId: null,
      acceptedAt: null,
      revokedByUserId: null,
      revokedAt: deletedAt,
    });
    return workspaceId;
  }

  async function unansweredReferral(sentAt: Date): Promise<string> {
    const id = uniqueName('referral');
    await referralInvitationModel(connection()).create({
      _id: id,
      referrerUserId: uniqueName('user'),
      inviteeName: 'Ann Invitee',
      inviteeEmail: `${uniqueName('ann')}@acme-industries.com`,
      inviteeEmailHash: uniqueName('hash'),
      keyVersion: 1,
      status: 'PENDING',
      createdAt: sentAt,
      expiresAt: new Date(sentAt.getTime() + 92 * DAY_MS),
      rewardedAt: null,
      purgedAt: null,
      outbox: [],
    });
    return id;
  }

  it('[PRV-07] a dry run reports what is due per category and deletes nothing; a real run deletes it and reports it (RetentionRunReportedByAccounts on NATS)', async () => {
    accounts.clock.set(start);
    const expired = await deletedAccount(monthsAgo(61), true); // account data and marketing due
    const marketingOnly = await deletedAccount(monthsAgo(40), true); // marketing due, account data kept
    const recent = await deletedAccount(monthsAgo(12), true); // nothing due
    const live = await createActiveUser(accounts, { preferences: { language: 'en', marketingEmails: true, marketingEmailsChangedAt: monthsAgo(70) } });
    const oldWorkspace = await deletedWorkspace(monthsAgo(62));
    const recentWorkspace = await deletedWorkspace(monthsAgo(3));
    const staleReferral = await unansweredReferral(new Date(accounts.clock.now().getTime() - 100 * DAY_MS));
    const freshReferral = await unansweredReferral(new Date(accounts.clock.now().getTime() - 10 * DAY_MS));

    // The clock moves on: the job reads it, not the machine's.
    accounts.clock.advance(DAY_MS);
    const dryRun = await retention.run({ dryRun: true });
    expect(byCategory(dryRun)).toEqual({
      ENQUIRIES: { due: 0, deleted: 0, dryRun: true },
      ACCOUNT_DATA: { due: 2, deleted: 0, dryRun: true },
      MARKETING: { due: 2, deleted: 0, dryRun: true },
      REFERRAL_INVITATIONS: { due: 1, deleted: 0, dryRun: true },
    });
    expect(dryRun.find((report) => report.dataCategory === 'ACCOUNT_DATA')).toMatchObject({
      service: 'accounts',
      cutoff: addCalendarMonths(accounts.clock.now(), -60).toISOString(),
      ranAt: accounts.clock.now().toISOString(),
    });
    expect(dryRun.find((report) => report.dataCategory === 'MARKETING')?.cutoff).toBe(addCalendarMonths(accounts.clock.now(), -36).toISOString());
    // Nothing was touched.
    expect(await accounts.users.countDocuments({ _id: { $in: [expired._id, marketingOnly._id, recent._id, live._id] } })).toBe(4);
    expect((await accounts.users.findById(marketingOnly._id).lean<UserDocument>())?.preferences.marketingEmails).toBe(true);
    expect(await accounts.workspaces.exists({ _id: oldWorkspace })).toBeTruthy();
    expect((await referralInvitationModel(connection()).findById(staleReferral).lean())?.inviteeEmail).toEqual(expect.stringContaining('@'));

    const realRun = await retention.run({ dryRun: false });
    expect(byCategory(realRun)).toEqual({
      ENQUIRIES: { due: 0, deleted: 0, dryRun: false },
      ACCOUNT_DATA: { due: 2, deleted: 2, dryRun: false },
      // The 5-year-old account went with its account data; the 40-month-old one keeps its record, not its marketing choice.
      MARKETING: { due: 1, deleted: 1, dryRun: false },
      REFERRAL_INVITATIONS: { due: 1, deleted: 1, dryRun: false },
    });

    // ACCOUNT_DATA: the old tombstone and everything hanging off it, the old workspace and its invitations.
    expect(await accounts.users.exists({ _id: expired._id })).toBeNull();
    expect(await accountDeletionModel(connection()).exists({ _id: expired._id })).toBeNull();
    expect(await apiTokenModel(connection()).countDocuments({ createdByUserId: expired._id })).toBe(0);
    expect(await referralInvitationModel(connection()).countDocuments({ referrerUserId: expired._id })).toBe(0);
    expect(await referralInvitationModel(connection()).countDocuments({ referrerUserId: recent._id })).toBe(1);
    expect(await accounts.workspaces.exists({ _id: oldWorkspace })).toBeNull();
    expect(await invitationModel(connection()).countDocuments({ workspaceId: oldWorkspace })).toBe(0);
    expect(await accounts.workspaces.exists({ _id: recentWorkspace })).toBeTruthy();
    expect(await invitationModel(connection()).countDocuments({ workspaceId: recentWorkspace })).toBe(1);
    expect(await accountDeletionModel(connection()).exists({ _id: recent._id })).toBeTruthy();
    // MARKETING: cleared on the 40-month-old tombstone only; a live account's choice is never touched.
    expect((await accounts.users.findById(marketingOnly._id).lean<UserDocument>())?.preferences).toMatchObject({ marketingEmails: false, marketingEmailsChangedAt: null });
    expect((await accounts.users.findById(recent._id).lean<UserDocument>())?.preferences.marketingEmails).toBe(true);
    expect((await accounts.users.findById(live._id).lean<UserDocument>())?.preferences.marketingEmails).toBe(true);
    // REFERRAL_INVITATIONS: the referral feature's purge, now reported.
    expect(await referralInvitationModel(connection()).findById(staleReferral).lean()).toMatchObject({ status: 'EXPIRED', inviteeName: null, inviteeEmail: null });
    expect(await referralInvitationModel(connection()).findById(freshReferral).lean()).toMatchObject({ status: 'PENDING' });

    // Every pass, dry or real, reached the privacy service's stream, and is kept locally.
    for (const report of [...dryRun, ...realRun]) {
      const [event] = await expectEvents(accounts.service, 'RetentionRunReportedByAccounts', (data) => data.runId === report.runId);
      expect(event!.data).toEqual(report);
    }
    expect(await retentionRunReportModel(connection()).countDocuments({ _id: { $in: realRun.map((report) => report.runId) }, dryRun: false })).toBe(4);

    // A second pass finds nothing left.
    expect(byCategory(await retention.run({ dryRun: false }))).toEqual({
      ENQUIRIES: { due: 0, deleted: 0, dryRun: false },
      ACCOUNT_DATA: { due: 0, deleted: 0, dryRun: false },
      MARKETING: { due: 0, deleted: 0, dryRun: false },
      REFERRAL_INVITATIONS: { due: 0, deleted: 0, dryRun: false },
    });
  });

  it('[PRV-07] the service schedules one job over every category; RETENTION_DRY_RUN=true makes its passes report without deleting', async () => {
    // The instance above ran its start-up pass for real.
    const startup = await retentionRunReportModel(connection()).find({ dryRun: false }).sort({ ranAt: 1 }).limit(4).lean();
    expect(startup.map((report) => report.dataCategory).sort()).toEqual(['ACCOUNT_DATA', 'ENQUIRIES', 'MARKETING', 'REFERRAL_INVITATIONS']);

    const nats = await startIsolatedNats();
    const clock = testClock(start);
    const dry = await startAccountsUnderTest({ clock, config: loadAccountsConfig(serviceTestEnv('accounts', { NATS_URL: nats.url, RETENTION_DRY_RUN: 'true' })) });
    try {
      const reports = await eventually(async () => {
        const found = await reportsPublishedBy(dry);
        expect(found).toHaveLength(4);
        return found;
      });
      expect(reports.every((report) => report.dryRun && report.deleted === 0)).toBe(true);
      expect(reports[0]?.ranAt).toBe(start);
    } finally {
      await dry.stop();
      await nats.stop();
    }
  });
});

async function reportsPublishedBy(target: AccountsUnderTest): Promise<RetentionRunReport[]> {
  const events = await publishedEvents(target.service, 'RetentionRunReportedByAccounts');
  return events.map((event) => event.data);
}
