import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { ContactConnectionType, ContactLookupInput, ContactSearchFilterInput, ContactSortGql, ContactType } from './contact.types';
import type { ContactService } from './contact.service';

@Resolver(() => ContactType)
export class ContactResolver {
  constructor(private readonly contactService: ContactService) {}

  @Query(() => ContactConnectionType, { description: 'Search the contact database; contact details stay masked until revealed (CON-02)' })
  async searchContacts(
    @Arg('filter', () => ContactSearchFilterInput) filter: ContactSearchFilterInput,
    @Arg('sort', () => ContactSortGql, { nullable: true }) sort: ContactSortGql | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<ContactConnectionType> {
    return ContactConnectionType.from(await this.contactService.search(context.caller, { filter: { ...filter }, sort, first, after }));
  }

  @Query(() => ContactType, { nullable: true, description: 'The contact behind a profile URL or an e-mail, masked until revealed' })
  async lookupContact(@Arg('input', () => ContactLookupInput) input: ContactLookupInput, @Ctx() context: RequestContext): Promise<ContactType | null> {
    const profile = await this.contactService.lookup(context.caller, { ...input });
    return profile ? ContactType.from(profile) : null;
  }

  @Query(() => ContactType, { nullable: true, description: 'One contact by id, masked until revealed' })
  async contact(@Arg('id', () => String) id: string, @Ctx() context: RequestContext): Promise<ContactType | null> {
    const profile = await this.contactService.byId(context.caller, id);
    return profile ? ContactType.from(profile) : null;
  }
}

/** Plain reference resolver: other subgraphs return `Contact { id }`. */
export function resolveContactReference(contactService: ContactService) {
  return async (reference: { id: string }, context: RequestContext): Promise<ContactType | null> => {
    const profile = await contactService.findMasked(context.caller, reference.id);
    return profile ? ContactType.from(profile) : null;
  };
}
