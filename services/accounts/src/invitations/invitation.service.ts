import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import {
  DomainError,
  conflict,
  normaliseEmail,
  notFound,
  parseInput,
  type Clock,
  type Logger,
  type Mailer,
  type WorkspaceRole,
} from '@leadgraph/platform';
import type { ActivityLog } from '../activity/activity.service';
import type { UserModel } from '../users/user.model';
import type { WorkspaceDocument } from '../workspaces/workspace.model';
import { assertAdmin, assertFreeSeat } from '../workspaces/workspace.rules';
import type { WorkspaceService } from '../workspaces/workspace.service';
import type { InvitationDocument, InvitationModel } from './invitation.model';
import {
  INVITATION_TTL_MS,
  acceptanceDecision,
  invalidInvitation,
  invitationTokenHash,
  invitationTokenInputSchema,
  inviteMemberInputSchema,
} from './invitation.rules';

const TOKEN_ISSUER = 'leadgraph-accounts';
const TOKEN_AUDIENCE = 'leadgraph-invitation';

export interface InvitationSettings {
  /** HS256 key of invitation links. */
  tokenSecret: string;
  /** Web app base URL the mailed link points to. */
  appUrl: string;
}

/** Invitations by e-mail to join a workspace (ACC-05). */
export class InvitationService {
  private readonly key: Uint8Array;

  constructor(
    private readonly invitations: InvitationModel,
    private readonly users: UserModel,
    private readonly workspaces: WorkspaceService,
    private readonly activity: ActivityLog,
    private readonly mailer: Pick<Mailer, 'send'>,
    private readonly settings: InvitationSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.key = new TextEncoder().encode(settings.tokenSecret);
  }

