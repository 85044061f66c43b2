import { Schema, type Connection, type Model } from 'mongoose';

export const sessionRevocationReasons = [
  'LOGOUT',
  'REFRESH_TOKEN_REUSE',
  'PASSWORD_CHANGED',
  'ACCOUNT_SUSPENDED',
  'ACCOUNT_DELETED',
] as const;
export type SessionRevocationReason = (typeof sessionRevocationReasons)[number];

/**
 * One login: the family of refresh tokens that descend from it by rotation. Only hashes of refresh
 * tokens are stored; a retired token presented again means it leaked, and the family is revoked.
 */
export interface SessionDocument {
  _id: string;
  userId: string;
  refreshTokenHash: string;
  /** Hashes of rotated-out refresh tokens (bounded), to recognise reuse. */
  retiredRefreshTokenHashes: string[];
  /** The user's credentialsVersion when the session was opened or last re-keyed. */
  credentialsVersion: number;
  createdAt: Date;
  lastRefreshedAt: Date;
  /** Sliding: moved forward on each refresh. Checked on read (TTL indexes never fire here). */
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: SessionRevocationReason | null;
  clientIp: string | null;
}

const sessionSchema = new Schema<SessionDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    refreshTokenHash: { type: String, required: true },
    retiredRefreshTokenHashes: { type: [String], default: [] },
    credentialsVersion: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    lastRefreshedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String, enum: [...sessionRevocationReasons, null], default: null },
    clientIp: { type: String, default: null },
  },
  { collection: 'sessions', versionKey: false },
);
sessionSchema.index({ userId: 1, revokedAt: 1 });

export type SessionModel = Model<SessionDocument>;

export function sessionModel(connection: Connection): SessionModel {
  return (connection.models.Session as SessionModel | undefined) ?? connection.model<SessionDocument>('Session', sessionSchema);
}
