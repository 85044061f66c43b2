import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { argon2id, hash as argon2Hash, needsRehash as argon2NeedsRehash, verify as argon2Verify } from 'argon2';
import type { Connection } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createEvent } from '@leadgraph/events';
import {
  retryAfterSeconds,
  badInput,
  conflict,
  forbidden,
  fromZodError,
  identifierHash,
  isDuplicateKeyError,
  notFound,
  pushToOutbox,
  rateLimited,
  unauthenticated,
  type Clock,
  type IdentifierHashKey,
  type Logger,
  type Mailer,
  type UserCaller,
} from '@leadgraph/platform';
import type { LegalService } from '../legal/legal.service';
import type { SessionService, IssuedSession } from '../sessions/session.service';
import { loginThrottleKey } from '../sessions/session.rules';
import { pendingStaffAuditEntry, type StaffService } from '../staff/staff.service';
import type { DeletedEmailRegistry } from '../users/deleted-email.registry';
import type { TermsAcceptance, UserDocument, UserModel } from '../users/user.model';
import {
  VERIFICATION_CODE_TTL_MS,
  VERIFICATION_MAX_ATTEMPTS,
  VERIFICATION_RESEND_COOLDOWN_MS,
  canResendVerificationCode,
  changePasswordInputSchema,
  emailSchema,
  formatVerificationCode,
  isBootstrapSuperAdmin,
  isBusinessEmail,
  loginInputSchema,
  passwordProblem,
  signUpInputSchema,
  signUpLegalProblem,
  verificationCodeWindow,
  verificationRefusal,
  verifyEmailInputSchema,
  type Language,
  type SignUpInput,
} from './auth.rules';

/** argon2id (ACC-03): memory-hard; cost from config. */
export class PasswordHasher {
  private decoy: Promise<string> | null = null;

  constructor(private readonly cost: { memoryCost: number; timeCost: number }) {}