  async invite(actorUserId: string, input: { email: string; role: WorkspaceRole }): Promise<InvitationDocument> {
    const { email, role } = parseInput(inviteMemberInputSchema, input);
    const { user: actor, workspace, membership } = await this.workspaces.activeMembershipState(actorUserId);
    const { workspaceId } = assertAdmin(membership);
    if (!workspace) throw notFound('Workspace not found');
    if (await this.users.exists({ email, workspaceId, status: { $ne: 'DELETED' } })) {
      throw conflict('email: this person is already a member of your workspace', 'email');
    }
    const members = (await this.workspaces.membersOf([workspaceId])).get(workspaceId) ?? [];
    assertFreeSeat({ seatLimit: workspace.seatLimit, memberCount: members.length });

    const now = this.clock.now();
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
    const token = await new SignJWT({ ws: workspaceId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(id)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
    const invitation = await this.invitations.create({
      _id: id,
      workspaceId,
      email,
      role,
      tokenHash: invitationTokenHash(token),
      status: 'PENDING',
      invitedByUserId: actorUserId,
      createdAt: now,
      expiresAt,
      acceptedByUserId: null,
      acceptedAt: null,
      revokedByUserId: null,
      revokedAt: null,
    });
    const link = new URL('/invitations/accept', this.settings.appUrl);
    link.searchParams.set('token', token);
    try {
      await this.mailer.send({
        to: email,
        subject: `You are invited to join ${workspace.name ?? 'a workspace'} on leadgraph`,
        text: [
          `${actor.displayName ?? 'A colleague'} invites you to join the workspace "${workspace.name ?? ''}" on leadgraph as ${role.toLowerCase()}.`,
          '',
          `Accept the invitation: ${link.toString()}`,
          '',
          `This link expires on ${expiresAt.toISOString()}. If you were not expecting it, ignore this message.`,
        ].join('\n'),
      });
    } catch (error) {
      // Never sent, so never usable: remove it rather than leave a dead pending invitation.
      await this.invitations.deleteOne({ _id: id });
      throw error;
    }
    // Re-inviting an address replaces its older links: only the newest one works.
    await this.invitations.updateMany(
      { workspaceId, email, status: 'PENDING', _id: { $ne: id } },
      { $set: { status: 'REVOKED', revokedAt: now, revokedByUserId: actorUserId } },
    );
    await this.activity.record({
      workspaceId,
      actorUserId,
      action: 'MEMBER_INVITED',
      targetType: 'INVITATION',
      targetId: id,
      // The address stays in the invitation, not in the append-only log (it outlives accounts).
      details: { role },
      at: now,
    });
    return invitation.toObject<InvitationDocument>();
  }

  /** Pending (not expired) invitations of a workspace, newest first: administrators only. */
  async pendingInvitations(actorUserId: string, workspaceId: string): Promise<InvitationDocument[]> {
    await this.workspaces.requireAdminOf(actorUserId, workspaceId);
    return this.invitations
      .find({ workspaceId, status: 'PENDING', expiresAt: { $gt: this.clock.now() } })
      .sort({ createdAt: -1, _id: -1 })
      .limit(500)
      .lean<InvitationDocument[]>();
  }

  async revoke(actorUserId: string, input: { id: string }): Promise<InvitationDocument> {
    const { id } = parseInput(z.object({ id: z.string().trim().min(1, 'is required') }), input);
    const { membership } = await this.workspaces.activeMembershipState(actorUserId);
    const { workspaceId } = assertAdmin(membership);
    const now = this.clock.now();
    const revoked = await this.invitations
      .findOneAndUpdate(
        { _id: id, workspaceId, status: 'PENDING' },
        { $set: { status: 'REVOKED', revokedAt: now, revokedByUserId: actorUserId } },
        { new: true },
      )
      .lean<InvitationDocument>();
    if (!revoked) throw notFound('No pending invitation with this id in your workspace');
    await this.activity.record({
      workspaceId,
      actorUserId,
      action: 'INVITATION_REVOKED',
      targetType: 'INVITATION',
      targetId: id,
      at: now,
    });
    return revoked;
  }

  /**
   * The signed-in user accepts the invitation addressed to their e-mail. The invitation is claimed
   * first (used once), then the user joins; a refused join (seats, other workspace) releases it.
   */
  async accept(userId: string, input: { token: string }): Promise<WorkspaceDocument> {
    const { token } = parseInput(invitationTokenInputSchema, input);
    const invitationId = await this.verifiedInvitationId(token);
    if (!invitationId) throw invalidInvitation();
    const invitation = await this.invitations
      .findOne({ _id: invitationId, tokenHash: invitationTokenHash(token) })
      .lean<InvitationDocument>();
    if (!invitation) throw invalidInvitation();
    const { user } = await this.workspaces.activeMembershipState(userId);
    const now = this.clock.now();
    const decision = acceptanceDecision(invitation, { id: userId, email: user.email }, now);
    if (decision === 'REFUSE') throw invalidInvitation();
    if (decision === 'ACCEPT') {
      const claimed = await this.invitations.findOneAndUpdate(
        { _id: invitation._id, status: 'PENDING', expiresAt: { $gt: now } },
        { $set: { status: 'ACCEPTED', acceptedByUserId: userId, acceptedAt: null } },
      );
      if (!claimed) throw invalidInvitation();
    }
    try {
      await this.workspaces.join(userId, invitation.workspaceId, invitation.role, { invitationId: invitation._id });
    } catch (error) {
      if (error instanceof DomainError) {
        await this.invitations.updateOne(
          { _id: invitation._id, status: 'ACCEPTED', acceptedByUserId: userId, acceptedAt: null },
          { $set: { status: 'PENDING', acceptedByUserId: null } },
        );
      }
      throw error;
    }
    await this.invitations.updateOne({ _id: invitation._id, acceptedByUserId: userId }, { $set: { acceptedAt: now } });
    const workspace = await this.workspaces.findActive(invitation.workspaceId);
    if (!workspace) throw invalidInvitation();
    return workspace;
  }

  /**
   * Account deletion (ACC-06): invitations addressed to the deleted person's e-mail are removed,
   * so the address survives nowhere. Idempotent.
   */
  async forgetInvitee(email: string): Promise<void> {
    await this.invitations.deleteMany({ email: normaliseEmail(email) });
  }

  /** Follow-up of a workspace deletion: its pending links stop working. Idempotent. */
  async revokeAllOf(workspaceId: string, at: Date): Promise<void> {
    await this.invitations.updateMany(
      { workspaceId, status: 'PENDING' },
      { $set: { status: 'REVOKED', revokedAt: at, revokedByUserId: null } },
    );
  }

  private async verifiedInvitationId(token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch (error) {
      this.logger.debug({ err: error }, 'invitation token refused');
      return null;
    }
  }
}
