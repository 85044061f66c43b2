import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import { PreferencesType, UpdatePreferencesInput } from './preferences.types';
import type { PreferencesService } from './preferences.service';

@Resolver()
export class PreferencesResolver {
  constructor(private readonly preferences: PreferencesService) {}

  @Query(() => PreferencesType, { description: "The signed-in user's preferences" })
  async myPreferences(@Ctx() context: RequestContext): Promise<PreferencesType> {
    return PreferencesType.from(await this.preferences.get(requireUser(context.caller).userId));
  }

  @Mutation(() => PreferencesType)
  async updatePreferences(
    @Arg('input', () => UpdatePreferencesInput) input: UpdatePreferencesInput,
    @Ctx() context: RequestContext,
  ): Promise<PreferencesType> {
    return PreferencesType.from(await this.preferences.update(requireUser(context.caller).userId, { ...input }));
  }
}
