import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { isOneTimeCodeFormat, newOneTimeCode, oneTimeCodeHash, sameHash, secondsToWait } from '../verification/verification.rules';
import { z } from 'zod';
import { createEvent } from '@leadgraph/events';
import {
  identifierHash,
  normaliseEmail,
  normaliseProfileUrl,
  pushToOutbox,
  type Clock,
  type IdentifierHashKey,
  type Logger,
  type Mailer,
} from '@leadgraph/platform';
import type { PrivacyAuditTrail } from '../audit/audit.service';
import type { OptOutIdentifier, OptOutRequestModel } from './opt-out.model';

export const OPT_OUT_CODE_TTL_MS = 15 * 60_000;
export const OPT_OUT_MAX_ATTEMPTS = 5;
/** Countries offered for national phone numbers (E.164 numbers need none). */
export const PHONE_COUNTRIES = ['FR', 'BE', 'CH', 'LU', 'DE', 'ES', 'IT', 'NL', 'GB', 'IE', 'US', 'CA'] as const;

export type Language = 'en' | 'fr';

/** Message keys shown on the page; the texts live in opt-out.pages.ts. */
export type FieldError =
  | 'EMAIL_REQUIRED'
  | 'EMAIL_INVALID'
  | 'PHONE_INVALID'
  | 'COUNTRY_INVALID'
  | 'PROFILE_URL_INVALID'
  | 'CODE_FORMAT'
  | 'CODE_INVALID'
  | 'CODE_EXPIRED'
  | 'CODE_LOCKED'
  | 'CODE_USED'
  | 'REQUEST_UNKNOWN';

export interface OptOutForm {
  email: string;
  phone: string;
  country: string;
  profileUrl: string;
}

export type StartResult =
  | { kind: 'STARTED'; requestId: string }
  | { kind: 'INVALID'; errors: Partial<Record<keyof OptOutForm, FieldError>> }
  | { kind: 'RATE_LIMITED'; retryAfterSeconds: number };

export type ConfirmResult =
  | { kind: 'CONFIRMED' }
  | { kind: 'INVALID'; error: FieldError; attemptsLeft: number | null }
  | { kind: 'RATE_LIMITED'; retryAfterSeconds: number };

interface ValidIdentifier {
  kind: OptOutIdentifier['kind'];
  value: string;
}

export interface OptOutSettings {
  hashKey: IdentifierHashKey;
  /** Requests per IP and per e-mail per hour (PRV-01). */
  requestsPerIpPerHour: number;
  requestsPerEmailPerHour: number;
  /** Code submissions per IP per hour (on top of the attempts per request). */
  confirmationsPerIpPerHour: number;
}

export const defaultOptOutSettings = (hashKey: IdentifierHashKey): OptOutSettings => ({
  hashKey,
  requestsPerIpPerHour: 20,
  requestsPerEmailPerHour: 3,
  confirmationsPerIpPerHour: 60,
});

const emailSchema = z.email();

export function validateOptOutForm(form: OptOutForm): { identifiers: ValidIdentifier[]; email: string } | { errors: Partial<Record<keyof OptOutForm, FieldError>> } {
  const errors: Partial<Record<keyof OptOutForm, FieldError>> = {};
  const identifiers: ValidIdentifier[] = [];
  const email = normaliseEmail(form.email);
  if (email === '') errors.email = 'EMAIL_REQUIRED';
  else if (email.length > 254 || !emailSchema.safeParse(email).success) errors.email = 'EMAIL_INVALID';
  else identifiers.push({ kind: 'EMAIL', value: email });

  const phone = form.phone.trim();
  const country = form.country.trim().toUpperCase();
  if (country !== '' && !(PHONE_COUNTRIES as readonly string[]).includes(country)) errors.country = 'COUNTRY_INVALID';
  else if (phone !== '') {
    const parsed = phone.length <= 32 ? parsePhoneNumberFromString(phone, country === '' ? undefined : (country as CountryCode)) : undefined;
    if (!parsed || !parsed.isValid()) errors.phone = 'PHONE_INVALID';
    else identifiers.push({ kind: 'PHONE', value: parsed.number });
  }

  const profileUrl = form.profileUrl.trim();
  if (profileUrl !== '') {
    const normalised = safeProfileUrl(profileUrl);
    if (!normalised) errors.profileUrl = 'PROFILE_URL_INVALID';
    else identifiers.push({ kind: 'PROFILE_URL', value: normalised });
  }
  return Object.keys(errors).length > 0 ? { errors } : { identifiers, email };
}

