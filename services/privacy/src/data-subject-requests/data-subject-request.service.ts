import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { isOneTimeCodeFormat, newOneTimeCode, oneTimeCodeHash, sameHash, secondsToWait } from '../verification/verification.rules';
import { z } from 'zod';
import {
  MAX_CORRECTION_LENGTH,
  MAX_DIRECTIVE_LENGTH,
  createEvent,
  dataSubjectAnsweringServices,
  dataSubjectExportPartSchema,
  dataSubjectRightSchema,
  rectificationFieldSchema,
  type DataSubjectAnsweringService,
  type DataSubjectRequestAnswer,
  type DataSubjectRequestDetails,
  type DataSubjectRight,
} from '@leadgraph/events';
import {
  afterKeyset,
  DomainError,
  ErrorCode,
  badInput,
  checkPageSize,
  conflict,
  decodeCursor,
  encodeCursor,
  identifierHash,
  notFound,
  openDataSubjectPayload,
  pushToOutbox,
  requireStaffRole,
  sealDataSubjectPayload,
  type Caller,
  type Clock,
  type IdentifierHashKey,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { PrivacyAuditTrail } from '../audit/audit.service';
import { visitorIdSchema } from '../consent/consent.rules';
import type { ConsentService } from '../consent/consent.service';
import { validateOptOutForm, type FieldError, type Language, type OptOutForm } from '../opt-out/opt-out.service';
import type { RetentionScheduleService } from '../retention-schedule/retention-schedule.service';
import type { SubProcessorService } from '../sub-processors/sub-processor.service';
import type {
  DataSubjectAnswerChunkModel,
  DataSubjectExportModel,
  DataSubjectRequestDocument,
  DataSubjectRequestHistoryEntry,
  DataSubjectRequestModel,
  DataSubjectServiceAnswer,
} from './data-subject-request.model';
import {
  assembleAccessExport,
  dueState,
  extendDueDate,
  firstDueDate,
  isTerminal,
  missingDetail,
  pendingServices,
  producesExport,
  recipientWorkspaceIds,
  statesAllowing,
  statusAfterAnswer,
  type DenialReason,
  type DueState,
} from './data-subject-request.rules';

export const DSR_CODE_TTL_MS = 30 * 60_000;
export const DSR_MAX_CODE_ATTEMPTS = 5;
export const DSR_EXPORT_LINK_TTL_MS = 7 * 86_400_000;

/** Page / graph messages keys on top of the opt-out form's. */
export type RequestFieldError =
  | FieldError
  | 'RIGHT_UNKNOWN'
  | 'CORRECTIONS_REQUIRED'
  | 'CORRECTION_FIELD_INVALID'
  | 'CORRECTION_VALUE_INVALID'
  | 'DIRECTIVE_REQUIRED'
  | 'DIRECTIVE_TOO_LONG'
  | 'VISITOR_ID_INVALID';

export interface DataSubjectRequestForm extends OptOutForm {
  right: string;
  /** RECTIFICATION: field -> corrected value. */
  corrections: Array<{ field: string; value: string }>;
  directive: string;
  /** The consent banner's visitor id in the requester's browser, so analytics can find their events. */
  visitorId: string;
}

export type RequestFormErrors = Partial<Record<keyof OptOutForm | 'right' | 'corrections' | 'directive' | 'visitorId', RequestFieldError>>;

export type OpenResult =
  | { kind: 'OPENED'; requestId: string }
  | { kind: 'INVALID'; errors: RequestFormErrors }
  | { kind: 'RATE_LIMITED'; retryAfterSeconds: number };

export type VerifyResult =
  | { kind: 'VERIFIED'; request: DataSubjectRequestDocument }
  | { kind: 'INVALID'; error: RequestFieldError; attemptsLeft: number | null }
  | { kind: 'RATE_LIMITED'; retryAfterSeconds: number };

export type DownloadResult = { kind: 'OK'; requestId: string; document: unknown } | { kind: 'GONE'; reason: 'UNKNOWN' | 'USED' | 'EXPIRED' };

export interface DataSubjectRequestSettings {
  hashKey: IdentifierHashKey;
  sealKey: string;
  /** Base URL of the privacy service's public pages, for links in mails (known once listening). */
  publicUrl: () => string;
  requestsPerIpPerHour: number;
  requestsPerEmailPerHour: number;
  verificationsPerIpPerHour: number;
}


export type RequestListView = 'OPEN' | 'DUE_SOON' | 'OVERDUE' | 'ALL';

const listCursorSchema = z.object({ dueAt: z.number().int(), id: z.string().min(1) });

export interface RequestPage {
  requests: Array<{ request: DataSubjectRequestDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Validates the form: the identifiers as on the opt-out page, plus the right and what it needs. */
export function validateRequestForm(form: DataSubjectRequestForm): { right: DataSubjectRight; email: string; identifiers: Array<{ kind: 'EMAIL' | 'PHONE' | 'PROFILE_URL'; value: string }>; details: DataSubjectRequestDetails; visitorIds: string[] } | { errors: RequestFormErrors } {
  const errors: RequestFormErrors = {};
  const identity = validateOptOutForm(form);
  if ('errors' in identity) Object.assign(errors, identity.errors);
  const right = dataSubjectRightSchema.safeParse(form.right.trim().toUpperCase());
  if (!right.success) errors.right = 'RIGHT_UNKNOWN';
  const corrections: DataSubjectRequestDetails['corrections'] = [];
  for (const correction of form.corrections) {
    const value = correction.value.trim();
    if (correction.field.trim() === '' && value === '') continue;
    const field = rectificationFieldSchema.safeParse(correction.field.trim().toUpperCase());
    if (!field.success) errors.corrections = 'CORRECTION_FIELD_INVALID';
    else if (value === '' || value.length > MAX_CORRECTION_LENGTH) errors.corrections = 'CORRECTION_VALUE_INVALID';
    else corrections.push({ field: field.data, value });
  }
  const visitorId = form.visitorId.trim();
  if (visitorId !== '' && !visitorIdSchema.safeParse(visitorId).success) errors.visitorId = 'VISITOR_ID_INVALID';
  const directiveText = form.directive.trim();
  if (directiveText.length > MAX_DIRECTIVE_LENGTH) errors.directive = 'DIRECTIVE_TOO_LONG';
  const details: DataSubjectRequestDetails = { corrections, directive: directiveText === '' ? null : directiveText };
  if (right.success && !errors.corrections && !errors.directive) {
    const missing = missingDetail(right.data, details);
    if (missing === 'corrections') errors.corrections = 'CORRECTIONS_REQUIRED';
    if (missing === 'directive') errors.directive = 'DIRECTIVE_REQUIRED';
  }
  if (Object.keys(errors).length > 0 || 'errors' in identity || !right.success) return { errors };
  return { right: right.data, email: identity.email, identifiers: identity.identifiers, details, visitorIds: visitorId === '' ? [] : [visitorId] };
}

/** Graph-side messages for the form's error keys (the pages have their own, translated). */
export const requestErrorMessages: Record<RequestFieldError, string> = {
  EMAIL_REQUIRED: 'is required',
  EMAIL_INVALID: 'must be an e-mail address like name@example.com',
  PHONE_INVALID: 'must be a valid phone number: international format (+33…) or a national number with its country',
  COUNTRY_INVALID: 'must be one of the supported countries',
  PROFILE_URL_INVALID: 'must be a LinkedIn profile URL like https://www.linkedin.com/in/your-name',
  CODE_FORMAT: 'must be the 6-digit code from the e-mail',
  CODE_INVALID: 'is not correct',
  CODE_EXPIRED: 'has expired; open a new request',
  CODE_LOCKED: `is locked after ${DSR_MAX_CODE_ATTEMPTS} wrong attempts; open a new request`,
  CODE_USED: 'was already used: this request is verified',
  REQUEST_UNKNOWN: 'does not match any request awaiting verification',
  RIGHT_UNKNOWN: `must be one of ${dataSubjectRightSchema.options.join(', ')}`,
  CORRECTIONS_REQUIRED: 'a rectification needs at least one correction',
  CORRECTION_FIELD_INVALID: `field must be one of ${rectificationFieldSchema.options.join(', ')}`,
  CORRECTION_VALUE_INVALID: `value must be 1 to ${MAX_CORRECTION_LENGTH} characters`,
  DIRECTIVE_REQUIRED: 'a post-mortem directive needs its text',
  DIRECTIVE_TOO_LONG: `must be at most ${MAX_DIRECTIVE_LENGTH} characters`,
  VISITOR_ID_INVALID: 'must be the consent banner visitor id (letters, digits, . _ : -, at most 128)',
};

/**
 * Data-subject requests (PRV-02..05): opened on the public page or through the graph, verified by
 * a one-time code mailed to the requester (PRV-03) and only then published to every service
 * (DataSubjectRequestOpened). Each service's answer is recorded; the request completes when all have
 * answered, and an access / portability answer is mailed as a single-use expiring link.
 */
export class DataSubjectRequestService {
  private readonly perIp: RateLimiterAbstract;
  private readonly perEmail: RateLimiterAbstract;
  private readonly verifyPerIp: RateLimiterAbstract;

  constructor(
    private readonly requests: DataSubjectRequestModel,
    private readonly exports: DataSubjectExportModel,
    private readonly chunks: DataSubjectAnswerChunkModel,
    private readonly deps: {
      mailer: Mailer;
      clock: Clock;
      logger: Logger;
      auditTrail: PrivacyAuditTrail;
      consent: ConsentService;
      subProcessors: SubProcessorService;
      retentionSchedule: RetentionScheduleService;
      /** Recipient workspace names from accounts (rpc.accounts.describeWorkspaces). */
      workspaceNames: (workspaceIds: string[]) => Promise<Map<string, string | null>>;
      onEventsQueued: () => void;
    },
    private readonly settings: DataSubjectRequestSettings,
  ) {
    this.perIp = new RateLimiterMemory({ keyPrefix: 'dsr-ip', points: settings.requestsPerIpPerHour, duration: 3600 });
    this.perEmail = new RateLimiterMemory({ keyPrefix: 'dsr-email', points: settings.requestsPerEmailPerHour, duration: 3600 });
    this.verifyPerIp = new RateLimiterMemory({ keyPrefix: 'dsr-verify-ip', points: settings.verificationsPerIpPerHour, duration: 3600 });
  }

  private get now(): Date {
    return this.deps.clock.now();
  }

  // ---------------------------------------------------------------- opening and verification

  async open(form: DataSubjectRequestForm, origin: { channel: 'WEB_PAGE' | 'GRAPH'; userId: string | null; ip: string }, language: Language): Promise<OpenResult> {
    const valid = validateRequestForm(form);
    if ('errors' in valid) return { kind: 'INVALID', errors: valid.errors };
    const key = this.settings.hashKey;
    const limited = (await secondsToWait(this.perIp, origin.ip)) ?? (await secondsToWait(this.perEmail, identifierHash('EMAIL', valid.email, key)));
    if (limited !== null) return { kind: 'RATE_LIMITED', retryAfterSeconds: limited };

    const receivedAt = this.now;
    const requestId = randomUUID();
    const code = newOneTimeCode();
    const dueAt = firstDueDate(receivedAt);
    const hasDetails = valid.details.corrections.length > 0 || valid.details.directive !== null;
    const history: DataSubjectRequestHistoryEntry[] = [
      { status: 'RECEIVED', at: receivedAt, by: origin.userId ?? 'requester', note: origin.channel },
      { status: 'IDENTITY_UNVERIFIED', at: receivedAt, by: 'system', note: 'one-time code sent' },
    ];
    await this.requests.create({
      _id: requestId,
      right: valid.right,
      status: 'IDENTITY_UNVERIFIED',
      channel: origin.channel,
      userId: origin.userId,
      contactEmail: valid.email,
      language,
      identifiers: valid.identifiers.map((identifier) => ({ kind: identifier.kind, hash: identifierHash(identifier.kind, identifier.value, key), keyVersion: key.version })),
      sealedDetails: hasDetails ? sealDataSubjectPayload(valid.details, this.settings.sealKey) : null,
      visitorIds: valid.visitorIds,
      codeHash: oneTimeCodeHash(this.settings.hashKey.secret, 'dsr', requestId, code),
      codeExpiresAt: new Date(receivedAt.getTime() + DSR_CODE_TTL_MS),
      codeAttempts: 0,
      receivedAt,
      verifiedAt: null,
      firstDueAt: dueAt,
      dueAt,
      extensionMonths: 0,
      extensionReason: null,
      extensionNotifiedAt: null,
      answers: [],
      denialReason: null,
      closedAt: null,
      history,
      outbox: [],
    });
    await this.audit(requestId, 'REQUEST_RECEIVED', origin.userId, { right: valid.right, channel: origin.channel, dueAt: dueAt.toISOString() }, receivedAt);
    await this.mail(valid.email, language, 'code', { code, minutes: String(DSR_CODE_TTL_MS / 60_000) });
    return { kind: 'OPENED', requestId };
  }

  /**
   * PRV-03: the code proves control of the e-mail; only then is the request published. A request
   * opened through the graph can only be verified by the same signed-in user.
   */
  async verify(requestId: string, code: string, origin: { ip: string; userId: string | null }): Promise<VerifyResult> {
    const limited = await secondsToWait(this.verifyPerIp, origin.ip);
    if (limited !== null) return { kind: 'RATE_LIMITED', retryAfterSeconds: limited };
    const trimmed = code.trim();
    if (!isOneTimeCodeFormat(trimmed)) return { kind: 'INVALID', error: 'CODE_FORMAT', attemptsLeft: null };
    if (requestId.length === 0 || requestId.length > 64) return { kind: 'INVALID', error: 'REQUEST_UNKNOWN', attemptsLeft: null };
    const now = this.now;
    const owner = origin.userId === null ? { channel: 'WEB_PAGE' } : { userId: origin.userId };
    const counted = await this.requests
      .findOneAndUpdate(
        { _id: requestId, ...owner, status: 'IDENTITY_UNVERIFIED', codeAttempts: { $lt: DSR_MAX_CODE_ATTEMPTS }, codeExpiresAt: { $gt: now } },
        { $inc: { codeAttempts: 1 } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!counted) return { kind: 'INVALID', error: await this.whyRefused(requestId, owner, now), attemptsLeft: null };
    const presented = oneTimeCodeHash(this.settings.hashKey.secret, 'dsr', requestId, trimmed);
    if (!sameHash(presented, counted.codeHash)) {
      const attemptsLeft = DSR_MAX_CODE_ATTEMPTS - counted.codeAttempts;
      return attemptsLeft <= 0 ? { kind: 'INVALID', error: 'CODE_LOCKED', attemptsLeft: 0 } : { kind: 'INVALID', error: 'CODE_INVALID', attemptsLeft };
    }

    const opened = createEvent(
      'DataSubjectRequestOpened',
      {
        requestId,
        right: counted.right,
        userId: counted.userId,
        identifiers: counted.identifiers.map(({ kind, hash, keyVersion }) => ({ kind, hash, keyVersion })),
        sealedDetails: counted.sealedDetails,
        visitorIds: counted.visitorIds ?? [],
        dueAt: counted.dueAt.toISOString(),
        openedAt: now.toISOString(),
      },
      { subject: `data-subject-request/${requestId}`, time: now, id: `dsr-opened-${requestId}` },
    );
    const verified = await this.requests
      .findOneAndUpdate(
        { _id: requestId, status: 'IDENTITY_UNVERIFIED', codeHash: presented, codeExpiresAt: { $gt: now } },
        {
          $set: { status: 'IN_PROGRESS', verifiedAt: now },
          $push: {
            history: {
              $each: [
                { status: 'VERIFIED', at: now, by: 'requester', note: 'one-time code confirmed' },
                { status: 'IN_PROGRESS', at: now, by: 'system', note: 'sent to accounts, billing, contacts and analytics' },
              ],
            },
            ...pushToOutbox(opened),
          },
        },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!verified) return { kind: 'INVALID', error: await this.whyRefused(requestId, owner, now), attemptsLeft: null };
    this.deps.onEventsQueued();
    await this.audit(requestId, 'REQUEST_VERIFIED', verified.userId, { right: verified.right }, now);
    // Privacy's own part: the consent records it keeps (PRV-06).
    if (verified.right === 'CONSENT_WITHDRAWAL' && verified.userId) await this.deps.consent.withdrawAllForUser(verified.userId, requestId);
    this.deps.logger.info({ requestId, right: verified.right }, 'data-subject request verified and sent to the services');
    return { kind: 'VERIFIED', request: verified };
  }

  private async whyRefused(requestId: string, owner: Record<string, unknown>, now: Date): Promise<RequestFieldError> {
    const request = await this.requests.findOne({ _id: requestId, ...owner }, { status: 1, codeAttempts: 1, codeExpiresAt: 1 }).lean();
    if (!request) return 'REQUEST_UNKNOWN';
    if (request.status !== 'IDENTITY_UNVERIFIED') return request.status === 'DENIED' || request.status === 'REVOKED' ? 'REQUEST_UNKNOWN' : 'CODE_USED';
    if (request.codeAttempts >= DSR_MAX_CODE_ATTEMPTS) return 'CODE_LOCKED';
    if (request.codeExpiresAt.getTime() <= now.getTime()) return 'CODE_EXPIRED';
    return 'REQUEST_UNKNOWN';
  }

  // ---------------------------------------------------------------- answers from the services (PRV-05)

  async recordAnswer(received: DataSubjectRequestAnswer): Promise<void> {
    const answer = await this.wholeAnswer(received);
    if (!answer) return;
    const entry: DataSubjectServiceAnswer = {
      service: answer.service,
      outcome: answer.outcome,
      actions: answer.actions,
      retained: answer.retained,
      sealedExport: answer.sealedExport,
      answeredAt: new Date(answer.answeredAt),
    };
    const afterPush = await this.requests
      .findOneAndUpdate(
        // Only a request that was verified (and so published) can have answers.
        { _id: answer.requestId, verifiedAt: { $ne: null }, 'answers.service': { $ne: answer.service } },
        { $push: { answers: entry } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    const request = afterPush ?? (await this.requests.findOne({ _id: answer.requestId, verifiedAt: { $ne: null } }, { outbox: 0 }).lean<DataSubjectRequestDocument>());
    if (!request) {
      // Forged, foreign or never verified request id: nothing to attach the answer to.
      this.deps.logger.warn({ requestId: answer.requestId, service: answer.service }, 'answer to an unknown data-subject request ignored');
      return;
    }
    await this.audit(answer.requestId, 'REQUEST_EXECUTED_BY_SERVICE', null, {
      service: answer.service,
      outcome: answer.outcome,
      actions: answer.actions.map((action) => `${action.action}:${action.dataCategory}:${action.count}`).join(', ') || 'none',
      retained: answer.retained.map((retained) => retained.dataCategory).join(', ') || 'none',
    }, entry.answeredAt, `dsr:${answer.requestId}:answer:${answer.service}`);
    await this.advance(request, answer.service);
    if (received.exportChunk) await this.chunks.deleteMany({ requestId: answer.requestId, service: answer.service });
  }

  /** A sliced export counts once every slice is here (in any order, each possibly redelivered). */
  private async wholeAnswer(answer: DataSubjectRequestAnswer): Promise<DataSubjectRequestAnswer | null> {
    const chunk = answer.exportChunk;
    if (!chunk) return answer;
    const id = `${answer.requestId}:${answer.service}:${chunk.index}`;
    await this.chunks.updateOne(
      { _id: id },
      { $setOnInsert: { requestId: answer.requestId, service: answer.service, index: chunk.index, count: chunk.count, slice: answer.sealedExport ?? '', receivedAt: this.now } },
      { upsert: true },
    );
    const slices = await this.chunks.find({ requestId: answer.requestId, service: answer.service }).sort({ index: 1 }).lean();
    if (slices.length < chunk.count) return null;
    return { ...answer, sealedExport: slices.map((slice) => slice.slice).join(''), exportChunk: undefined };
  }

  /** Moves the request on after an answer: AWAITING_SERVICES, or COMPLETED once all have answered. */
  private async advance(request: DataSubjectRequestDocument, by: DataSubjectAnsweringService): Promise<void> {
    const next = statusAfterAnswer(request.status, request.answers);
    if (next === request.status || isTerminal(request.status)) return;
    const now = this.now;
    if (next === 'AWAITING_SERVICES') {
      await this.requests.updateOne(
        { _id: request._id, status: 'IN_PROGRESS' },
        { $set: { status: 'AWAITING_SERVICES' }, $push: { history: { status: 'AWAITING_SERVICES', at: now, by, note: `waiting for ${pendingServices(request.answers).join(', ')}` } } },
      );
      return;
    }
    const completed = createEvent(
      'DataSubjectRequestCompleted',
      { requestId: request._id, right: request.right, outcome: 'COMPLETED', completedAt: now.toISOString() },
      { subject: `data-subject-request/${request._id}`, time: now, id: `dsr-closed-${request._id}` },
    );
    const closed = await this.requests.updateOne(
      // Guarded on the stored answers too: every answering service must be in them.
      { _id: request._id, status: { $in: statesAllowing('COMPLETED') }, 'answers.service': { $all: [...dataSubjectAnsweringServices] } },
      {
        $set: { status: 'COMPLETED', closedAt: now },
        $push: { history: { status: 'COMPLETED', at: now, by, note: 'every service has answered' }, ...pushToOutbox(completed) },
      },
    );
    if (closed.modifiedCount !== 1) return;
    this.deps.onEventsQueued();
    await this.audit(request._id, 'REQUEST_COMPLETED', null, { right: request.right }, now);
    await this.sendAnswer({ ...request, status: 'COMPLETED', closedAt: now });
  }

  /** The answer mail: what each service did, what is kept and why, and for access a download link. */
  private async sendAnswer(request: DataSubjectRequestDocument): Promise<void> {
    const done = request.answers
      .map((answer) => `- ${answer.service}: ${answer.outcome === 'NO_DATA_HELD' ? 'no data about you' : answer.actions.map((action) => `${action.action.toLowerCase().replace(/_/g, ' ')} (${action.dataCategory.toLowerCase()})`).join(', ') || 'done'}`)
      .join('\n');
    const kept = request.answers.flatMap((answer) => answer.retained.map((retained) => `- ${retained.dataCategory.toLowerCase()}: ${retained.legalBasis}${retained.keptUntil ? ` (until ${retained.keptUntil.slice(0, 10)})` : ''}`)).join('\n');
    let link = '';
    if (producesExport(request.right)) link = await this.issueExportLink(request);
    await this.mail(request.contactEmail, request.language, 'answer', { right: request.right, done, kept: kept || '-', link });
  }

  /** Builds the one JSON document from every service's sealed part and stores it behind a new link. */
  private async issueExportLink(request: DataSubjectRequestDocument): Promise<string> {
    const parts = request.answers.flatMap((answer) => {
      if (!answer.sealedExport) return [];
      const part = dataSubjectExportPartSchema.safeParse(openDataSubjectPayload(answer.sealedExport, this.settings.sealKey));
      if (!part.success) {
        this.deps.logger.error({ requestId: request._id, service: answer.service }, 'a service sent an export part that breaks the contract; left out');
        return [];
      }
      return [{ service: answer.service, part: part.data }];
    });
    const workspaceIds = recipientWorkspaceIds(parts);
    const workspaceNames =
      workspaceIds.length === 0
        ? new Map<string, string | null>()
        : await this.deps.workspaceNames(workspaceIds).catch((error: unknown) => {
            // The answer still goes out on time; recipients are then listed by id only.
            this.deps.logger.warn({ err: error, requestId: request._id }, 'workspace names unavailable for an access answer');
            return new Map<string, string | null>();
          });
    const document = assembleAccessExport({
      request: { id: request._id, right: request.right, receivedAt: request.receivedAt, completedAt: request.closedAt ?? this.now },
      parts,
      answers: request.answers,
      subProcessors: await this.deps.subProcessors.list(),
      retentionSchedule: await this.deps.retentionSchedule.list(),
      workspaceNames,
    });
    const token = randomBytes(32).toString('base64url');
    const now = this.now;
    await this.exports.create({
      _id: randomUUID(),
      requestId: request._id,
      tokenHash: this.tokenHash(token),
      expiresAt: new Date(now.getTime() + DSR_EXPORT_LINK_TTL_MS),
      sealedDocument: sealDataSubjectPayload(document, this.settings.sealKey),
      createdAt: now,
      downloadedAt: null,
    });
    return `${this.settings.publicUrl()}/privacy-request/export?token=${token}`;
  }

  /** PRV-03: the link works once, before it expires; the stored copy is dropped when downloaded. */
  async downloadExport(token: string): Promise<DownloadResult> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { kind: 'GONE', reason: 'UNKNOWN' };
    const now = this.now;
    const tokenHash = this.tokenHash(token);
    const claimed = await this.exports
      .findOneAndUpdate({ tokenHash, downloadedAt: null, expiresAt: { $gt: now } }, { $set: { downloadedAt: now, sealedDocument: null } }, { new: false })
      .lean();
    if (!claimed || !claimed.sealedDocument) {
      const known = await this.exports.findOne({ tokenHash }, { downloadedAt: 1, expiresAt: 1 }).lean();
      if (!known) return { kind: 'GONE', reason: 'UNKNOWN' };
      return { kind: 'GONE', reason: known.downloadedAt ? 'USED' : 'EXPIRED' };
    }
    await this.audit(claimed.requestId, 'EXPORT_DOWNLOADED', null, {}, now);
    return { kind: 'OK', requestId: claimed.requestId, document: openDataSubjectPayload(claimed.sealedDocument, this.settings.sealKey) };
  }

  // ---------------------------------------------------------------- requester and officer actions

  /** The requester withdraws a request before it is carried out. */
  async revoke(caller: Caller, requestId: string): Promise<DataSubjectRequestDocument> {
    const userId = this.requesterOf(caller);
    const now = this.now;
    const existing = await this.requests.findOne({ _id: requestId, userId }, { right: 1, status: 1 }).lean();
    if (!existing) throw notFound('No such data-subject request');
    const revoked = await this.requests
      .findOneAndUpdate(
        { _id: requestId, userId, status: { $in: statesAllowing('REVOKED') } },
        {
          $set: { status: 'REVOKED', closedAt: now },
          $push: {
            history: { status: 'REVOKED', at: now, by: userId, note: 'withdrawn by the requester' },
            ...pushToOutbox(this.closedEvent(requestId, existing.right, 'REVOKED', now)),
          },
        },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!revoked) {
      throw conflict(`This request is ${existing.status.toLowerCase().replace(/_/g, ' ')} and can no longer be revoked`, 'requestId');
    }
    this.deps.onEventsQueued();
    await this.audit(requestId, 'REQUEST_REVOKED', userId, {}, now);
    return revoked;
  }

  /**
   * GDPR art. 18(3): a privacy officer lifts a restriction this request obtained. The requester is
   * told first; if the notice cannot be sent, nothing is lifted. Every service then lifts what this
   * request restricted (DataSubjectRestrictionLifted).
   */
  async liftRestriction(caller: Caller, input: { requestId: string; reason: string }): Promise<DataSubjectRequestDocument> {
    const officer = requireStaffRole(caller, 'PRIVACY_OFFICER');
    const reason = input.reason.trim();
    if (reason.length < 10) throw badInput('reason', 'reason: explain why the restriction ends (at least 10 characters); it is sent to the requester');
    const request = await this.requests.findById(input.requestId, { outbox: 0 }).lean<DataSubjectRequestDocument>();
    if (!request) throw notFound('No such data-subject request');
    if (request.right !== 'RESTRICTION') throw conflict('Only a restriction request has a restriction to lift', 'requestId');
    if (request.status !== 'COMPLETED') throw conflict('The restriction is not in place yet: the request is not completed', 'requestId');
    if (request.restrictionLiftedAt) throw conflict('This restriction was already lifted', 'requestId');
    const now = this.now;
    const template = mails[request.language].restrictionLifted;
    try {
      await this.deps.mailer.send({ to: request.contactEmail, subject: template.subject, text: template.text.replace('{reason}', reason) });
    } catch (error) {
      this.deps.logger.error({ err: error, requestId: request._id }, 'restriction lift notice could not be sent');
      throw conflict('The notice to the requester could not be sent; the restriction stays in place', 'requestId');
    }
    const lifted = createEvent(
      'DataSubjectRestrictionLifted',
      {
        requestId: request._id,
        userId: request.userId,
        identifiers: request.identifiers.map(({ kind, hash, keyVersion }) => ({ kind, hash, keyVersion })),
        visitorIds: request.visitorIds ?? [],
        liftedAt: now.toISOString(),
      },
      { subject: `data-subject-request/${request._id}`, time: now, id: `dsr-restriction-lifted-${request._id}` },
    );
    const updated = await this.requests
      .findOneAndUpdate(
        { _id: request._id, status: 'COMPLETED', restrictionLiftedAt: null },
        { $set: { restrictionLiftedAt: now, restrictionLiftReason: reason }, $push: pushToOutbox(lifted) },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!updated) throw conflict('This restriction was already lifted', 'requestId');
    this.deps.onEventsQueued();
    await this.audit(request._id, 'RESTRICTION_LIFTED', officer.userId, { reason }, now);
    return updated;
  }

  /** PRV-04: a privacy officer extends the deadline, with a reason notified to the requester. */
  async extend(caller: Caller, input: { requestId: string; months: number; reason: string }): Promise<DataSubjectRequestDocument> {
    const officer = requireStaffRole(caller, 'PRIVACY_OFFICER');
    const request = await this.requests.findById(input.requestId, { outbox: 0 }).lean<DataSubjectRequestDocument>();
    if (!request) throw notFound('No such data-subject request');
    const now = this.now;
    const outcome = extendDueDate(request, input, now);
    if ('refused' in outcome) {
      switch (outcome.refused) {
        case 'TERMINAL':
          throw conflict('This request is closed', 'requestId');
        case 'AFTER_FIRST_DUE_DATE':
          throw conflict('An extension must be notified before the first due date', 'requestId');
        case 'REASON_REQUIRED':
          throw badInput('reason', 'reason: explain why (at least 10 characters); it is sent to the requester');
        case 'TOO_LONG':
          throw badInput('months', 'months: the deadline can be extended by at most two months in total');
        default: {
          const unreachable: never = outcome.refused;
          throw new Error(`unknown refusal ${String(unreachable)}`);
        }
      }
    }
    const reason = input.reason.trim();
    // Guarded on the extension seen: two officers extending at once cannot exceed two months.
    const extended = await this.requests
      .findOneAndUpdate(
        { _id: request._id, extensionMonths: request.extensionMonths, status: request.status },
        { $set: { dueAt: outcome.dueAt, extensionMonths: outcome.totalMonths, extensionReason: reason, extensionNotifiedAt: now } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!extended) throw conflict('The request changed meanwhile; try again', 'requestId');
    await this.audit(request._id, 'REQUEST_EXTENDED', officer.userId, { months: String(input.months), reason, dueAt: outcome.dueAt.toISOString() }, now);
    await this.mail(request.contactEmail, request.language, 'extension', { reason, dueAt: outcome.dueAt.toISOString().slice(0, 10) });
    return extended;
  }

  async deny(caller: Caller, input: { requestId: string; reason: DenialReason; note: string }): Promise<DataSubjectRequestDocument> {
    const officer = requireStaffRole(caller, 'PRIVACY_OFFICER');
    const note = input.note.trim();
    if (note.length < 10) throw badInput('note', 'note: explain the denial (at least 10 characters); it is sent to the requester');
    const denied = await this.close(input.requestId, input.reason, officer.userId, note);
    if (!denied) {
      const existing = await this.requests.exists({ _id: input.requestId });
      if (!existing) throw notFound('No such data-subject request');
      throw conflict('This request is closed', 'requestId');
    }
    return denied;
  }

  /** Requests whose identity was never verified are denied at their due date (PRV-03). */
  async denyUnverifiedPastDue(): Promise<number> {
    const stale = await this.requests.find({ status: { $in: ['RECEIVED', 'IDENTITY_UNVERIFIED'] }, firstDueAt: { $lt: this.now } }, { _id: 1 }).limit(500).lean<Array<{ _id: string }>>();
    let denied = 0;
    for (const { _id } of stale) if (await this.close(_id, 'IDENTITY_NOT_VERIFIED', 'system', 'identity not verified before the due date')) denied += 1;
    return denied;
  }

  private async close(requestId: string, reason: DenialReason, by: string, note: string): Promise<DataSubjectRequestDocument | null> {
    const now = this.now;
    const existing = await this.requests.findById(requestId, { right: 1 }).lean();
    if (!existing) return null;
    const denied = await this.requests
      .findOneAndUpdate(
        { _id: requestId, status: { $in: statesAllowing('DENIED') } },
        {
          $set: { status: 'DENIED', denialReason: reason, closedAt: now },
          $push: { history: { status: 'DENIED', at: now, by, note }, ...pushToOutbox(this.closedEvent(requestId, existing.right, 'DENIED', now)) },
        },
        { new: true, projection: { outbox: 0 } },
      )
      .lean<DataSubjectRequestDocument>();
    if (!denied) return null;
    this.deps.onEventsQueued();
    await this.audit(requestId, 'REQUEST_DENIED', by === 'system' ? null : by, { reason }, now);
    // An unverified requester gets no mail: the address was never shown to be theirs.
    if (reason !== 'IDENTITY_NOT_VERIFIED') await this.mail(denied.contactEmail, denied.language, 'denial', { reason, note });
    return denied;
  }

  private closedEvent(requestId: string, right: DataSubjectRight, outcome: 'DENIED' | 'REVOKED', now: Date) {
    return createEvent(
      'DataSubjectRequestCompleted',
      { requestId, right, outcome, completedAt: now.toISOString() },
      { subject: `data-subject-request/${requestId}`, time: now, id: `dsr-closed-${requestId}` },
    );
  }

  // ---------------------------------------------------------------- queries

  async mine(caller: Caller): Promise<DataSubjectRequestDocument[]> {
    const userId = this.requesterOf(caller);
    return this.requests.find({ userId }, { outbox: 0 }).sort({ receivedAt: -1 }).limit(100).lean<DataSubjectRequestDocument[]>();
  }

  /** The requester sees their own request; privacy officers see any. Others get NOT_FOUND (no disclosure). */
  async get(caller: Caller, requestId: string): Promise<DataSubjectRequestDocument> {
    const isOfficer = caller.kind === 'user' && caller.staffRoles.includes('PRIVACY_OFFICER');
    const filter = isOfficer ? { _id: requestId } : { _id: requestId, userId: this.requesterOf(caller) };
    const request = await this.requests.findOne(filter, { outbox: 0 }).lean<DataSubjectRequestDocument>();
    if (!request) throw notFound('No such data-subject request');
    return request;
  }

  /** PRV-04: officers' lists of open, due-soon and overdue requests, soonest due first. */
  async list(caller: Caller, input: { view: RequestListView; first: number | null | undefined; after: string | null | undefined }): Promise<RequestPage> {
    requireStaffRole(caller, 'PRIVACY_OFFICER');
    const size = checkPageSize(input.first);
    const now = this.now;
    const open = { status: { $nin: ['COMPLETED', 'DENIED', 'REVOKED'] } };
    const dueFilter: Record<string, unknown> =
      input.view === 'OVERDUE'
        ? { ...open, dueAt: { $lt: now } }
        : input.view === 'DUE_SOON'
          ? { ...open, dueAt: { $gte: now, $lte: new Date(now.getTime() + 7 * 86_400_000) } }
          : input.view === 'OPEN'
            ? open
            : {};
    const cursor = input.after ? decodeCursor(input.after, listCursorSchema) : null;
    const after = cursor ? afterKeyset('dueAt', 'asc', new Date(cursor.dueAt), cursor.id) : {};
    const rows = await this.requests
      .find({ $and: [dueFilter, after] }, { outbox: 0 })
      .sort({ dueAt: 1, _id: 1 })
      .limit(size + 1)
      .lean<DataSubjectRequestDocument[]>();
    const requests = rows.slice(0, size).map((request) => ({ request, cursor: encodeCursor({ dueAt: request.dueAt.getTime(), id: request._id }) }));
    return { requests, hasNextPage: rows.length > size, endCursor: requests.at(-1)?.cursor ?? null };
  }

  dueStateOf(request: DataSubjectRequestDocument): DueState {
    return dueState(request, this.now);
  }

  // ---------------------------------------------------------------- helpers

  private requesterOf(caller: Caller): string {
    if (caller.kind !== 'user') throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in to manage your data-subject requests');
    return caller.userId;
  }

  private async audit(requestId: string, action: Parameters<PrivacyAuditTrail['record']>[0]['action'], actorUserId: string | null, details: Record<string, string>, at: Date, id?: string): Promise<void> {
    await this.deps.auditTrail.record({
      id: id ?? `dsr:${requestId}:${action}:${at.getTime()}`,
      action,
      subjectType: 'DATA_SUBJECT_REQUEST',
      subjectId: requestId,
      actorUserId,
      details,
      at,
    });
  }


  private tokenHash(token: string): string {
    return createHmac('sha256', this.settings.hashKey.secret).update(`dsr-export:${token}`).digest('hex');
  }



  private async mail(to: string, language: Language, kind: keyof typeof mails.en, values: Record<string, string>): Promise<void> {
    const template = mails[language][kind];
    const fill = (text: string) => text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
    try {
      await this.deps.mailer.send({ to, subject: fill(template.subject), text: fill(template.text) });
    } catch (error) {
      // The state change stands; the mail failure is logged for follow-up (the requester can see the status in the graph).
      this.deps.logger.error({ err: error, kind }, 'data-subject request mail could not be sent');
    }
  }
}

const mails = {
  en: {
    code: {
      subject: 'Confirm your leadgraph privacy request',
      text: 'Your confirmation code is {code}. It expires in {minutes} minutes. Nothing happens until you enter it. If you did not ask for this, ignore this message.',
    },
    extension: {
      subject: 'Your leadgraph privacy request: more time needed',
      text: 'We need more time to answer your request, because: {reason}\nWe will answer by {dueAt} at the latest.',
    },
    denial: {
      subject: 'Your leadgraph privacy request was declined',
      text: 'We cannot carry out your request ({reason}): {note}\nYou may lodge a complaint with a supervisory authority (in France, the CNIL) or seek a judicial remedy.',
    },
    restrictionLifted: {
      subject: 'The restriction of your data at leadgraph ends',
      text: 'The restriction of the processing of your data that you obtained is being lifted, because: {reason}\nFrom now on your data is processed again as before. You may object to the processing or contact us to discuss it.',
    },
    answer: {
      subject: 'Your leadgraph privacy request is complete',
      text: 'Your {right} request has been carried out by every part of leadgraph:\n{done}\n\nKept under legal obligation, with processing restricted:\n{kept}\n\n{link}\n(The download link works once and expires in 7 days.)',
    },
  },
  fr: {
    code: {
      subject: 'Confirmez votre demande leadgraph',
      text: "Votre code de confirmation est {code}. Il expire dans {minutes} minutes. Rien n'est fait avant que vous le saisissiez. Si vous n'avez rien demandé, ignorez ce message.",
    },
    extension: {
      subject: 'Votre demande leadgraph : délai prolongé',
      text: 'Nous avons besoin de plus de temps pour répondre à votre demande, pour la raison suivante : {reason}\nNous répondrons au plus tard le {dueAt}.',
    },
    denial: {
      subject: "Votre demande leadgraph n'a pas pu aboutir",
      text: "Nous ne pouvons pas donner suite à votre demande ({reason}) : {note}\nVous pouvez introduire une réclamation auprès de la CNIL ou former un recours juridictionnel.",
    },
    restrictionLifted: {
      subject: 'La limitation du traitement de vos données prend fin',
      text: "La limitation du traitement de vos données que vous aviez obtenue est levée, pour la raison suivante : {reason}\nVos données sont de nouveau traitées comme avant. Vous pouvez vous opposer au traitement ou nous contacter.",
    },
    answer: {
      subject: 'Votre demande leadgraph est traitée',
      text: "Votre demande ({right}) a été exécutée par chaque partie de leadgraph :\n{done}\n\nConservé au titre d'une obligation légale, avec traitement limité :\n{kept}\n\n{link}\n(Le lien de téléchargement ne fonctionne qu'une fois et expire dans 7 jours.)",
    },
  },
} as const;
