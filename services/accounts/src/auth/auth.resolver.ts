import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import { SessionType } from '../sessions/session.types';
import type { AuthService } from './auth.service';
import { ChangePasswordInputType, LoginInputType, SignUpInputType, SignUpResultType, VerifyEmailInputType } from './auth.types';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => SignUpResultType, { description: 'Starts a sign-up: a one-time code is mailed to the address (ACC-01)' })
  async signUp(@Arg('input', () => SignUpInputType) input: SignUpInputType, @Ctx() context: RequestContext): Promise<SignUpResultType> {
    await this.auth.signUp({ ...input }, context.clientIp);
    return SignUpResultType.accepted();
  }

  @Mutation(() => SignUpResultType, { description: 'Mails a new code to an address awaiting verification' })
  async resendVerificationCode(@Arg('email', () => String) email: string, @Ctx() context: RequestContext): Promise<SignUpResultType> {
    await this.auth.resendVerificationCode(email, context.clientIp);
    return SignUpResultType.accepted();
  }

  @Mutation(() => SessionType, { description: 'Activates the account with the mailed code and signs the user in' })
  async verifyEmail(@Arg('input', () => VerifyEmailInputType) input: VerifyEmailInputType, @Ctx() context: RequestContext): Promise<SessionType> {
    return SessionType.from(await this.auth.verifyEmail({ ...input }, context.clientIp));
  }

  @Mutation(() => SessionType)
  async login(@Arg('input', () => LoginInputType) input: LoginInputType, @Ctx() context: RequestContext): Promise<SessionType> {
    return SessionType.from(await this.auth.login({ ...input }, context.clientIp));
  }

  @Mutation(() => Boolean, { description: 'Needs the current password; ends every other session (ACC-03)' })
  async changePassword(
    @Arg('input', () => ChangePasswordInputType) input: ChangePasswordInputType,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    await this.auth.changePassword(requireUser(context.caller), { ...input }, context.clientIp);
    return true;
  }
}
