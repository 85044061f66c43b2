import { randomUUID } from 'node:crypto';
import type { UpdateQuery } from 'mongoose';
import { createEvent, type EventData } from '@leadgraph/events';
import {
  badInput,
  conflict,
  fromZodError,
  identifierHash,
  isDuplicateKeyError,
  notFound,
  pushToOutbox,
  type Clock,
  type IdentifierHashKey,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { UserDocument, UserModel } from '../users/user.model';
import type { ReferralInvitationDocument, ReferralInvitationModel, ReferralOptOutDocument, ReferralOptOutModel } from './referral.model';
import { invitationProblem, inviteReferralInputSchema, isPurgeDue, referralExpiry, rewardedInvitation } from './referral.rules';

const OPTED_OUT = 'email: this person asked not to be contacted';
const LISTED_INVITATIONS = 200;

export interface ReferralSettings {
  hashKey: IdentifierHashKey;
  appUrl: string;
}

/**
 * Referral invitations: one mail per referrer and address, a reward when the invitee verifies
 * with that address, data purged after 3 months unanswered or at once on opt-out.
 */
export class ReferralService {
  constructor(
    private readonly invitations: ReferralInvitationModel,
    private readonly optOuts: ReferralOptOutModel,
    private readonly users: UserModel,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly settings: ReferralSettings,
    private readonly logger: Logger,
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  async invite(referrerUserId: string, rawInput: unknown): Promise<ReferralInvitationDocument> {
    const parsed = inviteReferralInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const input = parsed.data;
    const referrer = await this.users.findById(referrerUserId, { email: 1, displayName: 1, status: 1 }).lean<UserDocument>();
    if (!referrer || referrer.status !== 'ACTIVE') throw notFound('User not found');
    const problem = invitationProblem(referrer.email ?? null, input);
    if (problem) throw badInput(problem.field, problem.message);
    const emailHash = this.hashOf(input.email);
    if (await this.isOptedOut(emailHash)) throw badInput('email', OPTED_OUT);
    // PRV-02 restriction of processing: a restricted account's address gets no invitation.
    if (await this.users.exists({ email: input.email, processingRestrictedAt: { $ne: null } })) throw badInput('email', OPTED_OUT);

    const now = this.clock.now();
    const invitation: ReferralInvitationDocument = {
      _id: randomUUID(),
      referrerUserId,
      inviteeName: input.name,
      inviteeEmail: input.email,
      inviteeEmailHash: emailHash,
      keyVersion: this.settings.hashKey.version,
      status: 'PENDING',
      createdAt: now,
      expiresAt: referralExpiry(now),
      rewardedAt: null,
      purgedAt: null,
      outbox: [],
    };
    try {
      await this.invitations.create(invitation);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('email: you already invited this address', 'email');
      throw error;
    }
    // An opt-out may have landed between the check and the insert: it wins.
    if (await this.isOptedOut(emailHash)) {
      await this.invitations.deleteOne({ _id: invitation._id });
      throw badInput('email', OPTED_OUT);
    }
    try {
      await this.mailer.send(this.invitationMail(referrer.displayName ?? 'A colleague', input.name, input.email));
    } catch (error) {
      // No mail, no invitation: the referrer can simply try again.
      await this.invitations.deleteOne({ _id: invitation._id });
      throw error;
    }
    this.logger.info({ invitationId: invitation._id, referrerUserId }, 'referral invitation sent');
    return invitation;
  }

  /** The referrer's invitations, newest first; an unanswered one past its date shows as EXPIRED, without data. */
  async listFor(referrerUserId: string): Promise<ReferralInvitationDocument[]> {
    const now = this.clock.now();
    const invitations = await this.invitations
      .find({ referrerUserId }, { outbox: 0 })
      .sort({ createdAt: -1 })
      .limit(LISTED_INVITATIONS)
      .lean<ReferralInvitationDocument[]>();
    return invitations.map((invitation) =>
      isPurgeDue(invitation, now) ? { ...invitation, status: 'EXPIRED', inviteeName: null, inviteeEmail: null } : invitation,
    );
  }

  /** On AccountCreated: the earliest live invitation of the new user's address earns its referrer a reward. */
  async rewardSignUp(userId: string, verifiedAt: Date): Promise<void> {
    const user = await this.users.findById(userId, { email: 1, status: 1 }).lean<UserDocument>();
    if (!user?.email || user.status === 'DELETED') return;
    if (await this.invitations.exists({ inviteeUserId: userId })) return;
    const candidates = await this.invitations
      .find({ inviteeEmailHash: this.hashOf(user.email), status: 'PENDING' }, { status: 1, expiresAt: 1, createdAt: 1, referrerUserId: 1 })
      .lean<ReferralInvitationDocument[]>();
    const winner = rewardedInvitation(candidates, verifiedAt);
    if (!winner) return;
    const now = this.clock.now();
    const reward: EventData<'ReferralRewardEarned'> = {
      referrerUserId: winner.referrerUserId,
      inviteeUserId: userId,
      invitationId: winner._id,
      earnedAt: now.toISOString(),
    };
    try {
      const rewarded = await this.invitations.findOneAndUpdate(
        { _id: winner._id, status: 'PENDING' },
        {
          $set: { status: 'REWARDED', inviteeUserId: userId, rewardedAt: now },
          $push: pushToOutbox(createEvent('ReferralRewardEarned', reward, { subject: winner.referrerUserId, time: now })),
        },
      );
      if (rewarded) this.outboxWritten();
    } catch (error) {
      // Rewarded already (unique invitee): handling the event twice has no second effect.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /**
   * On ContactOptedOut: remember the hash (no new invitation to that address) and delete the
   * invitations to it. A rewarded one keeps only what billing's reward needed, without the person's data.
   */
  async forgetOptedOut(identifiers: ReadonlyArray<{ kind: string; hash: string; keyVersion: number }>, optedOutAt: Date): Promise<void> {
    for (const identifier of identifiers) {
      if (identifier.kind !== 'EMAIL') continue;
      if (identifier.keyVersion !== this.settings.hashKey.version) {
        this.logger.warn({ keyVersion: identifier.keyVersion }, 'opt-out hashed with another key version: cannot match referrals');
        continue;
      }
      await this.doNotInvite(identifier.hash, optedOutAt);
      await this.invitations.deleteMany({ inviteeEmailHash: identifier.hash, status: { $ne: 'REWARDED' } });
      await this.invitations.updateMany(
        { inviteeEmailHash: identifier.hash, status: 'REWARDED' },
        { $set: { inviteeName: null, inviteeEmail: null, purgedAt: this.clock.now() } },
      );
    }
  }

  /** Puts an address hash on the do-not-invite list for good (opt-outs, PRV-02 objections). Idempotent. */
  async doNotInvite(emailHash: string, at: Date): Promise<void> {
    // Listed only by a restriction so far: now an opt-out, dated now, that no lift removes.
    await this.optOuts.updateOne({ _id: emailHash, restrictionOnly: true }, { $set: { optedOutAt: at }, $unset: { restrictionOnly: '' } });
    await this.upsertOptOut(emailHash, { $setOnInsert: { keyVersion: this.settings.hashKey.version, optedOutAt: at }, $unset: { restrictionOnly: '' } });
  }

  /**
   * PRV-02 restriction of a person without an account: no invitation to the address until the
   * request `requestId` is lifted (an opt-out of the same address stays for good). Idempotent.
   */
  async restrictInvitations(emailHash: string, requestId: string, at: Date): Promise<void> {
    await this.upsertOptOut(emailHash, {
      $setOnInsert: { keyVersion: this.settings.hashKey.version, optedOutAt: at, restrictionOnly: true },
      $addToSet: { restrictedBy: requestId },
    });
  }

  /**
   * Lifts what `restrictInvitations` did for `requestId`: the address leaves the list once no
   * restriction keeps it there, unless it opted out. `emailHashes` (the person's) also finishes a lift
   * interrupted between its two steps. Returns how many addresses that request had listed. Idempotent.
   */
  async liftInvitationRestriction(requestId: string, emailHashes: readonly string[]): Promise<number> {
    const listed = await this.optOuts.find({ restrictedBy: requestId }, { _id: 1 }).lean<Array<Pick<ReferralOptOutDocument, '_id'>>>();
    for (const entry of listed) await this.optOuts.updateOne({ _id: entry._id }, { $pull: { restrictedBy: requestId } });
    const hashes = [...new Set([...listed.map((entry) => entry._id), ...emailHashes])];
    if (hashes.length > 0) await this.optOuts.deleteMany({ _id: { $in: hashes }, restrictionOnly: true, restrictedBy: { $size: 0 } });
    return listed.length;
  }

  /** Job: unanswered invitations past 3 months become tombstones holding only the address hash. */
  async purgeExpired(): Promise<number> {
    return (await this.purgeExpiredPass(this.clock.now(), false)).deleted;
  }

  /**
   * The REFERRAL_INVITATIONS pass of the retention job (PRV-07): unanswered invitations past their
   * date, counted (dry run) or purged to hash-only tombstones.
   */
  async purgeExpiredPass(now: Date, dryRun: boolean): Promise<{ due: number; deleted: number }> {
    const filter = { status: 'PENDING', expiresAt: { $lte: now } };
    const due = await this.invitations.countDocuments(filter);
    if (dryRun || due === 0) return { due, deleted: 0 };
    const result = await this.invitations.updateMany(filter, {
      $set: { status: 'EXPIRED', inviteeName: null, inviteeEmail: null, purgedAt: now },
    });
    return { due, deleted: result.modifiedCount };
  }

  /** PRV-02 access: the invitations a user sent (without the invitees' details: third-party data). */
  async sentBy(referrerUserId: string): Promise<ReferralInvitationDocument[]> {
    return this.invitations.find({ referrerUserId }, { outbox: 0 }).sort({ createdAt: 1 }).lean<ReferralInvitationDocument[]>();
  }

  /** PRV-02: the invitations addressed to these e-mail hashes (the person may have no account). */
  async addressedTo(emailHashes: readonly string[]): Promise<ReferralInvitationDocument[]> {
    if (emailHashes.length === 0) return [];
    return this.invitations
      .find({ inviteeEmailHash: { $in: [...emailHashes] } }, { outbox: 0 })
      .sort({ createdAt: 1 })
      .lean<ReferralInvitationDocument[]>();
  }

  /**
   * PRV-02 erasure of an invitee: their invitations are deleted; a rewarded one keeps only what
   * billing's reward needed, without the person's data. Returns how many were erased; idempotent.
   */
  async eraseAddressedTo(emailHashes: readonly string[]): Promise<number> {
    if (emailHashes.length === 0) return 0;
    const hashes = [...emailHashes];
    const deleted = await this.invitations.deleteMany({ inviteeEmailHash: { $in: hashes }, status: { $ne: 'REWARDED' } });
    const scrubbed = await this.invitations.updateMany(
      { inviteeEmailHash: { $in: hashes }, status: 'REWARDED', $or: [{ inviteeName: { $ne: null } }, { inviteeEmail: { $ne: null } }] },
      { $set: { inviteeName: null, inviteeEmail: null, purgedAt: this.clock.now() } },
    );
    return deleted.deletedCount + scrubbed.modifiedCount;
  }

  /** PRV-02 rectification of the invitee's name on invitations still holding it. */
  async renameInvitee(emailHashes: readonly string[], name: string): Promise<number> {
    if (emailHashes.length === 0) return 0;
    const result = await this.invitations.updateMany(
      { inviteeEmailHash: { $in: [...emailHashes] }, inviteeName: { $ne: null } },
      { $set: { inviteeName: name } },
    );
    return result.matchedCount;
  }

  private async upsertOptOut(emailHash: string, update: UpdateQuery<ReferralOptOutDocument>): Promise<void> {
    try {
      await this.optOuts.updateOne({ _id: emailHash }, update, { upsert: true });
    } catch (error) {
      // The same address listed concurrently: the upsert lost the race, so apply it to the winner's entry.
      if (!isDuplicateKeyError(error)) throw error;
      await this.optOuts.updateOne({ _id: emailHash }, update);
    }
  }

  private hashOf(email: string): string {
    return identifierHash('EMAIL', email, this.settings.hashKey);
  }

  private async isOptedOut(emailHash: string): Promise<boolean> {
    return (await this.optOuts.exists({ _id: emailHash })) !== null;
  }

  private invitationMail(referrerName: string, inviteeName: string, email: string) {
    const link = new URL('/sign-up', this.settings.appUrl);
    link.searchParams.set('email', email);
    return {
      to: email,
      subject: `${referrerName} invites you to leadgraph`,
      text: [
        `Hello ${inviteeName},`,
        '',
        `${referrerName} thinks leadgraph could help you find the right business contacts.`,
        `Create your account with this address: ${link.toString()}`,
        '',
        'This is the only invitation you will get from them. If you do not want to hear from us, ignore it:',
        'we delete this invitation after 3 months.',
      ].join('\n'),
    };
  }
}