  hash(password: string): Promise<string> {
    return argon2Hash(password, { type: argon2id, memoryCost: this.cost.memoryCost, timeCost: this.cost.timeCost, parallelism: 1 });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await argon2Verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  needsRehash(passwordHash: string): boolean {
    return argon2NeedsRehash(passwordHash, { memoryCost: this.cost.memoryCost, timeCost: this.cost.timeCost, parallelism: 1 });
  }

  /** Spends the same time as a real check when there is no account, so timing does not reveal one. */
  async verifyAgainstDecoy(password: string): Promise<void> {
    this.decoy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(await this.decoy, password);
  }
}

export interface AuthThrottles {
  /** Failed logins (and wrong current passwords) per e-mail + IP. */
  login: RateLimiterAbstract;
  /** Verification codes sent (sign-up, resend) per e-mail + IP. */
  codeMail: RateLimiterAbstract;
}

/** Throttles shared by every instance through this service's own database. */
export function createAuthThrottles(connection: Connection, settings: { loginMaxFailures: number; loginBlockMinutes: number }): AuthThrottles {
  const storeClient = connection.getClient();
  const dbName = connection.name;
  return {
    login: new RateLimiterMongo({
      storeClient,
      dbName,
      tableName: 'rate_limits',
      keyPrefix: 'login',
      points: settings.loginMaxFailures,
      duration: settings.loginBlockMinutes * 60,
    }),
    codeMail: new RateLimiterMongo({ storeClient, dbName, tableName: 'rate_limits', keyPrefix: 'code-mail', points: 5, duration: 3600 }),
  };
}

export interface AuthSettings {
  /** Keys the verification-code HMAC (with a purpose prefix). */
  codeKey: IdentifierHashKey;
  bootstrapSuperAdminEmail: string | undefined;
}

const INVALID_CODE = 'code: the code is invalid or has expired';
const INVALID_CREDENTIALS = 'Invalid e-mail or password';

function retryAfterRejection(rejection: unknown): number {
  return rejection instanceof RateLimiterRes ? retryAfterSeconds(rejection.msBeforeNext) : 60;
}

/**
 * Sign-up with a one-time code (ACC-01, ACC-02), login, password change (ACC-03). Answers never
 * say whether an address has an account.
 */
export class AuthService {
  constructor(
    private readonly users: UserModel,
    private readonly deletedEmails: DeletedEmailRegistry,
    private readonly legal: LegalService,
    private readonly sessions: SessionService,
    private readonly staff: StaffService,
    private readonly passwords: PasswordHasher,
    private readonly throttles: AuthThrottles,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly settings: AuthSettings,
    private readonly logger: Logger,
    /** Called after a write that queued events, so the relay publishes now. */
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  /** Same answer whether the address is new, pending, registered or deleted; only a new one creates an account. */
  async signUp(rawInput: unknown, clientIp: string | null): Promise<void> {
    const input = await this.validateSignUp(rawInput);
    await this.consume(this.throttles.codeMail, loginThrottleKey(input.email, clientIp));
    // ACC-02: a deleted account's address never registers again; say nothing about it.
    if (await this.deletedEmails.isDeleted(input.email)) return;

    const existing = await this.users.findOne({ email: input.email }).lean<UserDocument>();
    if (existing) {
      await this.answerExistingAddress(existing, input);
      return;
    }
    const now = this.clock.now();
    const userId = randomUUID();
    const code = formatVerificationCode(randomInt(0, 1_000_000));
    try {
      await this.users.create({
        _id: userId,
        email: input.email,
        // PRV-05/PRV-08: requests and opt-outs carry only keyed hashes of addresses.
        emailHash: identifierHash('EMAIL', input.email, this.settings.codeKey),
        displayName: input.displayName,
        passwordHash: await this.passwords.hash(input.password),
        status: 'PENDING_VERIFICATION',
        emailVerifiedAt: null,
        verification: { codeHash: this.codeHash(userId, code), ...verificationCodeWindow(now) },
        termsAcceptances: this.signUpAcceptances(input, now),
        linkedInProfileUrl: null,
        linkedInLinkedAt: null,
        workspaceId: null,
        workspaceRole: null,
        staffRoles: [],
        preferences: { language: input.language, marketingEmails: input.marketingEmails, marketingEmailsChangedAt: now },
        suspension: null,
        credentialsVersion: 0,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        outbox: [],
      });
    } catch (error) {
      // Two sign-ups of one address at once: the unique index keeps one account; same answer.
      if (isDuplicateKeyError(error)) return;
      throw error;
    }
    await this.sendCode(input.email, code, input.language);
  }

  async resendVerificationCode(rawEmail: unknown, clientIp: string | null): Promise<void> {
    const parsed = emailSchema.safeParse(rawEmail);
    if (!parsed.success) throw fromZodError(parsed.error, 'email');
    const email = parsed.data;
    await this.consume(this.throttles.codeMail, loginThrottleKey(email, clientIp));
    const user = await this.users.findOne({ email, status: 'PENDING_VERIFICATION' }).lean<UserDocument>();
    if (!user) return;
    await this.reissueCode(user, {});
  }

  /** Activates the account, publishes AccountCreated and signs the user in. */
  async verifyEmail(rawInput: unknown, clientIp: string | null): Promise<IssuedSession> {
    const parsed = verifyEmailInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { email, code } = parsed.data;
    const now = this.clock.now();
    const user = await this.users.findOne({ email, status: 'PENDING_VERIFICATION' }).lean<UserDocument>();
    if (!user?.verification || verificationRefusal(user.verification, code, now)) throw badInput('code', INVALID_CODE);

    // Count the attempt before comparing, guarded by the budget: parallel guesses cannot exceed it.
    const counted = await this.users.findOneAndUpdate(
      {
        _id: user._id,
        status: 'PENDING_VERIFICATION',
        'verification.codeHash': user.verification.codeHash,
        'verification.attempts': { $lt: VERIFICATION_MAX_ATTEMPTS },
      },
      { $inc: { 'verification.attempts': 1 } },
      { new: true },
    );
    const presentedHash = this.codeHash(user._id, code);
    if (!counted?.verification || !this.sameHash(presentedHash, counted.verification.codeHash)) throw badInput('code', INVALID_CODE);

    const bootstrap = isBootstrapSuperAdmin(email, this.settings.bootstrapSuperAdminEmail);
    const termsVersion = this.acceptedTermsVersion(user);
    const accountCreated = createEvent(
      'AccountCreated',
      { userId: user._id, language: user.preferences.language, termsVersion, createdAt: now.toISOString() },
      { subject: user._id, time: now },
    );
    const activated = await this.users.findOneAndUpdate(
      { _id: user._id, status: 'PENDING_VERIFICATION', 'verification.codeHash': presentedHash },
      {
        $set: { status: 'ACTIVE', emailVerifiedAt: now, verification: null, updatedAt: now },
        ...(bootstrap ? { $addToSet: { staffRoles: 'SUPER_ADMIN' } } : {}),
        $push: {
          ...pushToOutbox(accountCreated),
          ...(bootstrap ? { pendingStaffAudit: pendingStaffAuditEntry('GRANT', 'SUPER_ADMIN', user._id, null, now) } : {}),
        },
      },
      { new: true },
    );
    if (!activated) throw badInput('code', INVALID_CODE);
    this.outboxWritten();
    if (bootstrap) await this.staff.copyPendingAudit(user._id);
    this.logger.info({ userId: user._id }, 'account verified');
    return this.sessions.open(activated, clientIp);
  }

  async login(rawInput: unknown, clientIp: string | null): Promise<IssuedSession> {
    const parsed = loginInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { email, password } = parsed.data;
    const throttleKey = loginThrottleKey(email, clientIp);
    await this.refuseWhenThrottled(throttleKey);

    const user = await this.users.findOne({ email }).lean<UserDocument>();
    const passwordMatches = user?.passwordHash
      ? await this.passwords.verify(user.passwordHash, password)
      : (await this.passwords.verifyAgainstDecoy(password), false);
    if (!user || !passwordMatches || (user.status !== 'ACTIVE' && user.status !== 'SUSPENDED')) {
      await this.recordFailure(throttleKey);
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    await this.throttles.login.delete(throttleKey);
    // Only someone who knows the password learns about the suspension (ACC-07).
    if (user.status === 'SUSPENDED') throw forbidden('Account suspended: contact support to regularise it');

    const now = this.clock.now();
    const rehash = user.passwordHash && this.passwords.needsRehash(user.passwordHash) ? await this.passwords.hash(password) : null;
    await this.users.updateOne(
      { _id: user._id },
      { $set: { lastLoginAt: now, ...(rehash ? { passwordHash: rehash } : {}) } },
    );
    return this.sessions.open(user, clientIp);
  }

  /** ACC-03: needs the current password; every other session of the user ends. */
  async changePassword(caller: UserCaller, rawInput: unknown, clientIp: string | null): Promise<void> {
    const parsed = changePasswordInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { currentPassword, newPassword } = parsed.data;
    const user = await this.users.findById(caller.userId).lean<UserDocument>();
    if (!user?.email || !user.passwordHash || user.status !== 'ACTIVE') throw notFound('User not found');
    const throttleKey = loginThrottleKey(user.email, clientIp);
    await this.refuseWhenThrottled(throttleKey);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.recordFailure(throttleKey);
      throw badInput('currentPassword', 'currentPassword: is incorrect');
    }
    const problem = passwordProblem(newPassword, { email: user.email, displayName: user.displayName });
    if (problem) throw badInput('newPassword', `newPassword: ${problem}`);
    if (newPassword === currentPassword) throw badInput('newPassword', 'newPassword: must differ from the current password');

    const updated = await this.users.findOneAndUpdate(
      { _id: user._id, passwordHash: user.passwordHash },
      { $set: { passwordHash: await this.passwords.hash(newPassword), updatedAt: this.clock.now() }, $inc: { credentialsVersion: 1 } },
      { new: true },
    );
    if (!updated) throw conflict('The password was changed meanwhile; try again');
    await this.sessions.rekey(caller.sessionId, user._id, updated.credentialsVersion);
    await this.sessions.revokeAllForUser(user._id, 'PASSWORD_CHANGED', caller.sessionId);
    await this.mailSafely({
      to: user.email,
      subject: 'Your leadgraph password was changed',
      text: 'Your password was just changed and your other sessions were signed out.\nIf this was not you, contact support at once.',
    });
  }

  private async validateSignUp(rawInput: unknown): Promise<SignUpInput> {
    const parsed = signUpInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const input = parsed.data;
    if (!isBusinessEmail(input.email)) {
      throw badInput('email', 'email: use your business address; free-mail providers are not accepted');
    }
    const problem = passwordProblem(input.password, input);
    if (problem) throw badInput('password', `password: ${problem}`);
    const inForce = await this.legal.versionsInForce();
    const legalProblem = signUpLegalProblem(input, {
      TERMS: inForce.TERMS?.version ?? null,
      PRIVACY_POLICY: inForce.PRIVACY_POLICY?.version ?? null,
    });
    if (legalProblem) throw badInput(legalProblem.field, legalProblem.message);
    return input;
  }

  /**
   * A pending sign-up is replaced by the newer one with a fresh code (whoever reads the mailbox
   * decides); a registered address gets a heads-up mail. Neither is visible to the caller.
   */
  private async answerExistingAddress(existing: UserDocument, input: SignUpInput): Promise<void> {
    const now = this.clock.now();
    if (existing.status === 'PENDING_VERIFICATION') {
      await this.reissueCode(existing, {
        displayName: input.displayName,
        passwordHash: await this.passwords.hash(input.password),
        termsAcceptances: this.signUpAcceptances(input, now),
        preferences: { language: input.language, marketingEmails: input.marketingEmails, marketingEmailsChangedAt: now },
      });
      return;
    }
    if ((existing.status === 'ACTIVE' || existing.status === 'SUSPENDED') && existing.email) {
      await this.mailSafely({
        to: existing.email,
        subject: 'You already have a leadgraph account',
        text: 'Someone, probably you, tried to create a leadgraph account with this address.\nYou already have one: just log in.',
      });
    }
  }

  /** New code if the cooldown allows it; silently nothing otherwise (the answer must not differ). */
  private async reissueCode(user: UserDocument, replacement: Partial<UserDocument>): Promise<void> {
    const now = this.clock.now();
    if (!user.email || !canResendVerificationCode(user.verification, now)) return;
    const code = formatVerificationCode(randomInt(0, 1_000_000));
    const cooldownStart = new Date(now.getTime() - VERIFICATION_RESEND_COOLDOWN_MS);
    const reissued = await this.users.findOneAndUpdate(
      {
        _id: user._id,
        status: 'PENDING_VERIFICATION',
        $or: [{ verification: null }, { 'verification.sentAt': { $lte: cooldownStart } }],
      },
      { $set: { ...replacement, verification: { codeHash: this.codeHash(user._id, code), ...verificationCodeWindow(now) }, updatedAt: now } },
      { new: true },
    );
    if (reissued) await this.sendCode(user.email, code, reissued.preferences.language);
  }

  private signUpAcceptances(input: SignUpInput, now: Date): TermsAcceptance[] {
    return [
      { kind: 'TERMS', version: input.termsVersion, acceptedAt: now, method: 'EXPLICIT' },
      { kind: 'PRIVACY_POLICY', version: input.privacyPolicyVersion, acceptedAt: now, method: 'EXPLICIT' },
    ];
  }

  private acceptedTermsVersion(user: UserDocument): string {
    const terms = user.termsAcceptances.filter((entry) => entry.kind === 'TERMS');
    return terms.at(-1)?.version ?? 'unknown';
  }

  private codeHash(userId: string, code: string): string {
    return createHmac('sha256', this.settings.codeKey.secret).update(`email-verification:${userId}:${code}`).digest('hex');
  }

  private sameHash(a: string, b: string): boolean {
    const left = Buffer.from(a, 'hex');
    const right = Buffer.from(b, 'hex');
    return left.length === right.length && timingSafeEqual(left, right);
  }

  private async sendCode(email: string, code: string, language: Language): Promise<void> {
    const minutes = VERIFICATION_CODE_TTL_MS / 60_000;
    const mail =
      language === 'fr'
        ? {
            subject: 'Votre code de vérification leadgraph',
            text: `Votre code de vérification est ${code}. Il expire dans ${minutes} minutes.`,
          }
        : { subject: 'Your leadgraph verification code', text: `Your verification code is ${code}. It expires in ${minutes} minutes.` };
    await this.mailSafely({ to: email, ...mail });
  }

  /** Mail failures are logged, not shown: the caller can ask again (resend). */
  private async mailSafely(mail: { to: string; subject: string; text: string }): Promise<void> {
    try {
      await this.mailer.send(mail);
    } catch (error) {
      this.logger.error({ err: error }, 'mail could not be sent');
    }
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(retryAfterRejection(rejection));
      throw rejection;
    }
  }

  private async refuseWhenThrottled(key: string): Promise<void> {
    const state = await this.throttles.login.get(key);
    if (state && state.consumedPoints >= this.throttles.login.points) {
      throw rateLimited(retryAfterSeconds(state.msBeforeNext));
    }
  }

  private async recordFailure(key: string): Promise<void> {
    try {
      await this.throttles.login.consume(key);
    } catch (rejection) {
      // Already at the limit: the next attempt is refused by refuseWhenThrottled.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
  }
}