/** Only LinkedIn member profiles (`linkedin.com/in/<slug>`) are accepted. */
function safeProfileUrl(url: string): string | null {
  if (url.length > 300) return null;
  try {
    const normalised = normaliseProfileUrl(url);
    return /^linkedin\.com\/in\/[a-z0-9\-_%.]+$/.test(normalised) ? normalised : null;
  } catch {
    return null;
  }
}


/**
 * Public opt-out (PRV-01, PRV-03): a code mailed to the e-mail given proves control of it; on
 * confirmation the request becomes CONFIRMED with ContactOptedOut in its outbox (one guarded
 * update). Nothing here looks at whether we hold data on the person, so every answer is the same
 * for known and unknown identifiers.
 */
export class OptOutService {
  private readonly perIp: RateLimiterAbstract;
  private readonly perEmail: RateLimiterAbstract;
  private readonly confirmPerIp: RateLimiterAbstract;

  constructor(
    private readonly requests: OptOutRequestModel,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: OptOutSettings,
    /** Wakes the outbox relay so ContactOptedOut goes out at once (PRV-08). */
    private readonly onEventsQueued: () => void = () => undefined,
    /** PRV-10: each confirmed opt-out is kept in the audit trail. */
    private readonly auditTrail: Pick<PrivacyAuditTrail, 'record'> | null = null,
  ) {
    this.perIp = new RateLimiterMemory({ keyPrefix: 'opt-out-ip', points: settings.requestsPerIpPerHour, duration: 3600 });
    this.perEmail = new RateLimiterMemory({ keyPrefix: 'opt-out-email', points: settings.requestsPerEmailPerHour, duration: 3600 });
    this.confirmPerIp = new RateLimiterMemory({ keyPrefix: 'opt-out-confirm-ip', points: settings.confirmationsPerIpPerHour, duration: 3600 });
  }

  async start(form: OptOutForm, ip: string, language: Language): Promise<StartResult> {
    const valid = validateOptOutForm(form);
    if ('errors' in valid) return { kind: 'INVALID', errors: valid.errors };
    const emailKey = identifierHash('EMAIL', valid.email, this.settings.hashKey);
    const limited = (await secondsToWait(this.perIp, ip)) ?? (await secondsToWait(this.perEmail, emailKey));
    if (limited !== null) return { kind: 'RATE_LIMITED', retryAfterSeconds: limited };

    const now = this.clock.now();
    const requestId = randomUUID();
    const code = newOneTimeCode();
    const key = this.settings.hashKey;
    await this.requests.create({
      _id: requestId,
      status: 'PENDING',
      identifiers: valid.identifiers.map((identifier) => ({
        kind: identifier.kind,
        hash: identifierHash(identifier.kind, identifier.value, key),
        keyVersion: key.version,
      })),
      codeHash: oneTimeCodeHash(this.settings.hashKey.secret, 'opt-out', requestId, code),
      codeExpiresAt: new Date(now.getTime() + OPT_OUT_CODE_TTL_MS),
      attempts: 0,
      language,
      createdAt: now,
      confirmedAt: null,
      outbox: [],
    });
    await this.sendCode(valid.email, code, language);
    return { kind: 'STARTED', requestId };
  }

