import { Field, ID, ObjectType } from 'type-graphql';
import type { IssuedSession } from './session.service';

/** Tokens of a signed-in session: a short-lived access token and an opaque, rotating refresh token. */
@ObjectType('Session')
export class SessionType {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  sessionId!: string;

  @Field(() => String, { description: 'Bearer token for the gateway (short-lived JWT)' })
  accessToken!: string;

  @Field(() => Date)
  accessTokenExpiresAt!: Date;

  @Field(() => String, { description: 'Single use: refreshSession returns a new one; reusing an old one ends the session' })
  refreshToken!: string;

  @Field(() => Date)
  refreshTokenExpiresAt!: Date;

  static from(session: IssuedSession): SessionType {
    return Object.assign(new SessionType(), session);
  }
}
