import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export const referralStatuses = ['PENDING', 'REWARDED', 'EXPIRED'] as const;
export type ReferralStatus = (typeof referralStatuses)[number];

/**
 * A user's invitation of someone by name and e-mail. Unanswered for 3 months, it is purged to a
 * tombstone holding only the keyed hash of the address (so the referrer never mails it twice).
 */
export interface ReferralInvitationDocument extends WithOutbox {
  _id: string;
  referrerUserId: string;
  /** Null once purged. */
  inviteeName: string | null;
  /** Lower-cased; null once purged. */
  inviteeEmail: string | null;
  /** Keyed hash (identifierHash EMAIL) of the address: matches opt-outs and sign-ups. */
  inviteeEmailHash: string;
  keyVersion: number;
  status: ReferralStatus;
  createdAt: Date;
  /** Purge date when unanswered; checked on read too. */
  expiresAt: Date;
  /** Absent until rewarded: unique, so one invitee earns one reward. */
  inviteeUserId?: string;
  rewardedAt: Date | null;
  purgedAt: Date | null;
}

const referralInvitationSchema = new Schema<ReferralInvitationDocument>(
  {
    _id: { type: String, required: true },
    referrerUserId: { type: String, required: true },
    inviteeName: { type: String, default: null },
    inviteeEmail: { type: String, default: null },
    inviteeEmailHash: { type: String, required: true },
    keyVersion: { type: Number, required: true },
    status: { type: String, enum: referralStatuses, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    inviteeUserId: { type: String },
    rewardedAt: { type: Date, default: null },
    purgedAt: { type: Date, default: null },
    ...outboxSchemaFields,
  },
  { collection: 'referral_invitations', versionKey: false },
);
// One invitation per referrer and address, ever (tombstones keep the hash).
referralInvitationSchema.index({ referrerUserId: 1, inviteeEmailHash: 1 }, { unique: true });
referralInvitationSchema.index({ inviteeEmailHash: 1, status: 1 });
referralInvitationSchema.index({ status: 1, expiresAt: 1 });
referralInvitationSchema.index({ inviteeUserId: 1 }, { unique: true, sparse: true });
addOutboxIndex(referralInvitationSchema);

export type ReferralInvitationModel = Model<ReferralInvitationDocument>;

export function referralInvitationModel(connection: Connection): ReferralInvitationModel {
  return (
    (connection.models.ReferralInvitation as ReferralInvitationModel | undefined) ??
    connection.model<ReferralInvitationDocument>('ReferralInvitation', referralInvitationSchema)
  );
}

/**
 * Keyed hashes of addresses never to invite: opt-outs (ContactOptedOut) and PRV-02 objections for
 * good; PRV-02 restrictions of people without an account only until their request is lifted.
 */
export interface ReferralOptOutDocument {
  _id: string;
  keyVersion: number;
  optedOutAt: Date;
  /** True while only restrictions keep the address here (no opt-out): lifting the last one removes it. */
  restrictionOnly?: boolean;
  /** The RESTRICTION requests that put the address here. */
  restrictedBy?: string[];
}

const referralOptOutSchema = new Schema<ReferralOptOutDocument>(
  {
    _id: { type: String, required: true },
    keyVersion: Number,
    optedOutAt: Date,
    restrictionOnly: { type: Boolean, default: undefined },
    restrictedBy: { type: [String], default: undefined },
  },
  { collection: 'referral_opt_outs', versionKey: false },
);
referralOptOutSchema.index({ restrictedBy: 1 }, { sparse: true });

export type ReferralOptOutModel = Model<ReferralOptOutDocument>;

export function referralOptOutModel(connection: Connection): ReferralOptOutModel {
  return (
    (connection.models.ReferralOptOut as ReferralOptOutModel | undefined) ??
    connection.model<ReferralOptOutDocument>('ReferralOptOut', referralOptOutSchema)
  );
}