  async confirm(requestId: string, code: string, ip: string): Promise<ConfirmResult> {
    const limited = await secondsToWait(this.confirmPerIp, ip);
    if (limited !== null) return { kind: 'RATE_LIMITED', retryAfterSeconds: limited };
    const trimmed = code.trim();
    if (!isOneTimeCodeFormat(trimmed)) return { kind: 'INVALID', error: 'CODE_FORMAT', attemptsLeft: null };
    if (requestId.length === 0 || requestId.length > 64) return { kind: 'INVALID', error: 'REQUEST_UNKNOWN', attemptsLeft: null };

    const now = this.clock.now();
    // Count the attempt first (guarded): a locked, expired or used request is never compared.
    const counted = await this.requests
      .findOneAndUpdate(
        { _id: requestId, status: 'PENDING', attempts: { $lt: OPT_OUT_MAX_ATTEMPTS }, codeExpiresAt: { $gt: now } },
        { $inc: { attempts: 1 } },
        { new: true },
      )
      .lean();
    if (!counted) return { kind: 'INVALID', error: await this.whyRefused(requestId, now), attemptsLeft: null };

    const presented = oneTimeCodeHash(this.settings.hashKey.secret, 'opt-out', requestId, trimmed);
    if (!sameHash(presented, counted.codeHash)) {
      const attemptsLeft = OPT_OUT_MAX_ATTEMPTS - counted.attempts;
      return attemptsLeft <= 0
        ? { kind: 'INVALID', error: 'CODE_LOCKED', attemptsLeft: 0 }
        : { kind: 'INVALID', error: 'CODE_INVALID', attemptsLeft };
    }

    const event = createEvent(
      'ContactOptedOut',
      { optOutId: requestId, identifiers: counted.identifiers.map(({ kind, hash, keyVersion }) => ({ kind, hash, keyVersion })), optedOutAt: now.toISOString() },
      { subject: requestId, time: now },
    );
    const confirmed = await this.requests.updateOne(
      { _id: requestId, status: 'PENDING', codeHash: presented, codeExpiresAt: { $gt: now } },
      { $set: { status: 'CONFIRMED', confirmedAt: now }, $push: pushToOutbox(event) },
    );
    if (confirmed.modifiedCount !== 1) return { kind: 'INVALID', error: await this.whyRefused(requestId, now), attemptsLeft: null };
    this.onEventsQueued();
    this.logger.info({ optOutId: requestId }, 'opt-out confirmed');
    // Stable id: a retried audit write never adds a second entry. Only the kinds are recorded, never the identifiers.
    await this.auditTrail?.record({
      id: `opt-out:${requestId}`,
      action: 'OPT_OUT_CONFIRMED',
      subjectType: 'OPT_OUT_REQUEST',
      subjectId: requestId,
      actorUserId: null,
      details: { identifiers: counted.identifiers.map((identifier) => identifier.kind).join(', ') },
      at: now,
    });
    return { kind: 'CONFIRMED' };
  }

  private async whyRefused(requestId: string, now: Date): Promise<FieldError> {
    const request = await this.requests.findById(requestId, { status: 1, attempts: 1, codeExpiresAt: 1 }).lean();
    if (!request) return 'REQUEST_UNKNOWN';
    if (request.status === 'CONFIRMED') return 'CODE_USED';
    if (request.attempts >= OPT_OUT_MAX_ATTEMPTS) return 'CODE_LOCKED';
    if (request.codeExpiresAt.getTime() <= now.getTime()) return 'CODE_EXPIRED';
    return 'REQUEST_UNKNOWN';
  }




  private async sendCode(email: string, code: string, language: Language): Promise<void> {
    const minutes = OPT_OUT_CODE_TTL_MS / 60_000;
    const mail =
      language === 'fr'
        ? {
            subject: "Votre code d'opposition leadgraph",
            text: `Votre code de confirmation est ${code}. Il expire dans ${minutes} minutes. Si vous n'avez rien demandé, ignorez ce message.`,
          }
        : {
            subject: 'Your leadgraph opt-out code',
            text: `Your confirmation code is ${code}. It expires in ${minutes} minutes. If you did not ask for this, ignore this message.`,
          };
    try {
      await this.mailer.send({ to: email, ...mail });
    } catch (error) {
      // Not shown on the page (it would differ from the usual answer); the person can ask again.
      this.logger.error({ err: error }, 'opt-out code could not be mailed');
    }
  }
}
