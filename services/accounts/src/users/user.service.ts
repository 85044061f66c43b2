import { createEvent } from '@leadgraph/events';
import { badInput, conflict, forbidden, isDuplicateKeyError, notFound, pushToOutbox, type Clock, type Logger } from '@leadgraph/platform';
import type { UserDocument, UserModel } from './user.model';
import { canLinkLinkedInProfile, linkedInLinkOutcome, parseLinkedInProfileUrl } from './user.rules';

export class UserService {
  constructor(
    private readonly users: UserModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after a write that queued events, so the relay publishes now. */
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  async findById(id: string): Promise<UserDocument | null> {
    return this.users.findById(id).lean<UserDocument>();
  }

  async getActiveUser(id: string): Promise<UserDocument> {
    const user = await this.findById(id);
    if (!user || user.status === 'DELETED') throw notFound('User not found');
    return user;
  }

  /**
   * ACC-04: a verified account links one LinkedIn profile; a profile belongs to one account (unique
   * index, so two racing accounts cannot both get it). The first link publishes
   * LinkedInProfileLinked, from which billing grants the one-time registration credits.
   */
  async linkLinkedInProfile(userId: string, url: string): Promise<UserDocument> {
    const parsed = parseLinkedInProfileUrl(url);
    if ('problem' in parsed) throw badInput('profileUrl', `profileUrl: ${parsed.problem}`);
    const { profileUrl } = parsed;
    const user = await this.findById(userId);
    if (!user || user.status === 'DELETED') throw notFound('User not found');
    if (!canLinkLinkedInProfile(user)) throw forbidden('Only a verified, active account can link a LinkedIn profile');
    const outcome = linkedInLinkOutcome(user, profileUrl);
    if (outcome === 'ALREADY_LINKED') return user;
    if (outcome === 'LINKED_TO_OTHER_PROFILE') {
      throw conflict('profileUrl: another LinkedIn profile is already linked to this account; contact support to change it', 'profileUrl');
    }
    const now = this.clock.now();
    const event = createEvent('LinkedInProfileLinked', { userId, linkedAt: now.toISOString() }, { subject: userId, time: now });
    let linked: UserDocument | null;
    try {
      linked = await this.users
        .findOneAndUpdate(
          { _id: userId, status: 'ACTIVE', linkedInProfileUrl: null },
          { $set: { linkedInProfileUrl: profileUrl, linkedInLinkedAt: now, updatedAt: now }, $push: pushToOutbox(event) },
          { new: true },
        )
        .lean<UserDocument>();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('profileUrl: this LinkedIn profile is already linked to another account', 'profileUrl');
      throw error;
    }
    if (!linked) {
      // A concurrent request of the same user linked first: answer from what it did.
      const current = await this.getActiveUser(userId);
      if (current.linkedInProfileUrl === profileUrl) return current;
      throw conflict('profileUrl: another LinkedIn profile is already linked to this account', 'profileUrl');
    }
    this.outboxWritten();
    this.logger.info({ userId }, 'LinkedIn profile linked');
    return linked;
  }

  now(): Date {
    return this.clock.now();
  }

  log(): Logger {
    return this.logger;
  }
}
