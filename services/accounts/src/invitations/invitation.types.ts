import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { WorkspaceRoleGql } from '../users/user.types';
import type { InvitationDocument } from './invitation.model';
import { invitationStatus, type InvitationStatus } from './invitation.rules';

export enum InvitationStatusGql {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InvitationStatusGql, { name: 'InvitationStatus' });

@ObjectType('Invitation')
export class InvitationType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  workspaceId!: string;

  @Field(() => String)
  email!: string;

  @Field(() => WorkspaceRoleGql)
  role!: WorkspaceRoleGql;

  @Field(() => InvitationStatusGql)
  status!: InvitationStatus;

  @Field(() => ID)
  invitedByUserId!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  expiresAt!: Date;

  static from(invitation: InvitationDocument, now: Date): InvitationType {
    return Object.assign(new InvitationType(), {
      id: invitation._id,
      workspaceId: invitation.workspaceId,
      email: invitation.email,
      role: invitation.role as WorkspaceRoleGql,
      status: invitationStatus(invitation, now),
      invitedByUserId: invitation.invitedByUserId,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
    });
  }
}

@InputType()
export class InviteMemberInput {
  @Field(() => String)
  email!: string;

  @Field(() => WorkspaceRoleGql)
  role!: WorkspaceRoleGql;
}

@InputType()
export class RevokeInvitationInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class AcceptInvitationInput {
  @Field(() => String, { description: 'The token from the invitation link' })
  token!: string;
}
