import { Schema, type Connection, type Model } from 'mongoose';
import { apiScopes, type ApiScope } from '@leadgraph/platform';

/**
 * A partner API token (ACC-08): bound to one workspace and its creator, with explicit scopes.
 * The secret is shown once; only its SHA-256 is kept (a 256-bit random secret needs no slow hash).
 */
export interface ApiTokenDocument {
  _id: string;
  workspaceId: string;
  createdByUserId: string;
  name: string;
  scopes: ApiScope[];
  secretHash: string;
  /** First characters of the secret, so people can tell their tokens apart. */
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedByUserId: string | null;
}

const apiTokenSchema = new Schema<ApiTokenDocument>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    createdByUserId: { type: String, required: true },
    name: { type: String, required: true },
    scopes: { type: [{ type: String, enum: apiScopes }], default: [] },
    secretHash: { type: String, required: true },
    prefix: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    revokedByUserId: { type: String, default: null },
  },
  { collection: 'api_tokens', versionKey: false },
);
apiTokenSchema.index({ secretHash: 1 }, { unique: true });
apiTokenSchema.index({ workspaceId: 1, createdAt: -1 });
apiTokenSchema.index({ createdByUserId: 1 });

export type ApiTokenModel = Model<ApiTokenDocument>;

export function apiTokenModel(connection: Connection): ApiTokenModel {
  return (connection.models.ApiToken as ApiTokenModel | undefined) ?? connection.model<ApiTokenDocument>('ApiToken', apiTokenSchema);
}
