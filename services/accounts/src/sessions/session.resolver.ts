import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import { SessionType } from './session.types';
import type { SessionService } from './session.service';

@Resolver()
export class SessionResolver {
  constructor(private readonly sessions: SessionService) {}

  @Mutation(() => SessionType, { description: 'Exchanges a refresh token for new tokens (rotation)' })
  async refreshSession(@Arg('refreshToken', () => String) refreshToken: string): Promise<SessionType> {
    return SessionType.from(await this.sessions.refresh(refreshToken));
  }

  @Mutation(() => Boolean, { description: 'Ends the current session' })
  async logout(@Ctx() context: RequestContext): Promise<boolean> {
    const caller = requireUser(context.caller);
    await this.sessions.revoke(caller.sessionId, caller.userId, 'LOGOUT');
    return true;
  }
}
