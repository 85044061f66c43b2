import type { DataSubjectExportPart, EventData } from '@leadgraph/events';
import { recordDataSubjectAnswer, sealDataSubjectPayload, type Clock, type DataSubjectAnswerModel, type Logger } from '@leadgraph/platform';
import type { RawEventDocument, RawEventModel } from '../collection/collection.model';
import type { LiftOutcome } from '../consent/consent.rules';
import type { ConsentProjection, ConsentSubject } from '../consent/consent.service';
import type { FunnelUserDocument, FunnelUserModel } from '../metering/metering.model';
import type { ErasureTallyDocument, ErasureTallyModel } from './data-subject.model';
import {
  AGGREGATES_NOTE,
  CONSENT_CATEGORY,
  FUNNEL_CATEGORY,
  RAW_EVENTS_CATEGORY,
  heldAnything,
  planFor,
  requestSubjects,
  type AnswerAction,
  type HeldData,
} from './data-subject.rules';

type OpenedRequest = EventData<'DataSubjectRequestOpened'>;
type RestrictionLifted = EventData<'DataSubjectRestrictionLifted'>;

/**
 * Analytics' part of a data-subject request (ANA-05, PRV-05): every request is answered exactly
 * once with DataSubjectRequestAnsweredByAnalytics. The requester is reached through their user
 * id and the visitor ids they filed from; analytics stores no e-mail, phone or identifier hash
 * (ANA-03), so the request's identifier hashes cannot match anything here.
 */
export class DataSubjectService {
  constructor(
    private readonly rawEvents: RawEventModel,
    private readonly funnel: FunnelUserModel,
    private readonly consent: ConsentProjection,
    private readonly answers: DataSubjectAnswerModel,
    private readonly tallies: ErasureTallyModel,
    private readonly sealKey: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onAnswered: () => void = () => undefined,
  ) {}

  private subjectsOf(request: OpenedRequest): ConsentSubject[] {
    return requestSubjects(request);
  }

  private rawEventFilter(subjects: ConsentSubject[]) {
    return { $or: subjects.map((subject) => ({ subjectType: subject.subjectType, subjectId: subject.subjectId })) };
  }

  private async held(request: OpenedRequest, subjects: ConsentSubject[]): Promise<HeldData> {
    if (subjects.length === 0) return { rawEvents: 0, funnelRows: 0 };
    const rawEvents = await this.rawEvents.countDocuments(this.rawEventFilter(subjects));
    const funnelRows = request.userId ? await this.funnel.countDocuments({ userId: request.userId }) : 0;
    return { rawEvents, funnelRows };
  }

  async answer(request: OpenedRequest): Promise<boolean> {
    const subjects = this.subjectsOf(request);
    const plan = planFor(request.right);
    const held = await this.held(request, subjects);
    const actions: AnswerAction[] = [];
    let sealedExport: string | null = null;

    switch (plan.kind) {
      case 'EXPORT': {
        if (!heldAnything(held)) break;
        const part = await this.exportPart(request, subjects);
        sealedExport = sealDataSubjectPayload(part, this.sealKey);
        if (held.rawEvents > 0) actions.push({ dataCategory: RAW_EVENTS_CATEGORY, action: 'EXPORTED', count: held.rawEvents, note: null });
        if (held.funnelRows > 0) actions.push({ dataCategory: FUNNEL_CATEGORY, action: 'EXPORTED', count: held.funnelRows, note: null });
        break;
      }
      case 'ERASE': {
        if (subjects.length === 0) break;
        // The first run's tally wins: a re-run after a crash reports what was there before the deletes.
        await this.tallies.updateOne(
          { _id: request.requestId },
          { $setOnInsert: { rawEvents: held.rawEvents, funnelRows: held.funnelRows, recordedAt: this.clock.now() } },
          { upsert: true },
        );
        const tally = (await this.tallies.findById(request.requestId).lean<ErasureTallyDocument>()) ?? { rawEvents: held.rawEvents, funnelRows: held.funnelRows };
        await this.rawEvents.deleteMany(this.rawEventFilter(subjects));
        if (request.userId) await this.funnel.updateMany({ userId: request.userId }, { $unset: { userId: 1 } });
        if (tally.rawEvents > 0) actions.push({ dataCategory: RAW_EVENTS_CATEGORY, action: 'ERASED', count: tally.rawEvents, note: AGGREGATES_NOTE });
        if (tally.funnelRows > 0) {
          actions.push({ dataCategory: FUNNEL_CATEGORY, action: 'ANONYMISED', count: tally.funnelRows, note: 'The sign-up funnel keeps the dates, no longer who' });
        }
        break;
      }
      case 'RESTRICT': {
        for (const subject of subjects) await this.consent.restrict(subject, request.requestId, plan.cause);
        if (plan.action === 'OBJECTION_APPLIED' && request.userId) {
          await this.funnel.updateMany({ userId: request.userId }, { $unset: { userId: 1 } });
        }
        if (subjects.length > 0) {
          actions.push({
            dataCategory: CONSENT_CATEGORY,
            action: plan.action,
            count: subjects.length,
            note: 'No identified analytics from now on, whatever the consent banner says; events already held are no longer used',
          });
        }
        break;
      }
      case 'WITHDRAW_CONSENT': {
        for (const subject of subjects) await this.consent.withdrawAnalytics(subject, new Date(request.openedAt));
        if (subjects.length > 0) {
          actions.push({
            dataCategory: CONSENT_CATEGORY,
            action: 'CONSENT_WITHDRAWN',
            count: subjects.length,
            note: 'Later events are only counted anonymously; events collected with consent are kept unless erasure is requested',
          });
        }
        break;
      }
      case 'NOTHING_TO_CHANGE':
        if (heldAnything(held)) actions.push({ dataCategory: RAW_EVENTS_CATEGORY, action: plan.action, count: 0, note: plan.note });
        break;
      default: {
        const unreachable: never = plan;
        throw new Error(`unknown plan ${String(unreachable)}`);
      }
    }

    const outcome = actions.length > 0 ? 'CARRIED_OUT' : 'NO_DATA_HELD';
    const recorded = await recordDataSubjectAnswer(
      this.answers,
      'analytics',
      { requestId: request.requestId, right: request.right, outcome, actions, retained: [], sealedExport },
      this.clock,
    );
    if (recorded) {
      this.logger.info({ requestId: request.requestId, right: request.right, outcome }, 'data-subject request answered (PRV-05)');
      this.onAnswered();
    }
    return recorded;
  }

