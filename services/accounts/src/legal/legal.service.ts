import {
  badInput,
  conflict,
  fromZodError,
  isDuplicateKeyError,
  notFound,
  type Clock,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { LegalDocumentKind, UserDocument, UserModel } from '../users/user.model';
import { legalDocumentId, type LegalDocumentModel, type LegalDocumentVersion } from './legal.model';
import {
  acceptanceOutcome,
  initialLegalDocuments,
  legalDecisionHistory,
  legalVersionStatus,
  publicationProblem,
  publishLegalDocumentInputSchema,
  refusalOutcome,
  upcomingVersions,
  versionInForce,
  type LegalDecision,
} from './legal.rules';

const NOTICE_BATCH_SIZE = 100;
/** Users bound by the terms: those who can use the service, or will again after a suspension. */
const BOUND_STATUSES = ['ACTIVE', 'SUSPENDED'];

const kindLabel: Record<LegalDocumentKind, string> = { TERMS: 'terms of service', PRIVACY_POLICY: 'privacy policy' };

/**
 * Terms and privacy-policy versions (ACC-09): seeding, publication with a notice period, notice
 * mails, explicit acceptance or refusal, acceptance by silence once a version takes effect.
 */
export class LegalService {
  private noticeRun: Promise<number> | null = null;

  constructor(
    private readonly documents: LegalDocumentModel,
    private readonly users: UserModel,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Idempotent: inserts the initial versions when missing, never touches existing ones. */
  async seedInitialVersions(): Promise<void> {
    // Wait for the model's own collection creation: the embedded server fails a write racing it.
    await this.documents.init();
    for (const initial of initialLegalDocuments) {
      try {
        await this.documents.updateOne(
          { _id: legalDocumentId(initial.kind, initial.version) },
          {
            $setOnInsert: {
              ...initial,
              documentUrl: null,
              publishedAt: initial.effectiveAt,
              publishedByUserId: null,
              // Nobody was asked to accept a seeded version by silence.
              silenceRecordedAt: initial.effectiveAt,
            },
          },
          { upsert: true },
        );
      } catch (error) {
        // Another instance seeded it at the same moment.
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  async allVersions(): Promise<LegalDocumentVersion[]> {
    return this.documents.find({}).sort({ effectiveAt: 1 }).lean<LegalDocumentVersion[]>();
  }

  async versionsInForce(): Promise<Record<LegalDocumentKind, LegalDocumentVersion | null>> {
    const all = await this.allVersions();
    const now = this.clock.now();
    return { TERMS: versionInForce(all, 'TERMS', now), PRIVACY_POLICY: versionInForce(all, 'PRIVACY_POLICY', now) };
  }

  async currentDocuments(): Promise<LegalDocumentVersion[]> {
    const inForce = await this.versionsInForce();
    return [inForce.TERMS, inForce.PRIVACY_POLICY].filter((version): version is LegalDocumentVersion => version !== null);
  }

  async upcomingDocuments(): Promise<LegalDocumentVersion[]> {
    return upcomingVersions(await this.allVersions(), this.clock.now());
  }

  /** Super admins publish; every bound user is then told by mail (in the background and by the job). */
  async publish(actorUserId: string, rawInput: unknown): Promise<LegalDocumentVersion> {
    const parsed = publishLegalDocumentInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const input = parsed.data;
    const now = this.clock.now();
    const id = legalDocumentId(input.kind, input.version);
    if (await this.documents.exists({ _id: id })) throw conflict(`version: ${input.kind} ${input.version} already exists`, 'version');
    const latest = await this.documents.findOne({ kind: input.kind }).sort({ effectiveAt: -1 }).lean<LegalDocumentVersion>();
    const problem = publicationProblem(input, latest, now);
    if (problem) throw badInput(problem.field, problem.message);
    const document: LegalDocumentVersion = {
      _id: id,
      kind: input.kind,
      version: input.version,
      effectiveAt: input.effectiveAt,
      summary: input.summary,
      documentUrl: input.documentUrl,
      publishedAt: now,
      publishedByUserId: actorUserId,
      silenceRecordedAt: null,
    };
    try {
      await this.documents.create(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict(`version: ${input.kind} ${input.version} already exists`, 'version');
      throw error;
    }
    void this.notifyUsersOfUpcomingVersions().catch((error: unknown) =>
      this.logger.error({ err: error }, 'legal notice pass failed; the job will retry'),
    );
    return document;
  }

  async accept(userId: string, kind: LegalDocumentKind, version: string): Promise<LegalDecision[]> {
    const { user, document, status } = await this.decisionContext(userId, kind, version);
    const outcome = acceptanceOutcome(user, document, status);
    if (outcome === 'NOT_OPEN') throw badInput('version', `version: ${kind} ${version} is superseded and can no longer be accepted`);
    if (outcome === 'RECORD') {
      const now = this.clock.now();
      await this.users.updateOne(
        { _id: userId, termsAcceptances: { $not: { $elemMatch: { kind, version } } } },
        { $push: { termsAcceptances: { kind, version, acceptedAt: now, method: 'EXPLICIT' } }, $set: { updatedAt: now } },
      );
    }
    return this.history(userId);
  }

  async refuse(userId: string, kind: LegalDocumentKind, version: string): Promise<LegalDecision[]> {
    const { user, document, status } = await this.decisionContext(userId, kind, version);
    const outcome = refusalOutcome(user, document, status);
    if (outcome === 'NOT_OPEN') throw badInput('version', `version: ${kind} ${version} is superseded and can no longer be refused`);
    if (outcome === 'ALREADY_ACCEPTED') throw conflict(`version: ${kind} ${version} was already accepted`, 'version');
    if (outcome === 'RECORD') {
      const now = this.clock.now();
      // Guarded against a concurrent acceptance: a version is either accepted or refused.
      await this.users.updateOne(
        {
          _id: userId,
          termsAcceptances: { $not: { $elemMatch: { kind, version } } },
          legalRefusals: { $not: { $elemMatch: { kind, version } } },
        },
        { $push: { legalRefusals: { kind, version, refusedAt: now } }, $set: { updatedAt: now } },
      );
    }
    return this.history(userId);
  }

  async history(userId: string): Promise<LegalDecision[]> {
    const user = await this.users.findById(userId, { termsAcceptances: 1, legalRefusals: 1, status: 1 }).lean<UserDocument>();
    if (!user || user.status === 'DELETED') throw notFound('User not found');
    return legalDecisionHistory(user);
  }

  /**
   * Job: mails every bound user not yet told of each upcoming version. Re-runnable; mail first,
   * then the notice is recorded, so a crash repeats a mail rather than losing one. One pass at a
   * time per instance.
   */
  notifyUsersOfUpcomingVersions(): Promise<number> {
    if (!this.noticeRun) {
      this.noticeRun = this.runNoticePass().finally(() => {
        this.noticeRun = null;
      });
    }
    return this.noticeRun;
  }

  /** Job: once a version is in force, silence of notified users counts as acceptance (ACC-09). */
  async recordSilentAcceptances(): Promise<number> {
    const now = this.clock.now();
    const due = await this.documents.find({ effectiveAt: { $lte: now }, silenceRecordedAt: null }).lean<LegalDocumentVersion[]>();
    let recorded = 0;
    for (const document of due) {
      const { kind, version } = document;
      const result = await this.users.updateMany(
        {
          status: { $in: BOUND_STATUSES },
          legalNotices: { $elemMatch: { kind, version, notifiedAt: { $lt: document.effectiveAt } } },
          termsAcceptances: { $not: { $elemMatch: { kind, version } } },
          legalRefusals: { $not: { $elemMatch: { kind, version } } },
        },
        { $push: { termsAcceptances: { kind, version, acceptedAt: document.effectiveAt, method: 'SILENCE' } } },
      );
      recorded += result.modifiedCount;
      await this.documents.updateOne({ _id: document._id, silenceRecordedAt: null }, { $set: { silenceRecordedAt: now } });
    }
    return recorded;
  }

  private async runNoticePass(): Promise<number> {
    const upcoming = await this.upcomingDocuments();
    let notified = 0;
    for (const document of upcoming) notified += await this.notifyAllOf(document);
    return notified;
  }

  private async notifyAllOf(document: LegalDocumentVersion): Promise<number> {
    const { kind, version } = document;
    let notified = 0;
    let afterId = '';
    for (;;) {
      const batch = await this.users
        .find(
          {
            _id: { $gt: afterId },
            status: { $in: BOUND_STATUSES },
            email: { $ne: null },
            legalNotices: { $not: { $elemMatch: { kind, version } } },
          },
          { email: 1 },
        )
        .sort({ _id: 1 })
        .limit(NOTICE_BATCH_SIZE)
        .lean<Array<Pick<UserDocument, '_id' | 'email'>>>();
      if (batch.length === 0) return notified;
      for (const user of batch) {
        afterId = user._id;
        if (!user.email) continue;
        try {
          await this.mailer.send(this.noticeMail(user.email, document));
        } catch (error) {
          this.logger.warn({ err: error, userId: user._id, kind, version }, 'legal notice mail failed; will retry');
          continue;
        }
        await this.users.updateOne(
          { _id: user._id, legalNotices: { $not: { $elemMatch: { kind, version } } } },
          { $push: { legalNotices: { kind, version, notifiedAt: this.clock.now() } } },
        );
        notified += 1;
      }
    }
  }

  private noticeMail(to: string, document: LegalDocumentVersion) {
    const label = kindLabel[document.kind];
    const date = document.effectiveAt.toISOString().slice(0, 10);
    return {
      to,
      subject: `Our ${label} change on ${date} (version ${document.version})`,
      text: [
        `We are updating our ${label}. Version ${document.version} takes effect on ${date}.`,
        '',
        document.summary,
        document.documentUrl ? `\nRead it here: ${document.documentUrl}` : '',
        '',
        'You can accept or refuse it from your account settings before that date.',
        'If you do neither, you will be deemed to have accepted it when it takes effect.',
      ].join('\n'),
    };
  }

  private async decisionContext(userId: string, kind: LegalDocumentKind, version: string) {
    const [user, all] = await Promise.all([
      this.users.findById(userId, { termsAcceptances: 1, legalRefusals: 1, status: 1 }).lean<UserDocument>(),
      this.allVersions(),
    ]);
    if (!user || user.status !== 'ACTIVE') throw notFound('User not found');
    const document = all.find((candidate) => candidate.kind === kind && candidate.version === version.trim());
    if (!document) throw badInput('version', `version: there is no ${kind} version ${version}`);
    return { user, document, status: legalVersionStatus(document, all, this.clock.now()) };
  }
}
