import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { ConsentService } from './consent.service';
import { ConsentType, RecordConsentInput, WithdrawConsentInput } from './consent.types';

/**
 * Consent records (PRV-06), public: anonymous visitors by visitor id, signed-in users for themselves.
 * The gateway does not forward request headers to subgraphs, so the browser's `Sec-GPC: 1` reaches
 * us as the `globalPrivacyControl` argument, which the web client sets from that signal.
 */
@Resolver(() => ConsentType)
export class ConsentResolver {
  constructor(private readonly consentService: ConsentService) {}

  @Query(() => ConsentType, { description: 'Current consent by visitor id, or of the signed-in user (PRV-06)' })
  async consent(
    @Ctx() context: RequestContext,
    @Arg('visitorId', () => String, { nullable: true }) visitorId: string | null,
    @Arg('globalPrivacyControl', () => Boolean, { nullable: true, description: 'The browser sent Sec-GPC: 1' }) globalPrivacyControl: boolean | null,
  ): Promise<ConsentType> {
    return ConsentType.from(await this.consentService.current(context.caller, { visitorId }, globalPrivacyControl ?? false));
  }

  @Mutation(() => ConsentType, { description: 'Records a consent choice (PRV-06); publishes ConsentChanged' })
  async recordConsent(
    @Ctx() context: RequestContext,
    @Arg('input', () => RecordConsentInput) input: RecordConsentInput,
    @Arg('globalPrivacyControl', () => Boolean, { nullable: true, description: 'The browser sent Sec-GPC: 1' }) globalPrivacyControl: boolean | null,
  ): Promise<ConsentType> {
    return ConsentType.from(await this.consentService.record(context.caller, { ...input }, globalPrivacyControl ?? false));
  }

  @Mutation(() => ConsentType, { description: 'Withdraws consent in one call (PRV-06); publishes ConsentChanged' })
  async withdrawConsent(@Ctx() context: RequestContext, @Arg('input', () => WithdrawConsentInput) input: WithdrawConsentInput): Promise<ConsentType> {
    return ConsentType.from(await this.consentService.withdraw(context.caller, { ...input }));
  }
}
