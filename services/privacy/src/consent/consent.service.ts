import { Types } from 'mongoose';
import { createEvent } from '@leadgraph/events';
import { anonymousCaller, badInput, parseInput, pushToOutbox, type Caller, type Clock } from '@leadgraph/platform';
import type { PrivacyAuditTrail } from '../audit/audit.service';
import type { ConsentRecordDocument, ConsentRecordModel, ConsentSubjectType } from './consent.model';
import {
  categoriesOfChoice,
  consentExpiresAt,
  consentSubjectInputSchema,
  currentConsent,
  recordConsentInputSchema,
  withdrawConsentInputSchema,
  withdrawnCategories,
  type ConsentCategories,
  type ConsentMethod,
  type CurrentConsent,
} from './consent.rules';

export interface ConsentSubject {
  subjectType: ConsentSubjectType;
  subjectId: string;
}

export interface CurrentConsentView extends CurrentConsent, ConsentSubject {}

/** Consent records (PRV-06): append-only choices, ConsentChanged in each record's outbox. */
export class ConsentService {
  constructor(
    private readonly records: ConsentRecordModel,
    private readonly auditTrail: PrivacyAuditTrail,
    private readonly clock: Clock,
    private readonly onEventsQueued: () => void = () => undefined,
  ) {}

  /** A visitor id when given (anonymous callers included), otherwise the signed-in user. */
  private subjectOf(caller: Caller, visitorId: string | null | undefined, field = 'input.visitorId'): ConsentSubject {
    if (visitorId) return { subjectType: 'VISITOR', subjectId: visitorId };
    if (caller.kind === 'user') return { subjectType: 'USER', subjectId: caller.userId };
    throw badInput(field, `${field}: is required unless a user is signed in`);
  }

  private async latest(subject: ConsentSubject): Promise<ConsentRecordDocument | null> {
    return this.records
      .findOne({ subjectType: subject.subjectType, subjectId: subject.subjectId }, { outbox: 0 })
      .sort({ decidedAt: -1, _id: -1 })
      .lean<ConsentRecordDocument>();
  }

  async current(caller: Caller, input: { visitorId?: string | null }, globalPrivacyControl: boolean): Promise<CurrentConsentView> {
    const { visitorId } = parseInput(consentSubjectInputSchema, input);
    const subject = this.subjectOf(caller, visitorId, 'visitorId');
    return { ...subject, ...currentConsent(await this.latest(subject), this.clock.now(), globalPrivacyControl) };
  }

  async record(caller: Caller, input: unknown, globalPrivacyControl: boolean): Promise<CurrentConsentView> {
    const parsed = parseInput(recordConsentInputSchema, input, 'input');
    if (parsed.method === 'GPC' && !globalPrivacyControl) {
      throw badInput('input.method', 'input.method: GPC needs the Global Privacy Control signal (globalPrivacyControl: true)');
    }
    const subject = this.subjectOf(caller, parsed.visitorId);
    const categories = categoriesOfChoice(parsed.method, parsed.categories ?? []);
    return this.append(caller, subject, categories, parsed.policyVersion, parsed.method, globalPrivacyControl);
  }

  /** Withdrawal is one call, as easy as giving: the listed categories, or all optional ones. */
  async withdraw(caller: Caller, input: unknown): Promise<CurrentConsentView> {
    const parsed = parseInput(withdrawConsentInputSchema, input, 'input');
    const subject = this.subjectOf(caller, parsed.visitorId);
    const now = this.clock.now();
    const current = currentConsent(await this.latest(subject), now, false);
    const categories = withdrawnCategories(current.categories, parsed.categories ?? []);
    return this.append(caller, subject, categories, parsed.policyVersion, 'WITHDRAW', false);
  }

  /**
   * PRV-02 consent withdrawal through a verified data-subject request: every optional category of
   * the user is withdrawn, recorded and announced like any other choice.
   */
  async withdrawAllForUser(userId: string, requestId: string): Promise<void> {
    const subject: ConsentSubject = { subjectType: 'USER', subjectId: userId };
    const latest = await this.latest(subject);
    const categories = withdrawnCategories(currentConsent(latest, this.clock.now(), false).categories, []);
    await this.append(anonymousCaller, subject, categories, latest?.policyVersion ?? `data-subject-request:${requestId}`, 'WITHDRAW', false);
  }

  private async append(
    caller: Caller,
    subject: ConsentSubject,
    categories: ConsentCategories,
    policyVersion: string,
    method: ConsentMethod,
    globalPrivacyControl: boolean,
  ): Promise<CurrentConsentView> {
    const decidedAt = this.clock.now();
    const expiresAt = consentExpiresAt(decidedAt);
    const id = new Types.ObjectId().toHexString();
    const event = createEvent(
      'ConsentChanged',
      {
        ...subject,
        categories: { strictlyNecessary: true, ...categories },
        policyVersion,
        method,
        changedAt: decidedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      },
      { subject: `${subject.subjectType.toLowerCase()}:${subject.subjectId}`, time: decidedAt },
    );
    const document = { _id: id, ...subject, categories, policyVersion, method, globalPrivacyControl, decidedAt, expiresAt };
    // One insert: the choice and the event it implies exist together or not at all.
    await this.records.create({ ...document, outbox: pushToOutbox(event).outbox.$each });
    this.onEventsQueued();
    // The choice is already kept (append-only, with its event); the audit entry follows it with an id
    // derived from the record. A failure here reaches the caller, whose retry records a new choice.
    await this.auditTrail.record({
      id: `consent:${id}`,
      action: method === 'WITHDRAW' ? 'CONSENT_WITHDRAWN' : 'CONSENT_RECORDED',
      ...subject,
      actorUserId: caller.kind === 'anonymous' ? null : caller.userId,
      details: {
        policyVersion,
        method,
        analytics: String(categories.analytics),
        functionality: String(categories.functionality),
        targeting: String(categories.targeting),
        globalPrivacyControl: String(globalPrivacyControl),
      },
      at: decidedAt,
    });
    return { ...subject, ...currentConsent(document, decidedAt, globalPrivacyControl) };
  }
}
