import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RpcRequest, RpcResponse } from '@leadgraph/events';
import { scopesOfRole, signAccessToken, unauthenticated, type Clock, type Logger } from '@leadgraph/platform';
import type { UserDocument, UserModel } from '../users/user.model';
import { effectiveMembership } from '../workspaces/workspace.rules';
import type { WorkspaceDocument, WorkspaceModel } from '../workspaces/workspace.model';
import type { SessionDocument, SessionModel, SessionRevocationReason } from './session.model';
import {
  RETIRED_REFRESH_TOKENS_KEPT,
  classifyRefreshToken,
  formatRefreshToken,
  parseRefreshToken,
  refreshTokenExpiry,
  sessionRefusal,
} from './session.rules';

/** What a client receives on login, verification and refresh. */
export interface IssuedSession {
  userId: string;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface SessionSettings {
  accessTokenSecret: string;
  refreshTokenTtlDays: number;
}

const INVALID_REFRESH_TOKEN = 'Invalid or expired refresh token';
const INVALID_SESSION = 'Session is no longer valid';

function hashRefreshSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Sessions: opened on login/verification, rotated on refresh, revoked on logout, password change,
 * suspension and deletion; resolved for the gateway on every request.
 */
export class SessionService {
  constructor(
    private readonly sessions: SessionModel,
    private readonly users: UserModel,
    private readonly workspaces: WorkspaceModel,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
    private readonly logger: Logger,
  ) {}

  async open(user: Pick<UserDocument, '_id' | 'credentialsVersion'>, clientIp: string | null): Promise<IssuedSession> {
    const now = this.clock.now();
    const sessionId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = refreshTokenExpiry(now, this.settings.refreshTokenTtlDays);
    await this.sessions.create({
      _id: sessionId,
      userId: user._id,
      refreshTokenHash: hashRefreshSecret(secret),
      retiredRefreshTokenHashes: [],
      credentialsVersion: user.credentialsVersion,
      createdAt: now,
      lastRefreshedAt: now,
      expiresAt,
      revokedAt: null,
      revokedReason: null,
      clientIp,
    });
    return this.issue(user._id, sessionId, secret, expiresAt, now);
  }

  /** Rotates the refresh token. Presenting a rotated-out token revokes the whole session. */
  async refresh(refreshToken: string): Promise<IssuedSession> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw unauthenticated(INVALID_REFRESH_TOKEN);
    const session = await this.sessions.findById(parsed.sessionId).lean<SessionDocument>();
    if (!session) throw unauthenticated(INVALID_REFRESH_TOKEN);
    const presentedHash = hashRefreshSecret(parsed.secret);
    const presented = classifyRefreshToken(session, presentedHash);
    if (presented === 'REUSED') {
      await this.revokeReused(session);
      throw unauthenticated(INVALID_REFRESH_TOKEN);
    }
    if (presented === 'UNKNOWN') throw unauthenticated(INVALID_REFRESH_TOKEN);

    const now = this.clock.now();
    const user = await this.users.findById(session.userId, { status: 1, credentialsVersion: 1 }).lean<UserDocument>();
    if (!user || user.status !== 'ACTIVE' || sessionRefusal(session, user.credentialsVersion, now)) {
      throw unauthenticated(INVALID_REFRESH_TOKEN);
    }
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = refreshTokenExpiry(now, this.settings.refreshTokenTtlDays);
    // Guarded on the presented hash: of two concurrent refreshes with one token, one wins.
    const rotated = await this.sessions.findOneAndUpdate(
      { _id: session._id, refreshTokenHash: presentedHash, revokedAt: null },
      {
        $set: { refreshTokenHash: hashRefreshSecret(secret), lastRefreshedAt: now, expiresAt },
        $push: { retiredRefreshTokenHashes: { $each: [presentedHash], $slice: -RETIRED_REFRESH_TOKENS_KEPT } },
      },
      { new: true },
    );
    if (!rotated) {
      // Someone else used the same token a moment ago: that is reuse too.
      await this.revokeReused(session);
      throw unauthenticated(INVALID_REFRESH_TOKEN);
    }
    return this.issue(session.userId, session._id, secret, expiresAt, now);
  }

  async revoke(sessionId: string, userId: string, reason: SessionRevocationReason): Promise<boolean> {
    const result = await this.sessions.updateOne(
      { _id: sessionId, userId, revokedAt: null },
      { $set: { revokedAt: this.clock.now(), revokedReason: reason } },
    );
    return result.modifiedCount === 1;
  }

  /** Every live session of the user except `keepSessionId` (password change keeps the current one). */
  async revokeAllForUser(userId: string, reason: SessionRevocationReason, keepSessionId?: string): Promise<number> {
    const filter = keepSessionId ? { userId, revokedAt: null, _id: { $ne: keepSessionId } } : { userId, revokedAt: null };
    const result = await this.sessions.updateMany(filter, { $set: { revokedAt: this.clock.now(), revokedReason: reason } });
    return result.modifiedCount;
  }

  /** Moves a kept session to the user's new credentials generation (after a password change). */
  async rekey(sessionId: string, userId: string, credentialsVersion: number): Promise<void> {
    await this.sessions.updateOne({ _id: sessionId, userId, revokedAt: null }, { $set: { credentialsVersion } });
  }

  /** The gateway's question on every request: is this session alive, and who is it now? */
  async resolveSession(request: RpcRequest<'resolveSession'>): Promise<RpcResponse<'resolveSession'>> {
    const session = await this.sessions.findById(request.sessionId).lean<SessionDocument>();
    if (!session || session.userId !== request.userId) throw unauthenticated(INVALID_SESSION);
    const user = await this.users
      .findById(session.userId, { status: 1, credentialsVersion: 1, workspaceId: 1, workspaceRole: 1, staffRoles: 1 })
      .lean<UserDocument>();
    if (!user) throw unauthenticated(INVALID_SESSION);
    if (user.status === 'SUSPENDED') throw unauthenticated('Account suspended');
    if (user.status !== 'ACTIVE' || sessionRefusal(session, user.credentialsVersion, this.clock.now())) {
      throw unauthenticated(INVALID_SESSION);
    }
    const workspace = user.workspaceId
      ? await this.workspaces.findById(user.workspaceId, { status: 1 }).lean<WorkspaceDocument>()
      : null;
    const membership = effectiveMembership(user, workspace);
    return {
      userId: user._id,
      sessionId: session._id,
      workspaceId: membership?.workspaceId ?? null,
      workspaceRole: membership?.role ?? null,
      staffRoles: [...user.staffRoles],
      scopes: scopesOfRole(membership?.role ?? null),
    };
  }

  private async revokeReused(session: SessionDocument): Promise<void> {
    const revoked = await this.revoke(session._id, session.userId, 'REFRESH_TOKEN_REUSE');
    if (revoked) this.logger.warn({ sessionId: session._id, userId: session.userId }, 'refresh token reused: session revoked');
  }

  private async issue(userId: string, sessionId: string, secret: string, refreshTokenExpiresAt: Date, now: Date): Promise<IssuedSession> {
    const access = await signAccessToken({ userId, sessionId }, this.settings.accessTokenSecret, now);
    return {
      userId,
      sessionId,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: formatRefreshToken(sessionId, secret),
      refreshTokenExpiresAt,
    };
  }
}