  /**
   * GDPR art. 18(3): privacy lifted the restriction obtained by the RESTRICTION request
   * `requestId` (the requester was told beforehand). Only that request's cause goes, for the user
   * id and the visitor ids it carries; an objection or another restriction keeps the subject
   * restricted. Nothing is answered: the request is already completed.
   */
  async liftRestriction(lift: RestrictionLifted): Promise<Record<LiftOutcome, number>> {
    const outcomes: Record<LiftOutcome, number> = { LIFTED: 0, STILL_RESTRICTED: 0, NOTHING_TO_LIFT: 0 };
    for (const subject of requestSubjects(lift)) outcomes[await this.consent.liftRestriction(subject, lift.requestId)] += 1;
    if (outcomes.LIFTED + outcomes.STILL_RESTRICTED === 0) {
      this.logger.info({ requestId: lift.requestId }, 'restriction lift: nothing restricted by this request here (unknown, or already lifted)');
    } else {
      this.logger.info({ requestId: lift.requestId, ...outcomes }, 'restriction lifted (PRV-02, art. 18(3))');
    }
    return outcomes;
  }

  private async exportPart(request: OpenedRequest, subjects: ConsentSubject[]): Promise<DataSubjectExportPart> {
    const events = await this.rawEvents
      .find(this.rawEventFilter(subjects), { _id: 0 })
      .sort({ occurredAt: 1 })
      .lean<Array<Omit<RawEventDocument, '_id'>>>();
    const funnelRows = request.userId
      ? await this.funnel.find({ userId: request.userId }, { _id: 0, signedUpAt: 1, firstSearchAt: 1, firstRevealAt: 1, subscribedAt: 1 }).lean<Array<Partial<FunnelUserDocument>>>()
      : [];
    const records: DataSubjectExportPart['records'] = [];
    if (events.length > 0) {
      records.push({
        dataCategory: RAW_EVENTS_CATEGORY,
        description: 'Pages viewed and actions taken on the site while analytics consent was given (truncated IP, browser family)',
        purpose: 'Understanding how the site is used',
        legalBasis: 'CONSENT',
        source: 'Your browser, with your analytics consent',
        data: events.map((event) => ({ ...event, occurredAt: event.occurredAt.toISOString(), receivedAt: event.receivedAt.toISOString() })),
      });
    }
    if (funnelRows.length > 0) {
      records.push({
        dataCategory: FUNNEL_CATEGORY,
        description: 'When you signed up, first searched, first revealed a contact and started a subscription',
        purpose: 'Measuring the sign-up funnel (server-side, nothing stored on your device)',
        legalBasis: 'LEGITIMATE_INTEREST',
        source: 'Our own services',
        data: funnelRows.map((row) => ({
          signedUpAt: row.signedUpAt?.toISOString() ?? null,
          firstSearchAt: row.firstSearchAt?.toISOString() ?? null,
          firstRevealAt: row.firstRevealAt?.toISOString() ?? null,
          subscribedAt: row.subscribedAt?.toISOString() ?? null,
        })),
      });
    }
    return { records, recipients: [] };
  }

  /**
   * ACC-06 account deletion: the account is gone, so are its identified events and the funnel's
   * link to it (ANA-05). The consent copy stays until privacy changes it (it is privacy's record).
   */
  async forgetDeletedAccount(userId: string): Promise<{ erased: number; anonymised: number }> {
    const erased = await this.rawEvents.deleteMany({ subjectType: 'USER', subjectId: userId });
    const anonymised = await this.funnel.updateMany({ userId }, { $unset: { userId: 1 } });
    if (erased.deletedCount + anonymised.modifiedCount > 0) {
      this.logger.info({ erased: erased.deletedCount, anonymised: anonymised.modifiedCount }, 'deleted account: identified analytics erased (ANA-05)');
    }
    return { erased: erased.deletedCount, anonymised: anonymised.modifiedCount };
  }
}
