import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import type { ApiTokenService } from './api-token.service';
import { ApiTokenType, CreateApiTokenInput, CreatedApiTokenType, RevokeApiTokenInput } from './api-token.types';

/** Token management needs a signed-in user: a partner token cannot mint or revoke tokens. */
@Resolver(() => ApiTokenType)
export class ApiTokenResolver {
  constructor(private readonly tokenService: ApiTokenService) {}

  @Mutation(() => CreatedApiTokenType, { description: 'Scopes must be within what your role allows (ACC-08)' })
  async createApiToken(@Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput, @Ctx() context: RequestContext): Promise<CreatedApiTokenType> {
    const caller = requireUser(context.caller);
    const created = await this.tokenService.create(caller.userId, { name: input.name, scopes: input.scopes, expiresAt: input.expiresAt ?? null });
    return CreatedApiTokenType.from(created);
  }

  @Query(() => [ApiTokenType], { description: 'Your tokens; administrators see all of their workspace\'s' })
  async apiTokens(@Ctx() context: RequestContext): Promise<ApiTokenType[]> {
    const caller = requireUser(context.caller);
    return (await this.tokenService.list(caller.userId)).map((token) => ApiTokenType.from(token));
  }

  @Mutation(() => ApiTokenType, { description: 'The creator or a workspace administrator' })
  async revokeApiToken(@Arg('input', () => RevokeApiTokenInput) input: RevokeApiTokenInput, @Ctx() context: RequestContext): Promise<ApiTokenType> {
    const caller = requireUser(context.caller);
    return ApiTokenType.from(await this.tokenService.revoke(caller.userId, { id: input.id }));
  }
}
