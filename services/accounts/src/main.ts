import {
  OutboxRelay,
  connectServiceInfra,
  dataSubjectAnswerModel,
  retentionRunReportModel,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadAccountsConfig, type AccountsConfig } from './config';
import { buildAccountsSchema } from './schema';
import { userModel } from './users/user.model';
import { UserResolver, resolveUserReference } from './users/user.resolver';
import { UserService } from './users/user.service';
import { serveDescribeWorkspaces } from './workspaces/workspace.rpc';
import { workspaceModel } from './workspaces/workspace.model';
import { Mailer } from '@leadgraph/platform';
import { accountDeletionModel } from './account-deletion/account-deletion.model';
import { AccountDeletionResolver } from './account-deletion/account-deletion.resolver';
import { AccountDeletionService } from './account-deletion/account-deletion.service';
import { activityEntryModel } from './activity/activity.model';
import { ActivityResolver } from './activity/activity.resolver';
import { ActivityLog } from './activity/activity.service';
import { apiTokenModel } from './api-tokens/api-token.model';
import { ApiTokenResolver } from './api-tokens/api-token.resolver';
import { serveResolveApiToken } from './api-tokens/api-token.rpc';
import { ApiTokenService } from './api-tokens/api-token.service';
import { invitationModel } from './invitations/invitation.model';
import { InvitationResolver } from './invitations/invitation.resolver';
import { InvitationService } from './invitations/invitation.service';
import { sessionModel } from './sessions/session.model';
import { SessionService } from './sessions/session.service';
import { DeletedEmailRegistry } from './users/deleted-email.registry';
import { workspaceEventConsumers } from './workspaces/workspace.events';
import { activityConsumers } from './activity/activity.events';
import { WorkspaceResolver, resolveWorkspaceReference } from './workspaces/workspace.resolver';
import { WorkspaceService } from './workspaces/workspace.service';
import { runOnce, schedulePeriodicJob } from '@leadgraph/platform';
import { AuthResolver } from './auth/auth.resolver';
import { AuthService, PasswordHasher, createAuthThrottles } from './auth/auth.service';
import { legalDocumentModel } from './legal/legal.model';
import { LegalResolver } from './legal/legal.resolver';
import { LegalService } from './legal/legal.service';
import { PreferencesResolver } from './preferences/preferences.resolver';
import { PreferencesService } from './preferences/preferences.service';
import { referralConsumers } from './referrals/referral.events';
import { referralInvitationModel, referralOptOutModel } from './referrals/referral.model';
import { ReferralResolver } from './referrals/referral.resolver';
import { ReferralService } from './referrals/referral.service';
import { SessionResolver } from './sessions/session.resolver';
import { serveResolveSession } from './sessions/session.rpc';
import { staffAuditModel } from './staff/staff.model';
import { StaffResolver } from './staff/staff.resolver';
import { StaffService } from './staff/staff.service';
import { SuspensionResolver } from './suspension/suspension.resolver';
import { SuspensionService } from './suspension/suspension.service';
import { dataSubjectRequestConsumers } from './data-subject-requests/data-subject-request.events';
import { dataSubjectWorkModel } from './data-subject-requests/data-subject-request.model';
import { DataSubjectRequestService } from './data-subject-requests/data-subject-request.service';
import { RetentionService } from './retention/retention.service';

