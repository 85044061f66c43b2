import type { RetentionRunReport } from '@leadgraph/events';
import { recordRetentionRun, type Clock, type Logger, type RetentionRunReportModel } from '@leadgraph/platform';
import type { AccountDeletionModel } from '../account-deletion/account-deletion.model';
import type { ActivityEntryModel } from '../activity/activity.model';
import type { ApiTokenModel } from '../api-tokens/api-token.model';
import type { InvitationModel } from '../invitations/invitation.model';
import type { ReferralInvitationModel } from '../referrals/referral.model';
import type { ReferralService } from '../referrals/referral.service';
import type { SessionModel } from '../sessions/session.model';
import type { UserModel } from '../users/user.model';
import type { WorkspaceModel } from '../workspaces/workspace.model';
import { accountsRetentionCategories, retentionCutoff, type AccountsRetentionCategory } from './retention.rules';

export interface RetentionModels {
  users: UserModel;
  deletions: AccountDeletionModel;
  workspaces: WorkspaceModel;
  apiTokens: ApiTokenModel;
  invitations: InvitationModel;
  activity: ActivityEntryModel;
  sessions: SessionModel;
  referralInvitations: ReferralInvitationModel;
  reports: RetentionRunReportModel;
}

const BATCH = 500;

/** Nothing left to publish: a tombstone is removed only once its events went out. */
const outboxEmpty = { 'outbox.0': { $exists: false } };

/**
 * PRV-07: the accounts retention job. One pass per category the schedule gives accounts; each pass
 * counts what is due at its cut-off, deletes it unless this is a dry run, and is reported to the
 * privacy service with `recordRetentionRun` (RetentionRunReportedByAccounts).
 *
 * What accounts keeps after a deletion (ACC-06) and what happens to it here:
 * - ACCOUNT_DATA: deleted-account tombstones (terms acceptances, marketing choice, suspensions), their
 *   deletion record, sessions, revoked API tokens and what is left of the referrals they sent; deleted-workspace tombstones with their
 *   revoked invitations (invitees' addresses), tokens and any activity left: removed 5 years after
 *   the deletion. The deleted e-mails' keyed hashes stay: ACC-02 says such an address never
 *   registers again, which the erasure answer tells the person.
 * - MARKETING: the marketing choice a tombstone still holds, cleared 3 years after the deletion.
 * - REFERRAL_INVITATIONS: the referral feature's purge (3 months without answer), reported here.
 * - ENQUIRIES: accounts holds none; the pass reports 0 so the evidence exists.
 */
export class RetentionService {
  constructor(
    private readonly models: RetentionModels,
    private readonly referrals: Pick<ReferralService, 'purgeExpiredPass'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after reports were written, so the relay publishes them now. */
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  /** One pass over every category, reported category by category. */
  async run(options: { dryRun: boolean }): Promise<RetentionRunReport[]> {
    const reports: RetentionRunReport[] = [];
    for (const category of accountsRetentionCategories) {
      const ranAt = this.clock.now();
      const cutoff = retentionCutoff(category, ranAt);
      const { due, deleted } = await this.pass(category, cutoff, ranAt, options.dryRun);
      reports.push(
        await recordRetentionRun(this.models.reports, 'accounts', {
          dataCategory: category,
          dryRun: options.dryRun,
          cutoff,
          due,
          deleted,
          ranAt,
          finishedAt: this.clock.now(),
        }),
      );
      this.logger.info({ category, dryRun: options.dryRun, due, deleted }, 'retention pass done');
    }
    this.onEventsQueued();
    return reports;
  }

  private pass(category: AccountsRetentionCategory, cutoff: Date, now: Date, dryRun: boolean): Promise<{ due: number; deleted: number }> {
    switch (category) {
      case 'ENQUIRIES':
        return Promise.resolve({ due: 0, deleted: 0 });
      case 'ACCOUNT_DATA':
        return this.accountData(cutoff, dryRun);
      case 'MARKETING':
        return this.marketing(cutoff, now, dryRun);
      case 'REFERRAL_INVITATIONS':
        return this.referrals.purgeExpiredPass(now, dryRun);
    }
  }

  private async accountData(cutoff: Date, dryRun: boolean): Promise<{ due: number; deleted: number }> {
    const { users, deletions, workspaces, apiTokens, invitations, activity, sessions, referralInvitations } = this.models;
    // Accounts and workspaces alike: deleted (the relationship's end) at or before the cut-off.
    const deletedBy = { status: 'DELETED', deletedAt: { $ne: null, $lte: cutoff } };
    const due = (await users.countDocuments(deletedBy)) + (await workspaces.countDocuments(deletedBy));
    if (dryRun || due === 0) return { due, deleted: 0 };

    let deleted = 0;
    // Batches until none is left (a batch that removes nothing ends the pass: no endless loop).
    for (let removed = BATCH; removed === BATCH; ) {
      const batch = await users.find({ ...deletedBy, ...outboxEmpty }, { _id: 1 }).limit(BATCH).lean<Array<{ _id: string }>>();
      removed = 0;
      for (const { _id: userId } of batch) {
        await sessions.deleteMany({ userId });
        await apiTokens.deleteMany({ createdByUserId: userId, revokedAt: { $ne: null } });
        // What is left of the referrals they sent (hash-only tombstones, settled rewards).
        await referralInvitations.deleteMany({ referrerUserId: userId });
        await deletions.deleteOne({ _id: userId, status: 'COMPLETED' });
        removed += (await users.deleteOne({ _id: userId, ...deletedBy, ...outboxEmpty })).deletedCount;
      }
      deleted += removed;
    }
    for (let removed = BATCH; removed === BATCH; ) {
      const batch = await workspaces.find({ ...deletedBy, ...outboxEmpty }, { _id: 1 }).limit(BATCH).lean<Array<{ _id: string }>>();
      removed = 0;
      for (const { _id: workspaceId } of batch) {
        await invitations.deleteMany({ workspaceId });
        await apiTokens.deleteMany({ workspaceId });
        await activity.deleteMany({ workspaceId });
        removed += (await workspaces.deleteOne({ _id: workspaceId, ...deletedBy, ...outboxEmpty })).deletedCount;
      }
      deleted += removed;
    }
    return { due, deleted };
  }

  private async marketing(cutoff: Date, now: Date, dryRun: boolean): Promise<{ due: number; deleted: number }> {
    const filter = {
      status: 'DELETED',
      deletedAt: { $ne: null, $lte: cutoff },
      $or: [{ 'preferences.marketingEmails': true }, { 'preferences.marketingEmailsChangedAt': { $ne: null } }],
    };
    const due = await this.models.users.countDocuments(filter);
    if (dryRun || due === 0) return { due, deleted: 0 };
    const result = await this.models.users.updateMany(filter, {
      $set: { 'preferences.marketingEmails': false, 'preferences.marketingEmailsChangedAt': null, updatedAt: now },
    });
    return { due, deleted: result.modifiedCount };
  }
}
