import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PageInfoType, type RequestContext } from '@leadgraph/platform';
import type { CrmWebhookService } from './crm-webhook.service';
import { CrmDeliveryConnectionType, CrmDeliveryType, CrmWebhookType, PushContactsToCrmInput } from './crm-webhook.types';

@Resolver()
export class CrmWebhookResolver {
  constructor(private readonly crm: CrmWebhookService) {}

  @Query(() => CrmWebhookType, { nullable: true, description: "The workspace's CRM webhook (admins); the secret is never shown again" })
  async crmWebhook(@Ctx() context: RequestContext): Promise<CrmWebhookType | null> {
    const webhook = await this.crm.get(context.caller);
    return webhook ? CrmWebhookType.from({ webhook, revealedSecret: null }) : null;
  }

  @Mutation(() => CrmWebhookType, { description: 'Set the CRM webhook URL (workspace admins); the first time, the signing secret is generated and returned once (CON-06)' })
  async configureCrmWebhook(@Arg('url', () => String) url: string, @Ctx() context: RequestContext): Promise<CrmWebhookType> {
    return CrmWebhookType.from(await this.crm.configure(context.caller, url));
  }

  @Mutation(() => CrmWebhookType, { description: 'Replace the signing secret (workspace admins); the new one is returned once' })
  async rotateCrmWebhookSecret(@Ctx() context: RequestContext): Promise<CrmWebhookType> {
    return CrmWebhookType.from(await this.crm.rotateSecret(context.caller));
  }

  @Mutation(() => CrmDeliveryType, { description: 'Push contacts or a list to the CRM webhook: one export credit per contact (CON-06); partner tokens need contacts:export' })
  async pushContactsToCrm(@Arg('input', () => PushContactsToCrmInput) input: PushContactsToCrmInput, @Ctx() context: RequestContext): Promise<CrmDeliveryType> {
    const result = await this.crm.push(context.caller, { ...input });
    return CrmDeliveryType.from(result.delivery, result.attempts);
  }

  @Mutation(() => CrmDeliveryType, { description: 'Send a delivery again with a fresh signature; never charged again' })
  async replayCrmDelivery(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<CrmDeliveryType> {
    const result = await this.crm.replay(context.caller, id);
    return CrmDeliveryType.from(result.delivery, result.attempts);
  }

  @Query(() => CrmDeliveryConnectionType, { description: 'CRM deliveries of the workspace, newest first, with each attempt' })
  async crmDeliveries(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<CrmDeliveryConnectionType> {
    const page = await this.crm.page(context.caller, first, after);
    return Object.assign(new CrmDeliveryConnectionType(), {
      entries: page.items.map((item) => CrmDeliveryType.from(item.delivery, item.attempts)),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