/** Composition root of the accounts subgraph. */
export async function startAccountsService(config: AccountsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('accounts', config, overrides);
  const { connection, bus, clock, logger } = infra;
  const users = userModel(connection);
  const workspaces = workspaceModel(connection);

  // Services call this after writing events so the relay (built below, used only later) publishes now.
  const nudgeRelay = () => relay.nudge();
  const userService = new UserService(users, clock, logger, nudgeRelay);

  // Workspaces, invitations, activity log, partner API tokens, account deletion (ACC-05/06/08).
  const mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM);
  const sessionService = new SessionService(
    sessionModel(connection),
    users,
    workspaces,
    clock,
    { accessTokenSecret: config.ACCESS_TOKEN_SECRET, refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS },
    logger,
  );
  const deletedEmails = new DeletedEmailRegistry(connection, { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION });
  // Identity: sign-up, sessions, legal documents, staff, suspension, preferences, referrals.
  const hashKey = { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION };
  const referralInvitations = referralInvitationModel(connection);
  const legalService = new LegalService(legalDocumentModel(connection), users, mailer, clock, logger);
  const staffService = new StaffService(users, staffAuditModel(connection), clock, logger);
  const authService = new AuthService(
    users,
    deletedEmails,
    legalService,
    sessionService,
    staffService,
    new PasswordHasher({ memoryCost: config.PASSWORD_HASH_MEMORY_KIB, timeCost: config.PASSWORD_HASH_PASSES }),
    createAuthThrottles(connection, { loginMaxFailures: config.LOGIN_MAX_FAILURES, loginBlockMinutes: config.LOGIN_BLOCK_MINUTES }),
    mailer,
    clock,
    { codeKey: hashKey, bootstrapSuperAdminEmail: config.BOOTSTRAP_SUPER_ADMIN_EMAIL },
    logger,
    nudgeRelay,
  );
  const suspensionService = new SuspensionService(users, sessionService, mailer, clock, logger, nudgeRelay);
  const preferencesService = new PreferencesService(users, clock);
  const referralService = new ReferralService(
    referralInvitations,
    referralOptOutModel(connection),
    users,
    mailer,
    clock,
    { hashKey, appUrl: config.APP_URL },
    logger,
    nudgeRelay,
  );
  await legalService.seedInitialVersions();
  const jobIntervalMs = config.JOB_INTERVAL_SECONDS * 1000;
  const stopIdentityJobs = [
    schedulePeriodicJob('legal-notices', jobIntervalMs, () => legalService.notifyUsersOfUpcomingVersions(), logger),
    schedulePeriodicJob('legal-silent-acceptance', jobIntervalMs, () => legalService.recordSilentAcceptances(), logger),
    schedulePeriodicJob('staff-audit-copy', jobIntervalMs, () => staffService.copyAllPendingAudit(), logger),
  ];

  const activityLog = new ActivityLog(activityEntryModel(connection), clock, logger);
  const workspaceService = new WorkspaceService(users, workspaces, activityLog, clock, logger, nudgeRelay);
  const invitationService = new InvitationService(
    invitationModel(connection),
    users,
    workspaceService,
    activityLog,
    mailer,
    { tokenSecret: config.INVITATION_TOKEN_SECRET, appUrl: config.APP_URL },
    clock,
    logger,
  );
  const apiTokenService = new ApiTokenService(apiTokenModel(connection), users, workspaceService, activityLog, clock, logger);
  const accountDeletionService = new AccountDeletionService(
    accountDeletionModel(connection),
    users,
    workspaceService,
    apiTokenService,
    invitationService,
    sessionService,
    deletedEmails,
    activityLog,
    mailer,
    clock,
    logger,
    nudgeRelay,
  );
  // Data-subject requests (PRV-02/05), marketing stop on opt-out (PRV-08), retention (PRV-07).
  const dataSubjectAnswers = dataSubjectAnswerModel(connection);
  const retentionReports = retentionRunReportModel(connection);
  const activityEntries = activityEntryModel(connection);
  const dataSubjectRequestService = new DataSubjectRequestService(
    users,
    dataSubjectAnswers,
    dataSubjectWorkModel(connection),
    workspaceService,
    apiTokenModel(connection),
    activityEntries,
    invitationModel(connection),
    referralService,
    accountDeletionService,
    clock,
    { hashKey, sealKey: config.DATA_SUBJECT_SEAL_KEY },
    logger,
    nudgeRelay,
  );
  const retentionService = new RetentionService(
    {
      users,
      deletions: accountDeletionModel(connection),
      workspaces,
      apiTokens: apiTokenModel(connection),
      invitations: invitationModel(connection),
      activity: activityEntries,
      sessions: sessionModel(connection),
      referralInvitations,
      reports: retentionReports,
    },
    referralService,
    clock,
    logger,
    nudgeRelay,
  );
  const workspaceConsumers = workspaceEventConsumers({
    bus,
    connection,
    clock,
    logger,
    workspaces: workspaceService,
    invitations: invitationService,
    apiTokens: apiTokenService,
    activity: activityLog,
  });

  const schema = await buildAccountsSchema(instanceContainer([
      new UserResolver(userService),
      new WorkspaceResolver(workspaceService),
      new InvitationResolver(invitationService, clock),
      new ActivityResolver(activityLog, workspaceService),
      new ApiTokenResolver(apiTokenService),
      new AccountDeletionResolver(accountDeletionService),
      new AuthResolver(authService),
      new SessionResolver(sessionService),
      new LegalResolver(legalService),
      new PreferencesResolver(preferencesService),
      new StaffResolver(staffService),
      new SuspensionResolver(suspensionService),
      new ReferralResolver(referralService),
    ]), {
    User: { __resolveReference: resolveUserReference(userService) },
    Workspace: { __resolveReference: resolveWorkspaceReference(workspaceService) },
  });
  const relay = new OutboxRelay(bus, [users, workspaces, referralInvitations, dataSubjectAnswers, retentionReports] as unknown as OutboxModel[], logger);
  const stopDeletionRecovery = schedulePeriodicJob('account-deletion-recovery', jobIntervalMs, () => accountDeletionService.resumeInterrupted(), logger);
  // Accounts from before the e-mail hash was stored get it before any request or opt-out is handled (once per database).
  await runOnce(connection, 'accounts-user-email-hashes', clock.now(), () => dataSubjectRequestService.ensureEmailHashes());
  // Started once serving (collections and indexes exist): the first pass runs at once, then daily.
  let stopRetention: () => Promise<void> = async () => undefined;
  const running = await serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers: [
      ...workspaceConsumers,
      ...activityConsumers({ bus, connection, clock, logger, activity: activityLog }),
      ...referralConsumers({ bus, connection, clock, logger, referrals: referralService }),
      ...dataSubjectRequestConsumers({ bus, connection, clock, logger, requests: dataSubjectRequestService }),
    ],
    rpc: [serveResolveApiToken(bus, apiTokenService, logger), serveResolveSession(bus, sessionService, logger), serveDescribeWorkspaces(bus, workspaces, logger)],
    onStop: [() => stopRetention(), stopDeletionRecovery, ...stopIdentityJobs, () => mailer.close()],
  });
  stopRetention = schedulePeriodicJob(
    'retention',
    config.RETENTION_INTERVAL_SECONDS * 1000,
    () => retentionService.run({ dryRun: config.RETENTION_DRY_RUN }),
    logger,
  );
  return running;
}

if (require.main === module) runServiceMain(() => startAccountsService(loadAccountsConfig()));
