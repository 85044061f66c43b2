import type { DataSubjectRequestAnswer, EventData } from '@leadgraph/events';
import {
  currentEmailHashes,
  SealedPayloadError,
  identifierHash,
  isDuplicateKeyError,
  openDataSubjectPayload,
  recordDataSubjectAnswer,
  sealDataSubjectPayload,
  type Clock,
  type DataSubjectAnswerModel,
  type IdentifierHashKey,
  type Logger,
} from '@leadgraph/platform';
import type { AccountDeletionService } from '../account-deletion/account-deletion.service';
import type { ActivityEntryDocument, ActivityEntryModel } from '../activity/activity.model';
import type { ApiTokenDocument, ApiTokenModel } from '../api-tokens/api-token.model';
import type { InvitationDocument, InvitationModel } from '../invitations/invitation.model';
import type { ReferralService } from '../referrals/referral.service';
import type { UserDocument, UserModel } from '../users/user.model';
import type { WorkspaceService } from '../workspaces/workspace.service';
import type { DataSubjectWorkDocument, DataSubjectWorkModel } from './data-subject-request.model';
import {
  correctedFullName,
  correctionsNotHeld,
  erasureRetained,
  exportActions,
  exportPart,
  outcomeOf,
  parseDetails,
  restrictionState,
  UNRECORDED_RESTRICTION,
  type AnswerAction,
  type PersonData,
  type RetainedData,
} from './data-subject-request.rules';

type OpenedRequest = EventData<'DataSubjectRequestOpened'>;
type LiftedRestriction = EventData<'DataSubjectRestrictionLifted'>;
type WorkAnswer = Omit<DataSubjectRequestAnswer, 'requestId' | 'service' | 'right' | 'answeredAt'>;

export interface DataSubjectRequestSettings {
  hashKey: IdentifierHashKey;
  /** DATA_SUBJECT_SEAL_KEY: opens sealed details, seals the export. */
  sealKey: string;
}

const HASH_BACKFILL_BATCH = 500;
const EXPORTED_ACTIVITY_LIMIT = 10_000;

/**
 * Accounts' part of a verified data-subject request (PRV-02, PRV-05): find the person (account id,
 * else the keyed hash of their e-mail; referral invitations reach people without an account), carry
 * out the right, then answer once with DataSubjectRequestAnsweredByAccounts. Every step is
 * idempotent and the figures are decided before acting, so a redelivery changes nothing.
 * Also stops marketing e-mails at once on an opt-out (PRV-08).
 */
