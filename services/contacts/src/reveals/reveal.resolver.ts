import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { ContactType } from '../contacts/contact.types';
import type { ContactService } from '../contacts/contact.service';
import type { RevealedDetails } from './reveal.rules';
import type { RevealService } from './reveal.service';
import { RevealContactPayloadType, RevealFieldGql, RevealedDetailsType } from './reveal.types';

@Resolver(() => ContactType)
export class RevealResolver {
  /** One batched read per request for `Contact.revealed` over a page of results. */
  private readonly loaders = new WeakMap<RequestContext, DataLoader<string, RevealedDetails | null>>();

  constructor(
    private readonly revealService: RevealService,
    private readonly contactService: ContactService,
  ) {}

  @Mutation(() => RevealContactPayloadType, { description: 'Reveal field types of a contact: one credit per type, once per workspace (CON-03/04)' })
  async revealContact(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('fields', () => [RevealFieldGql]) fields: RevealFieldGql[],
    @Arg('idempotencyKey', () => String) idempotencyKey: string,
    @Ctx() context: RequestContext,
  ): Promise<RevealContactPayloadType> {
    const result = await this.revealService.reveal(context.caller, { contactId, fields, idempotencyKey });
    const profile = await this.contactService.findMasked(context.caller, contactId);
    return RevealContactPayloadType.from(result, profile ? ContactType.from(profile) : null);
  }

  @FieldResolver(() => RevealedDetailsType, { description: "What the caller's workspace has revealed of this contact" })
  async revealed(@Root() contact: ContactType, @Ctx() context: RequestContext): Promise<RevealedDetailsType> {
    const details = await this.loaderFor(context).load(contact.id);
    return RevealedDetailsType.from(details ?? { fields: [], professionalEmails: [], directEmails: [], phones: [] });
  }

  private loaderFor(context: RequestContext): DataLoader<string, RevealedDetails | null> {
    let loader = this.loaders.get(context);
    if (!loader) {
      loader = new DataLoader(async (ids: readonly string[]) => {
        const found = await this.revealService.revealedForIds(context.caller, [...ids]);
        return ids.map((id) => found.get(id) ?? null);
      });
      this.loaders.set(context, loader);
    }
    return loader;
  }
}
