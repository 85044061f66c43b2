import { randomBytes, randomInt } from 'node:crypto';
import { createEvent } from '@leadgraph/events';
import {
  DomainError,
  ErrorCode,
  conflict,
  isDuplicateKeyError,
  parseInput,
  pushToOutbox,
  type Clock,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { ActivityLog } from '../activity/activity.service';
import type { ApiTokenService } from '../api-tokens/api-token.service';
import type { InvitationService } from '../invitations/invitation.service';
import type { DeletedEmailRegistry } from '../users/deleted-email.registry';
import type { UserDocument, UserModel } from '../users/user.model';
import type { WorkspaceService } from '../workspaces/workspace.service';
import type { AccountDeletionDocument, AccountDeletionModel, AccountDeletionOutcome } from './account-deletion.model';
import {
  DELETION_CODE_DIGITS,
  DELETION_CODE_TTL_MS,
  assertCanSendCode,
  codeMatches,
  confirmAccountDeletionInputSchema,
  deletionCodeHash,
  deletionOutcome,
  invalidDeletionCode,
  isCodeOpen,
} from './account-deletion.rules';

/** The sessions feature's side of a deletion: every session of the account ends. */
export interface SessionRevoker {
  revokeAllForUser(userId: string, reason: 'ACCOUNT_DELETED'): Promise<unknown>;
}

export interface AccountDeletionSummary {
  deletedAt: Date;
  deletedWorkspaceId: string | null;
  leftWorkspaceId: string | null;
}

/**
 * Account deletion (ACC-06, ACC-02): a mailed one-time code confirms it, then an idempotent
 * sequence carries it out. Each step can be re-run after a crash; the recovery job and a retried
 * confirmation both resume unfinished deletions.
 */
export class AccountDeletionService {
  constructor(
    private readonly deletions: AccountDeletionModel,
    private readonly users: UserModel,
    private readonly workspaces: WorkspaceService,
    private readonly apiTokens: Pick<ApiTokenService, 'revokeAllCreatedBy'>,
    private readonly invitations: Pick<InvitationService, 'forgetInvitee'>,
    private readonly sessions: SessionRevoker,
    private readonly deletedEmails: Pick<DeletedEmailRegistry, 'remember'>,
    private readonly activity: ActivityLog,
    private readonly mailer: Pick<Mailer, 'send'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after writes that queued events, so the outbox relay publishes them now. */
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  /** Mails a confirmation code; a new request replaces the previous code. */
  async request(userId: string): Promise<{ expiresAt: Date }> {
    const { user } = await this.workspaces.activeMembershipState(userId);
    const existing = await this.deletions.findById(userId).lean<AccountDeletionDocument>();
    if (existing && existing.status !== 'PENDING') throw conflict('The deletion of this account is already confirmed');
    const now = this.clock.now();
    assertCanSendCode(existing, now);
    const code = String(randomInt(0, 10 ** DELETION_CODE_DIGITS)).padStart(DELETION_CODE_DIGITS, '0');
    const salt = randomBytes(16).toString('base64url');
    const expiresAt = new Date(now.getTime() + DELETION_CODE_TTL_MS);
    try {
      await this.deletions.updateOne(
        // Guarded on what we saw: a concurrent request or a confirmation wins over this one.
        existing ? { _id: userId, status: 'PENDING', codeSalt: existing.codeSalt } : { _id: userId },
        {
          $set: { status: 'PENDING', codeHash: deletionCodeHash(salt, code), codeSalt: salt, codeExpiresAt: expiresAt, attempts: 0, codeSentAt: now },
          $setOnInsert: { confirmedAt: null, outcome: null, completedAt: null },
        },
        { upsert: true },
      );
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('Another deletion request was made at the same time; try again');
      throw error;
    }
    try {
      await this.mailer.send({
        to: user.email ?? '',
        subject: 'Confirm the deletion of your leadgraph account',
        text: [
          `Your confirmation code: ${code}`,
          '',
          'Entering it deletes your account for good. If you are your workspace\'s only administrator, the workspace',
          'and everything in it are deleted for all its members.',
          `The code expires on ${expiresAt.toISOString()}. If you did not ask for this, ignore this message.`,
        ].join('\n'),
      });
    } catch (error) {
      // An unsent code must not block asking again.
      await this.deletions.updateOne({ _id: userId, status: 'PENDING', codeSalt: salt }, { $set: { codeHash: null, codeSentAt: null } });
      throw error;
    }
    return { expiresAt };
  }

  /** Checks the code, passes the point of no return, then carries the deletion out. */
  async confirm(userId: string, input: { code: string }): Promise<AccountDeletionSummary> {
    const { code } = parseInput(confirmAccountDeletionInputSchema, input);
    const request = await this.deletions.findById(userId).lean<AccountDeletionDocument>();
    if (!request || request.status === 'COMPLETED') throw invalidDeletionCode();
    if (request.status === 'CONFIRMED') {
      // A retried confirmation (e.g. after a timeout) resumes the deletion it started.
      if (!codeMatches(request, code)) throw invalidDeletionCode();
      return this.complete(userId);
    }
    await this.workspaces.activeMembershipState(userId);
    const now = this.clock.now();
    if (!isCodeOpen(request, now)) throw invalidDeletionCode();
    // Count the attempt before comparing, so parallel guesses cannot exceed the limit.
    const counted = await this.deletions
      .findOneAndUpdate(
        { _id: userId, status: 'PENDING', codeSalt: request.codeSalt, attempts: request.attempts },
        { $inc: { attempts: 1 } },
        { new: true },
      )
      .lean<AccountDeletionDocument>();
    if (!counted || !codeMatches(counted, code)) throw invalidDeletionCode();
    const confirmed = await this.deletions.findOneAndUpdate(
      { _id: userId, status: 'PENDING', codeSalt: request.codeSalt },
      { $set: { status: 'CONFIRMED', confirmedAt: now } },
    );
    if (!confirmed) throw invalidDeletionCode();
    this.logger.info({ userId }, 'account deletion confirmed');
    return this.complete(userId);
  }

  /**
   * Carries out a confirmed deletion; every step is idempotent, so running this again after a
   * crash anywhere finishes the job without doing anything twice.
   */
  async complete(userId: string): Promise<AccountDeletionSummary> {
    const request = await this.deletions.findById(userId).lean<AccountDeletionDocument>();
    if (!request?.confirmedAt || request.status === 'PENDING') throw new Error(`deletion of ${userId} is not confirmed`);
    const deletedAt = request.confirmedAt;
    if (request.status === 'COMPLETED' && request.outcome) return { deletedAt, ...request.outcome };

    const outcome = request.outcome ?? (await this.decideOutcome(userId, deletedAt));
    await this.applyWorkspaceOutcome(userId, outcome, deletedAt);
    await this.apiTokens.revokeAllCreatedBy(userId, deletedAt);
    await this.sessions.revokeAllForUser(userId, 'ACCOUNT_DELETED');
    await this.tombstone(userId, outcome, deletedAt);
    this.onEventsQueued();
    await this.deletions.updateOne(
      { _id: userId, status: 'CONFIRMED' },
      { $set: { status: 'COMPLETED', completedAt: this.clock.now(), codeHash: null, codeSalt: null } },
    );
    this.logger.info({ userId }, 'account deleted');
    return { deletedAt, ...outcome };
  }

  /**
   * PRV-02 erasure: the privacy service verified the requester's identity (PRV-03), which stands
   * for the mailed code. The deletion is confirmed as of `at` (unless already confirmed, e.g. a
   * redelivered request or a deletion the user had started) and carried out like any other.
   */
  async eraseForDataSubjectRequest(userId: string, requestId: string, at: Date): Promise<AccountDeletionSummary> {
    await this.deletions.updateOne(
      { _id: userId, status: 'PENDING' },
      { $set: { status: 'CONFIRMED', confirmedAt: at, dataSubjectRequestId: requestId, codeHash: null, codeExpiresAt: null } },
    );
    await this.deletions
      .updateOne(
        { _id: userId },
        {
          $setOnInsert: {
            status: 'CONFIRMED',
            codeHash: null,
            codeSalt: null,
            codeExpiresAt: null,
            attempts: 0,
            codeSentAt: null,
            confirmedAt: at,
            outcome: null,
            completedAt: null,
            dataSubjectRequestId: requestId,
          },
        },
        { upsert: true },
      )
      .catch((error: unknown) => {
        // Confirmed concurrently (same request redelivered): the existing record wins.
        if (!isDuplicateKeyError(error)) throw error;
      });
    this.logger.info({ userId, requestId }, 'account deletion confirmed by a data-subject request');
    return this.complete(userId);
  }

  /** Recovery job: finishes deletions that were confirmed but interrupted. */
  async resumeInterrupted(limit = 100): Promise<number> {
    const pending = await this.deletions.find({ status: 'CONFIRMED' }).sort({ confirmedAt: 1 }).limit(limit).lean<AccountDeletionDocument[]>();
    let completed = 0;
    for (const request of pending) {
      try {
        await this.complete(request._id);
        completed += 1;
      } catch (error) {
        this.logger.error({ err: error, userId: request._id }, 'interrupted account deletion could not be resumed yet');
      }
    }
    return completed;
  }

  /**
   * Decides under the workspace's membership lease, so no other administrator can leave or be
   * demoted between counting the administrators and acting on the count. The decision is stored
   * once (first writer wins) and the withdrawal or workspace deletion applied before the lease ends.
   */
  private async decideOutcome(userId: string, deletedAt: Date): Promise<AccountDeletionOutcome> {
    const state = await this.workspaces.membershipState(userId);
    const workspaceId = state?.membership?.workspaceId;
    const record = async (): Promise<AccountDeletionOutcome> => {
      const current = await this.workspaces.membershipState(userId);
      const membership = current?.membership ?? null;
      const adminCount = membership ? await this.workspaces.countAdmins(membership.workspaceId) : 0;
      return this.storeOutcome(userId, deletionOutcome(membership, adminCount));
    };
    if (!workspaceId) return record();
    try {
      return await this.workspaces.withMembershipLock(workspaceId, async () => {
        const outcome = await record();
        await this.applyWorkspaceOutcome(userId, outcome, deletedAt);
        return outcome;
      });
    } catch (error) {
      // The workspace was deleted meanwhile: the user no longer belongs to any.
      if (error instanceof DomainError && error.code === ErrorCode.NOT_FOUND) return record();
      throw error;
    }
  }

  private async storeOutcome(userId: string, outcome: AccountDeletionOutcome): Promise<AccountDeletionOutcome> {
    const stored = await this.deletions
      .findOneAndUpdate({ _id: userId, outcome: null }, { $set: { outcome } }, { new: true })
      .lean<AccountDeletionDocument>();
    const decided = stored ?? (await this.deletions.findById(userId).lean<AccountDeletionDocument>());
    return decided?.outcome ?? outcome;
  }

  private async applyWorkspaceOutcome(userId: string, outcome: AccountDeletionOutcome, at: Date): Promise<void> {
    if (outcome.deletedWorkspaceId) {
      await this.workspaces.deleteWorkspace(outcome.deletedWorkspaceId, 'SOLE_ADMIN_ACCOUNT_DELETED', at);
    }
    if (outcome.leftWorkspaceId && (await this.workspaces.withdraw(userId, outcome.leftWorkspaceId, 'ACCOUNT_DELETED', at))) {
      await this.activity.record({
        id: `account-deleted:${userId}:${outcome.leftWorkspaceId}`,
        workspaceId: outcome.leftWorkspaceId,
        actorUserId: userId,
        action: 'MEMBER_ACCOUNT_DELETED',
        targetType: 'USER',
        targetId: userId,
        at,
      });
    }
  }

  /**
   * The account becomes a tombstone: personal data scrubbed, credentials invalidated, and the
   * AccountDeleted event queued in the same write. The e-mail's keyed hash is remembered first,
   * while the address is still known (ACC-02).
   */
  private async tombstone(userId: string, outcome: AccountDeletionOutcome, deletedAt: Date): Promise<void> {
    const user = await this.users.findById(userId).lean<UserDocument>();
    if (!user || user.status === 'DELETED') return;
    if (user.email) {
      await this.deletedEmails.remember(user.email, deletedAt);
      await this.invitations.forgetInvitee(user.email);
    }
    const event = createEvent(
      'AccountDeleted',
      { userId, deletedAt: deletedAt.toISOString(), ...outcome },
      { subject: userId, time: deletedAt },
    );
    await this.users.updateOne(
      { _id: userId, status: { $ne: 'DELETED' } },
      {
        $set: {
          status: 'DELETED',
          email: null,
          emailHash: null,
          displayName: null,
          postMortemDirective: null,
          passwordHash: null,
          verification: null,
          linkedInProfileUrl: null,
          linkedInLinkedAt: null,
          workspaceId: null,
          workspaceRole: null,
          staffRoles: [],
          deletedAt,
          updatedAt: this.clock.now(),
        },
        $inc: { credentialsVersion: 1 },
        $push: pushToOutbox(event),
      },
    );
  }
}
