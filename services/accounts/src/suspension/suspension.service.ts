import { createEvent } from '@leadgraph/events';
import {
  DomainError,
  ErrorCode,
  conflict,
  fromZodError,
  notFound,
  pushToOutbox,
  type Clock,
  type Logger,
  type Mailer,
  type UserCaller,
} from '@leadgraph/platform';
import type { SessionService } from '../sessions/session.service';
import type { UserDocument, UserModel } from '../users/user.model';
import { liftSuspensionInputSchema, regularisationDeadline, suspendAccountInputSchema, suspensionProblem } from './suspension.rules';

/**
 * Suspension for breach of the terms (ACC-07): the status change and its event are one write;
 * sessions are then revoked (resolveSession already refuses a suspended user, so a crash in
 * between leaves nobody signed in) and the user is told by mail.
 */
export class SuspensionService {
  constructor(
    private readonly users: UserModel,
    private readonly sessions: SessionService,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  async suspend(actor: UserCaller, rawInput: unknown): Promise<UserDocument> {
    const parsed = suspendAccountInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { userId, reason } = parsed.data;
    const target = await this.users.findById(userId).lean<UserDocument>();
    if (!target || target.status === 'DELETED') throw notFound('User not found');
    const problem = suspensionProblem(actor, target);
    if (problem) throw new DomainError(ErrorCode[problem.code], problem.message, problem.code === 'FORBIDDEN' ? {} : { field: 'userId' });

    const now = this.clock.now();
    const regulariseBy = regularisationDeadline(now);
    const event = createEvent(
      'AccountSuspended',
      { userId, reason, suspendedAt: now.toISOString(), regulariseBy: regulariseBy.toISOString() },
      { subject: userId, time: now },
    );
    const suspended = await this.users.findOneAndUpdate(
      { _id: userId, status: 'ACTIVE' },
      {
        $set: { status: 'SUSPENDED', suspension: { reason, suspendedAt: now, regulariseBy, suspendedByUserId: actor.userId }, updatedAt: now },
        $push: pushToOutbox(event),
      },
      { new: true },
    );
    if (!suspended) throw conflict('userId: the account changed meanwhile; reload and retry', 'userId');
    this.outboxWritten();
    await this.sessions.revokeAllForUser(userId, 'ACCOUNT_SUSPENDED');
    this.logger.info({ userId, by: actor.userId }, 'account suspended');
    if (target.email) {
      await this.mailSafely(target.email, 'Your leadgraph account is suspended', [
        'Your leadgraph account has been suspended for a breach of our terms of service:',
        '',
        reason,
        '',
        `Please contact support to regularise the situation before ${regulariseBy.toISOString().slice(0, 10)}.`,
        'Without regularisation by then, your subscription will be terminated.',
      ]);
    }
    return suspended.toObject();
  }

  async lift(actor: UserCaller, rawInput: unknown): Promise<UserDocument> {
    const parsed = liftSuspensionInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { userId } = parsed.data;
    const target = await this.users.findById(userId).lean<UserDocument>();
    if (!target || target.status === 'DELETED') throw notFound('User not found');
    if (target.status !== 'SUSPENDED' || !target.suspension) throw conflict('userId: the account is not suspended', 'userId');

    const now = this.clock.now();
    const event = createEvent('AccountReinstated', { userId, reinstatedAt: now.toISOString() }, { subject: userId, time: now });
    const reinstated = await this.users.findOneAndUpdate(
      { _id: userId, status: 'SUSPENDED' },
      {
        $set: { status: 'ACTIVE', suspension: null, updatedAt: now },
        $push: {
          suspensionHistory: { ...target.suspension, liftedAt: now, liftedByUserId: actor.userId },
          ...pushToOutbox(event),
        },
      },
      { new: true },
    );
    if (!reinstated) throw conflict('userId: the account changed meanwhile; reload and retry', 'userId');
    this.outboxWritten();
    this.logger.info({ userId, by: actor.userId }, 'suspension lifted');
    if (target.email) {
      await this.mailSafely(target.email, 'Your leadgraph account is active again', ['The suspension of your account has been lifted.']);
    }
    return reinstated.toObject();
  }

  private async mailSafely(to: string, subject: string, lines: string[]): Promise<void> {
    try {
      await this.mailer.send({ to, subject, text: lines.join('\n') });
    } catch (error) {
      this.logger.error({ err: error }, 'suspension mail could not be sent');
    }
  }
}
