import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ApiScope } from '@leadgraph/platform';
import type { ApiTokenDocument } from './api-token.model';
import type { CreatedApiToken } from './api-token.service';

/** A partner API token as listed: never its secret (ACC-08). */
@ObjectType('ApiToken')
export class ApiTokenType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'e.g. contacts:read, contacts:reveal, contacts:export, billing:read, analytics:read' })
  scopes!: ApiScope[];

  @Field(() => String, { description: 'First characters of the secret, to tell tokens apart' })
  prefix!: string;

  @Field(() => ID)
  workspaceId!: string;

  @Field(() => ID)
  createdByUserId!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  static from(token: ApiTokenDocument): ApiTokenType {
    return Object.assign(new ApiTokenType(), {
      id: token._id,
      name: token.name,
      scopes: [...token.scopes],
      prefix: token.prefix,
      workspaceId: token.workspaceId,
      createdByUserId: token.createdByUserId,
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
      lastUsedAt: token.lastUsedAt,
      revokedAt: token.revokedAt,
    });
  }
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenType {
  @Field(() => String, { description: 'Shown this once only: store it now' })
  secret!: string;

  @Field(() => ApiTokenType)
  token!: ApiTokenType;

  static from(created: CreatedApiToken): CreatedApiTokenType {
    return Object.assign(new CreatedApiTokenType(), { secret: created.secret, token: ApiTokenType.from(created.token) });
  }
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;
}

@InputType()
export class RevokeApiTokenInput {
  @Field(() => ID)
  id!: string;
}
