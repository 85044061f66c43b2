import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { ReferralInvitationDocument } from './referral.model';

export enum ReferralStatusGql {
  PENDING = 'PENDING',
  REWARDED = 'REWARDED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(ReferralStatusGql, { name: 'ReferralStatus', description: 'EXPIRED: unanswered for 3 months, its data deleted' });

@ObjectType('ReferralInvitation')
export class ReferralInvitationType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Null once the invitation data is deleted' })
  inviteeName!: string | null;

  @Field(() => String, { nullable: true, description: 'Null once the invitation data is deleted' })
  inviteeEmail!: string | null;

  @Field(() => ReferralStatusGql)
  status!: ReferralStatusGql;

  @Field(() => Date)
  invitedAt!: Date;

  @Field(() => Date, { nullable: true })
  rewardedAt!: Date | null;

  static from(invitation: ReferralInvitationDocument): ReferralInvitationType {
    return Object.assign(new ReferralInvitationType(), {
      id: invitation._id,
      inviteeName: invitation.inviteeName,
      inviteeEmail: invitation.inviteeEmail,
      status: invitation.status as ReferralStatusGql,
      invitedAt: invitation.createdAt,
      rewardedAt: invitation.rewardedAt,
    });
  }
}

@InputType('InviteReferralInput')
export class InviteReferralInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  email!: string;
}
