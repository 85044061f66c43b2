import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RpcResponse } from '@leadgraph/events';
import { notFound, parseInput, unauthenticated, type ApiScope, type Clock, type Logger } from '@leadgraph/platform';
import type { ActivityLog } from '../activity/activity.service';
import type { UserDocument, UserModel } from '../users/user.model';
import { assertMember, effectiveMembership } from '../workspaces/workspace.rules';
import type { WorkspaceService } from '../workspaces/workspace.service';
import type { ApiTokenDocument, ApiTokenModel } from './api-token.model';
import {
  API_TOKEN_SECRET_PREFIX,
  DISPLAY_PREFIX_LENGTH,
  apiTokenSecretHash,
  assertCanRevoke,
  assertScopesWithinRole,
  createApiTokenInputSchema,
  effectiveScopes,
  isTokenUsable,
  shouldRecordUse,
} from './api-token.rules';

const SECRET_BYTES = 32;

export interface CreatedApiToken {
  /** The only time the secret leaves the service. */
  secret: string;
  token: ApiTokenDocument;
}

/** Partner API tokens (ACC-08). */
export class ApiTokenService {
  constructor(
    private readonly tokens: ApiTokenModel,
    private readonly users: UserModel,
    private readonly workspaces: WorkspaceService,
    private readonly activity: ActivityLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async create(userId: string, input: { name: string; scopes: string[]; expiresAt?: Date | null }): Promise<CreatedApiToken> {
    const now = this.clock.now();
    const { name, scopes, expiresAt } = parseInput(createApiTokenInputSchema(now), input);
    const { membership } = await this.workspaces.activeMembershipState(userId);
    // Tokens are bound to one workspace, so only members can create them.
    const { workspaceId, role } = assertMember(membership);
    assertScopesWithinRole(scopes, role);
    const secret = `${API_TOKEN_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const created = await this.tokens.create({
      _id: randomUUID(),
      workspaceId,
      createdByUserId: userId,
      name,
      scopes,
      secretHash: apiTokenSecretHash(secret),
      prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
      revokedByUserId: null,
    });
    await this.activity.record({
      workspaceId,
      actorUserId: userId,
      action: 'API_TOKEN_CREATED',
      targetType: 'API_TOKEN',
      targetId: created._id,
      details: { name, scopes: scopes.join(' ') },
      at: now,
    });
    return { secret, token: created.toObject<ApiTokenDocument>() };
  }

  /** Own tokens; administrators also see every token of their workspace. No secrets, ever. */
  async list(userId: string): Promise<ApiTokenDocument[]> {
    const { membership } = await this.workspaces.activeMembershipState(userId);
    const filter =
      membership?.role === 'ADMIN'
        ? { $or: [{ createdByUserId: userId }, { workspaceId: membership.workspaceId }] }
        : { createdByUserId: userId };
    return this.tokens.find(filter).select({ secretHash: 0 }).sort({ createdAt: -1, _id: -1 }).limit(500).lean<ApiTokenDocument[]>();
  }

  async revoke(userId: string, input: { id: string }): Promise<ApiTokenDocument> {
    const { id } = parseInput(z.object({ id: z.string().trim().min(1, 'is required') }), input);
    const { membership } = await this.workspaces.activeMembershipState(userId);
    const token = await this.tokens.findById(id).lean<ApiTokenDocument>();
    if (!token) throw notFound('No such API token');
    assertCanRevoke(token, { userId, workspaceId: membership?.workspaceId ?? null, role: membership?.role ?? null });
    if (token.revokedAt) return token;
    const now = this.clock.now();
    const revoked = await this.tokens
      .findOneAndUpdate({ _id: id, revokedAt: null }, { $set: { revokedAt: now, revokedByUserId: userId } }, { new: true })
      .lean<ApiTokenDocument>();
    if (!revoked) return (await this.tokens.findById(id).lean<ApiTokenDocument>()) ?? token;
    await this.activity.record({
      workspaceId: token.workspaceId,
      actorUserId: userId,
      action: 'API_TOKEN_REVOKED',
      targetType: 'API_TOKEN',
      targetId: id,
      details: { name: token.name },
      at: now,
    });
    return revoked;
  }

  /** Account deletion (ACC-06): every token the user created stops working. Idempotent. */
  async revokeAllCreatedBy(userId: string, at: Date): Promise<void> {
    await this.tokens.updateMany({ createdByUserId: userId, revokedAt: null }, { $set: { revokedAt: at } });
  }

  /** Workspace deletion: tokens bound to it stop working. Idempotent. */
  async revokeAllInWorkspace(workspaceId: string, at: Date): Promise<void> {
    await this.tokens.updateMany({ workspaceId, revokedAt: null }, { $set: { revokedAt: at } });
  }

  /**
   * The gateway's question for every partner request. Valid only when the token is live and its
   * creator is still an ACTIVE member of the token's (ACTIVE) workspace; scopes are cut down to
   * what the creator's current role allows (ACC-08). Any failure gets the same answer.
   */
  async resolve(secret: string): Promise<RpcResponse<'resolveApiToken'>> {
    const now = this.clock.now();
    const token = await this.tokens.findOne({ secretHash: apiTokenSecretHash(secret) }).lean<ApiTokenDocument>();
    if (!token || !isTokenUsable(token, now)) throw invalidApiToken();
    const creator = await this.users.findById(token.createdByUserId).lean<UserDocument>();
    if (!creator || creator.status !== 'ACTIVE') throw invalidApiToken();
    const workspace = creator.workspaceId === token.workspaceId ? await this.workspaces.findActive(token.workspaceId) : null;
    const membership = effectiveMembership(creator, workspace);
    if (!membership) throw invalidApiToken();
    const scopes: ApiScope[] = effectiveScopes(token.scopes, membership.role);
    if (shouldRecordUse(token, now)) {
      // Guarded so concurrent uses within the interval write once.
      await this.tokens.updateOne(
        { _id: token._id, lastUsedAt: token.lastUsedAt },
        { $set: { lastUsedAt: now } },
      );
    }
    this.logger.debug({ tokenId: token._id }, 'api token resolved');
    return { tokenId: token._id, userId: creator._id, workspaceId: token.workspaceId, scopes };
  }
}

function invalidApiToken() {
  return unauthenticated('Invalid API token');
}