export class DataSubjectRequestService {
  constructor(
    private readonly users: UserModel,
    private readonly answers: DataSubjectAnswerModel,
    private readonly work: DataSubjectWorkModel,
    private readonly workspaces: Pick<WorkspaceService, 'membershipState'>,
    private readonly apiTokens: ApiTokenModel,
    private readonly activity: ActivityEntryModel,
    private readonly invitations: InvitationModel,
    private readonly referrals: Pick<
      ReferralService,
      'sentBy' | 'addressedTo' | 'eraseAddressedTo' | 'renameInvitee' | 'forgetOptedOut' | 'restrictInvitations' | 'liftInvitationRestriction'
    >,
    private readonly accountDeletion: Pick<AccountDeletionService, 'eraseForDataSubjectRequest'>,
    private readonly clock: Clock,
    private readonly settings: DataSubjectRequestSettings,
    private readonly logger: Logger,
    /** Called after the answer was written, so the relay publishes it now. */
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  async handle(request: OpenedRequest): Promise<void> {
    if (await this.answers.exists({ _id: request.requestId })) {
      this.logger.info({ requestId: request.requestId }, 'data-subject request already answered');
      return;
    }
    const work = await this.decide(request);
    const answer = await this.carryOut(request, work);
    const recorded = await recordDataSubjectAnswer(this.answers, 'accounts', { requestId: request.requestId, right: request.right, ...answer }, this.clock);
    if (recorded) this.onEventsQueued();
    await this.work.deleteOne({ _id: request.requestId });
    this.logger.info({ requestId: request.requestId, right: request.right, outcome: answer.outcome }, 'data-subject request answered');
  }

  /** PRV-08: an opted-out person's account stops receiving marketing e-mails at once. */
  async stopMarketingOnOptOut(identifiers: OpenedRequest['identifiers'], optedOutAt: Date): Promise<number> {
    const hashes = currentEmailHashes(identifiers, this.settings.hashKey.version);
    if (hashes.length === 0) return 0;
    const result = await this.users.updateMany(
      { emailHash: { $in: hashes }, 'preferences.marketingEmails': true },
      { $set: { 'preferences.marketingEmails': false, 'preferences.marketingEmailsChangedAt': optedOutAt, updatedAt: this.clock.now() } },
    );
    if (result.modifiedCount > 0) this.logger.info({ accounts: result.modifiedCount }, 'marketing e-mails stopped on opt-out');
    return result.modifiedCount;
  }

  /**
   * PRV-02, GDPR art. 18(3): privacy lifted the restriction obtained by RESTRICTION request
   * `requestId`. Undoes exactly what `restrict` did for it: the account's restriction ends once no
   * other request holds it (referral invitations to the person allowed again), and an address
   * without account leaves the do-not-invite list unless it opted out. Marketing e-mails stay off:
   * only the person can consent again, through their preferences. Idempotent; an unknown request is a no-op.
   */
  async liftRestriction(lifted: LiftedRestriction): Promise<void> {
    const { requestId } = lifted;
    const emailHashes = currentEmailHashes(lifted.identifiers, this.settings.hashKey.version);
    const restrictedByRequest = await this.users.find({ processingRestrictedBy: requestId }, { _id: 1 }).lean<Array<Pick<UserDocument, '_id'>>>();
    const person = await this.findPerson(lifted.userId, emailHashes);
    // The person found as for the request too: a retried lift interrupted after its $pull still clears.
    const userIds = [...new Set([...restrictedByRequest.map((user) => user._id), ...(person ? [person._id] : [])])];
    for (const userId of userIds) {
      await this.users.updateOne({ _id: userId, processingRestrictedBy: requestId }, { $pull: { processingRestrictedBy: requestId }, $set: { updatedAt: this.clock.now() } });
      // Only when no request is left (an absent list is an unknown cause, never cleared here).
      await this.users.updateOne(
        { _id: userId, processingRestrictedAt: { $ne: null }, processingRestrictedBy: { $size: 0 } },
        { $set: { processingRestrictedAt: null, updatedAt: this.clock.now() } },
      );
    }
    const addresses = await this.referrals.liftInvitationRestriction(requestId, emailHashes);
    for (const userId of userIds) {
      const after = await this.users.findById(userId, { processingRestrictedAt: 1, processingRestrictedBy: 1 }).lean<UserDocument>();
      const state = after ? restrictionState(after) : 'NOT_RESTRICTED';
      if (state === 'RESTRICTED_FOR_UNRECORDED_CAUSE') {
        this.logger.warn({ requestId, userId }, 'account restricted before restricting requests were recorded: not lifted automatically');
      } else if (restrictedByRequest.some((user) => user._id === userId)) {
        const message = state === 'NOT_RESTRICTED' ? 'processing restriction lifted' : 'restriction lifted for this request; another request keeps the account restricted';
        this.logger.info({ requestId, userId }, message);
      }
    }
    if (restrictedByRequest.length === 0 && addresses === 0) this.logger.info({ requestId }, 'restriction lifted: nothing accounts restricted for this request');
  }

  /**
   * Accounts created before the hash was stored at sign-up get it once, at start-up: requests and
   * opt-outs carry only hashes. Sign-up writes it and an address never changes afterwards.
   */
  async ensureEmailHashes(): Promise<void> {
    for (let found = HASH_BACKFILL_BATCH; found === HASH_BACKFILL_BATCH; ) {
      const batch = await this.users
        .find({ email: { $ne: null }, emailHash: null }, { email: 1 })
        .limit(HASH_BACKFILL_BATCH)
        .lean<Array<Pick<UserDocument, '_id' | 'email'>>>();
      found = batch.length;
      for (const user of batch) {
        if (!user.email) continue;
        await this.users.updateOne({ _id: user._id, email: user.email }, { $set: { emailHash: identifierHash('EMAIL', user.email, this.settings.hashKey) } });
      }
    }
  }

  /** First handling decides whose data and the figures; a later one replays that decision. */
  private async decide(request: OpenedRequest): Promise<DataSubjectWorkDocument> {
    const existing = await this.work.findById(request.requestId).lean<DataSubjectWorkDocument>();
    if (existing) return existing;
    const requestHashes = currentEmailHashes(request.identifiers, this.settings.hashKey.version);
    if (requestHashes.length === 0 && request.identifiers.some((identifier) => identifier.kind === 'EMAIL')) {
      this.logger.warn({ requestId: request.requestId }, 'request e-mail hashed with another key version: only the account id can match');
    }
    const user = await this.findPerson(request.userId, requestHashes);
    const emailHashes = [...new Set([...requestHashes, ...(user?.emailHash ? [user.emailHash] : [])])];
    const addressed = await this.referrals.addressedTo(emailHashes);
    const decided: DataSubjectWorkDocument = {
      _id: request.requestId,
      right: request.right,
      userId: user?._id ?? null,
      emailHashes,
      counts: {
        invitationsHoldingData: addressed.filter((invitation) => invitation.status !== 'REWARDED' || invitation.inviteeEmail !== null || invitation.inviteeName !== null).length,
        invitationsWithName: addressed.filter((invitation) => invitation.inviteeName !== null).length,
        marketingOn: user?.preferences?.marketingEmails ? 1 : 0,
        workspaceInvitations: (await this.workspaceInvitationsTo(emailHashes)).length,
      },
      startedAt: this.clock.now(),
    };
    try {
      await this.work.updateOne({ _id: request.requestId }, { $setOnInsert: decided }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return (await this.work.findById(request.requestId).lean<DataSubjectWorkDocument>()) ?? decided;
  }

  /**
   * Workspace invitations store the invited address in clear, not its hash: the addresses on file
   * are hashed here to find the person's (a scan of the distinct invited addresses, rare requests only).
   */
  private async workspaceInvitationsTo(emailHashes: readonly string[]): Promise<InvitationDocument[]> {
    if (emailHashes.length === 0) return [];
    const wanted = new Set(emailHashes);
    const addresses = (await this.invitations.distinct('email')) as string[];
    const matching = addresses.filter((address) => wanted.has(identifierHash('EMAIL', address, this.settings.hashKey)));
    if (matching.length === 0) return [];
    return this.invitations.find({ email: { $in: matching } }, { tokenHash: 0 }).sort({ createdAt: 1 }).lean<InvitationDocument[]>();
  }

  /** The live account (never a deleted one): by id when the requester was signed in, else by e-mail hash. */
  private async findPerson(userId: string | null, emailHashes: readonly string[]): Promise<UserDocument | null> {
    if (userId) {
      const user = await this.users.findById(userId).lean<UserDocument>();
      if (user && user.status !== 'DELETED') return user;
    }
    if (emailHashes.length === 0) return null;
    return this.users.findOne({ emailHash: { $in: [...emailHashes] }, status: { $ne: 'DELETED' } }).lean<UserDocument>();
  }

  private async carryOut(request: OpenedRequest, work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    switch (request.right) {
      case 'ACCESS':
      case 'PORTABILITY':
        return this.export(work);
      case 'ERASURE':
        return this.erase(request, work);
      case 'RECTIFICATION':
        return this.rectify(request, work);
      case 'RESTRICTION':
        return this.restrict(request.requestId, work);
      case 'OBJECTION':
        return this.object(work);
      case 'CONSENT_WITHDRAWAL':
        return this.withdrawConsent(work);
      case 'POST_MORTEM_DIRECTIVE':
        return this.recordDirective(request, work);
    }
  }

  private async export(work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const person = await this.personData(work);
    const part = exportPart(person);
    const actions = exportActions(part);
    const outcome = outcomeOf(actions);
    return {
      outcome,
      actions,
      retained: [],
      sealedExport: outcome === 'CARRIED_OUT' ? sealDataSubjectPayload(part, this.settings.sealKey) : null,
    };
  }

  private async personData(work: DataSubjectWorkDocument): Promise<PersonData> {
    const user = work.userId ? await this.users.findById(work.userId).lean<UserDocument>() : null;
    const live = user && user.status !== 'DELETED' ? user : null;
    const referralsReceived = await this.referrals.addressedTo(work.emailHashes);
    const workspaceInvitations = await this.workspaceInvitationsTo(work.emailHashes);
    if (!live) return { user: null, workspace: null, apiTokens: [], activity: [], referralsSent: [], referralsReceived, workspaceInvitations };
    const activity = await this.activity
      .find({ $or: [{ actorUserId: live._id }, { targetType: 'USER', targetId: live._id }] })
      .sort({ at: 1, _id: 1 })
      .limit(EXPORTED_ACTIVITY_LIMIT)
      .lean<ActivityEntryDocument[]>();
    const state = await this.workspaces.membershipState(live._id);
    const membership = state?.membership ?? null;
    const joined = membership
      ? activity.filter(
          (entry) =>
            entry.workspaceId === membership.workspaceId &&
            ((entry.action === 'MEMBER_JOINED' && entry.targetId === live._id) || (entry.action === 'WORKSPACE_CREATED' && entry.actorUserId === live._id)),
        )
      : [];
    return {
      user: live,
      workspace: membership
        ? { id: membership.workspaceId, name: state?.workspace?.name ?? null, role: membership.role, joinedAt: joined.at(-1)?.at ?? null }
        : null,
      apiTokens: await this.apiTokens.find({ createdByUserId: live._id }, { secretHash: 0 }).sort({ createdAt: 1 }).lean<ApiTokenDocument[]>(),
      activity,
      referralsSent: await this.referrals.sentBy(live._id),
      referralsReceived,
      workspaceInvitations,
      directive: live.postMortemDirective ? this.openDirective(live.postMortemDirective.sealed) : null,
    };
  }

  /** The account goes through the ACC-06 deletion flow (workspace handled as for any deletion). */
  private async erase(request: OpenedRequest, work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const actions: AnswerAction[] = [];
    let retained: RetainedData[] = [];
    if (work.userId) {
      const summary = await this.accountDeletion.eraseForDataSubjectRequest(work.userId, request.requestId, work.startedAt);
      const workspaceNote = summary.deletedWorkspaceId
        ? 'you were its only administrator: your workspace and everything in it were deleted for all its members (ACC-06)'
        : summary.leftWorkspaceId
          ? 'you were withdrawn from your workspace (ACC-06)'
          : null;
      actions.push({
        dataCategory: 'ACCOUNT_DATA',
        action: 'ERASED',
        count: 1,
        note: ['account deleted: contact details, name, password, LinkedIn link, sessions and API tokens', workspaceNote].filter(Boolean).join('; '),
      });
      retained = erasureRetained(summary.deletedAt, summary.leftWorkspaceId !== null);
    }
    await this.referrals.eraseAddressedTo(work.emailHashes);
    if (work.counts.invitationsHoldingData > 0) {
      actions.push({ dataCategory: 'REFERRAL_INVITATIONS', action: 'ERASED', count: work.counts.invitationsHoldingData, note: 'invitations addressed to you' });
    }
    const invitedAddresses = [...new Set((await this.workspaceInvitationsTo(work.emailHashes)).map((invitation) => invitation.email))];
    if (invitedAddresses.length > 0) await this.invitations.deleteMany({ email: { $in: invitedAddresses } });
    if (work.counts.workspaceInvitations > 0) {
      actions.push({ dataCategory: 'WORKSPACE_INVITATIONS', action: 'ERASED', count: work.counts.workspaceInvitations, note: 'invitations to join a workspace sent to your address' });
    }
    return { outcome: outcomeOf(actions), actions, retained, sealedExport: null };
  }

  private async rectify(request: OpenedRequest, work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const details = this.openDetails(request);
    const name = correctedFullName(details);
    const notHeld = correctionsNotHeld(details);
    const notHeldNote = notHeld.length > 0 ? `not held by accounts: ${notHeld.join(', ')}` : null;
    const actions: AnswerAction[] = [];
    if (work.userId) {
      if (name) {
        await this.users.updateOne({ _id: work.userId, status: { $ne: 'DELETED' } }, { $set: { displayName: name, updatedAt: this.clock.now() } });
      }
      actions.push({
        dataCategory: 'ACCOUNT_PROFILE',
        action: 'RECTIFIED',
        count: name ? 1 : 0,
        note: [name ? 'full name corrected' : 'no full name correction', notHeldNote].filter(Boolean).join('; '),
      });
    }
    if (name && work.counts.invitationsWithName > 0) {
      await this.referrals.renameInvitee(work.emailHashes, name);
      actions.push({ dataCategory: 'REFERRAL_INVITATIONS', action: 'RECTIFIED', count: work.counts.invitationsWithName, note: 'your name on invitations addressed to you' });
    }
    return { outcome: outcomeOf(actions), actions, retained: [], sealedExport: null };
  }

  /**
   * Each restricting request is recorded with the restriction, so lifting one (art. 18(3)) leaves it
   * in place while another still holds. Three single-document steps, each idempotent, in the order a
   * concurrent lift can never undo: cause recorded before the date is set.
   */
  private async restrict(requestId: string, work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const actions: AnswerAction[] = [];
    if (work.userId) {
      // Restricted before the causes were recorded: that unknown cause must survive this request's lift.
      await this.users.updateOne(
        { _id: work.userId, processingRestrictedAt: { $ne: null }, processingRestrictedBy: { $exists: false } },
        { $set: { processingRestrictedBy: [UNRECORDED_RESTRICTION] } },
      );
      await this.users.updateOne({ _id: work.userId }, { $addToSet: { processingRestrictedBy: requestId } });
      await this.users.updateOne({ _id: work.userId, processingRestrictedAt: null }, { $set: { processingRestrictedAt: work.startedAt, updatedAt: this.clock.now() } });
      await this.marketingOff(work.userId, work.startedAt);
      actions.push({
        dataCategory: 'ACCOUNT_DATA',
        action: 'RESTRICTED',
        count: 1,
        note: 'processing restricted: no marketing e-mails and no referral invitations to your address',
      });
    } else if (work.counts.invitationsHoldingData > 0) {
      // No account to mark: the address stops receiving invitations; the ones it got are kept, unused.
      for (const hash of work.emailHashes) await this.referrals.restrictInvitations(hash, requestId, work.startedAt);
      actions.push({ dataCategory: 'REFERRAL_INVITATIONS', action: 'RESTRICTED', count: work.counts.invitationsHoldingData, note: 'no further invitations to your address' });
    }
    return { outcome: outcomeOf(actions), actions, retained: [], sealedExport: null };
  }

  private async object(work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const actions: AnswerAction[] = [];
    if (work.userId) {
      await this.marketingOff(work.userId, work.startedAt);
      actions.push({ dataCategory: 'MARKETING', action: 'OBJECTION_APPLIED', count: 1, note: 'marketing e-mails stopped' });
    }
    if (work.emailHashes.length > 0 && (work.userId || work.counts.invitationsHoldingData > 0)) {
      // The opt-out path: on the do-not-invite list, invitations to the address deleted (PRV-08).
      await this.referrals.forgetOptedOut(
        work.emailHashes.map((hash) => ({ kind: 'EMAIL', hash, keyVersion: this.settings.hashKey.version })),
        work.startedAt,
      );
      actions.push({
        dataCategory: 'REFERRAL_INVITATIONS',
        action: 'OBJECTION_APPLIED',
        count: work.counts.invitationsHoldingData,
        note: 'your address is on the do-not-invite list; invitations to it were deleted',
      });
    }
    return { outcome: outcomeOf(actions), actions, retained: [], sealedExport: null };
  }

  private async withdrawConsent(work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const actions: AnswerAction[] = [];
    if (work.userId) {
      await this.marketingOff(work.userId, work.startedAt);
      actions.push({
        dataCategory: 'MARKETING',
        action: 'CONSENT_WITHDRAWN',
        count: 1,
        note: work.counts.marketingOn ? 'consent to marketing e-mails withdrawn' : 'you had not consented to marketing e-mails; none will be sent',
      });
    }
    return { outcome: outcomeOf(actions), actions, retained: [], sealedExport: null };
  }

  /** Stored sealed as received: the directive is never opened here, so never logged in clear. */
  private async recordDirective(request: OpenedRequest, work: DataSubjectWorkDocument): Promise<WorkAnswer> {
    const actions: AnswerAction[] = [];
    if (work.userId) {
      if (request.sealedDetails) {
        await this.users.updateOne(
          { _id: work.userId, status: { $ne: 'DELETED' } },
          { $set: { postMortemDirective: { sealed: request.sealedDetails, requestId: request.requestId, recordedAt: work.startedAt }, updatedAt: this.clock.now() } },
        );
      }
      actions.push({
        dataCategory: 'ACCOUNT_DATA',
        action: 'DIRECTIVE_RECORDED',
        count: request.sealedDetails ? 1 : 0,
        note: request.sealedDetails ? 'directive on your data after death recorded with your account' : 'no directive text was received',
      });
    }
    return { outcome: outcomeOf(actions), actions, retained: [], sealedExport: null };
  }

  /** Marketing e-mails off, dated only when they were on (the date proves when consent ended). */
  private async marketingOff(userId: string, at: Date): Promise<void> {
    await this.users.updateOne(
      { _id: userId, 'preferences.marketingEmails': true },
      { $set: { 'preferences.marketingEmails': false, 'preferences.marketingEmailsChangedAt': at, updatedAt: this.clock.now() } },
    );
  }

  private openDirective(sealed: string): string | null {
    try {
      return parseDetails(openDataSubjectPayload(sealed, this.settings.sealKey))?.directive ?? null;
    } catch (error) {
      if (error instanceof SealedPayloadError) return null;
      throw error;
    }
  }

  private openDetails(request: OpenedRequest) {
    if (!request.sealedDetails) return null;
    try {
      return parseDetails(openDataSubjectPayload(request.sealedDetails, this.settings.sealKey));
    } catch (error) {
      if (error instanceof SealedPayloadError) {
        // Never log the payload: only that it could not be opened.
        this.logger.warn({ requestId: request.requestId }, 'sealed request details cannot be opened: no correction applied');
        return null;
      }
      throw error;
    }
  }
}
