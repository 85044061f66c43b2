import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { ContactConnectionType, ContactSearchFilterInput, ContactType } from './contact.types';
import type { ContactService } from './contact.service';

@Resolver(() => ContactType)
export class ContactResolver {
  constructor(private readonly contactService: ContactService) {}

  @Query(() => ContactConnectionType, { description: 'Search the contact database; contact details stay masked until revealed' })
  async searchContacts(
    @Arg('filter', () => ContactSearchFilterInput) filter: ContactSearchFilterInput,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<ContactConnectionType> {
    return ContactConnectionType.from(await this.contactService.search(context.caller, { filter: { ...filter }, first, after }));
  }
}

/** Plain reference resolver: other subgraphs return `Contact { id }`. */
export function resolveContactReference(contactService: ContactService) {
  return async (reference: { id: string }, context: RequestContext): Promise<ContactType | null> => {
    const profile = await contactService.findMasked(context.caller, reference.id);
    return profile ? ContactType.from(profile) : null;
  };
}
