import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PageInfoType, type RequestContext } from '@leadgraph/platform';
import { ContactType } from '../contacts/contact.types';
import type { ContactService } from '../contacts/contact.service';
import type { AddressBookEntryDocument } from './address-book.model';
import { entryStatus } from './address-book.rules';
import type { AddressBookService } from './address-book.service';
import {
  AddressBookActivityConnectionType,
  AddressBookActivityType,
  AddressBookConnectionType,
  AddressBookEntryType,
  ContactListType,
  ContactNoteType,
} from './address-book.types';

@Resolver()
export class AddressBookResolver {
  constructor(
    private readonly book: AddressBookService,
    private readonly contactService: ContactService,
  ) {}

  private async view(entry: AddressBookEntryDocument, context: RequestContext): Promise<AddressBookEntryType> {
    const profile = entry.optedOutAt ? null : await this.contactService.findMasked(context.caller, entry.contactId);
    return AddressBookEntryType.of({
      contactId: entry.contactId,
      contact: profile ? ContactType.from(profile) : null,
      status: entryStatus(entry, profile !== null),
      listIds: entry.listIds,
      notes: entry.notes.map(ContactNoteType.from),
      savedByUserId: entry.savedBy,
      savedAt: entry.savedAt,
      optedOutAt: entry.optedOutAt,
    });
  }

  @Mutation(() => AddressBookEntryType, { description: 'Save a revealed contact to the workspace address book, optionally into lists (CON-05)' })
  async saveContact(
    @Arg('contactId', () => ID) contactId: string,
    @Arg('listIds', () => [ID], { nullable: true }) listIds: string[] | null,
    @Ctx() context: RequestContext,
  ): Promise<AddressBookEntryType> {
    return this.view(await this.book.save(context.caller, contactId, listIds ?? []), context);
  }

  @Mutation(() => Boolean)
  async removeSavedContact(@Arg('contactId', () => ID) contactId: string, @Ctx() context: RequestContext): Promise<boolean> {
    return this.book.remove(context.caller, contactId);
  }

  @Mutation(() => ContactListType)
  async createContactList(@Arg('name', () => String) name: string, @Ctx() context: RequestContext): Promise<ContactListType> {
    return ContactListType.from(await this.book.createList(context.caller, name));
  }

  @Mutation(() => Boolean)
  async deleteContactList(@Arg('listId', () => ID) listId: string, @Ctx() context: RequestContext): Promise<boolean> {
    return this.book.deleteList(context.caller, listId);
  }

  @Mutation(() => AddressBookEntryType)
  async addContactToList(@Arg('contactId', () => ID) contactId: string, @Arg('listId', () => ID) listId: string, @Ctx() context: RequestContext): Promise<AddressBookEntryType> {
    return this.view(await this.book.addToList(context.caller, contactId, listId), context);
  }

  @Mutation(() => AddressBookEntryType)
  async removeContactFromList(@Arg('contactId', () => ID) contactId: string, @Arg('listId', () => ID) listId: string, @Ctx() context: RequestContext): Promise<AddressBookEntryType> {
    return this.view(await this.book.removeFromList(context.caller, contactId, listId), context);
  }

  @Mutation(() => AddressBookEntryType)
  async addContactNote(@Arg('contactId', () => ID) contactId: string, @Arg('text', () => String) text: string, @Ctx() context: RequestContext): Promise<AddressBookEntryType> {
    return this.view(await this.book.addNote(context.caller, contactId, text), context);
  }

  @Query(() => [ContactListType], { description: "The workspace's contact lists" })
  async contactLists(@Ctx() context: RequestContext): Promise<ContactListType[]> {
    return (await this.book.allLists(context.caller)).map(ContactListType.from);
  }

  @Query(() => AddressBookConnectionType, { description: 'Saved contacts, newest first; one list with listId' })
  async addressBook(
    @Arg('listId', () => ID, { nullable: true }) listId: string | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<AddressBookConnectionType> {
    const page = await this.book.page(context.caller, { listId, first, after });
    return Object.assign(new AddressBookConnectionType(), {
      entries: await Promise.all(page.entries.map(({ entry }) => this.view(entry, context))),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }

  @Query(() => AddressBookActivityConnectionType, { description: "Who did what in the workspace's address book, newest first" })
  async addressBookActivity(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<AddressBookActivityConnectionType> {
    const page = await this.book.activityPage(context.caller, first, after);
    return Object.assign(new AddressBookActivityConnectionType(), {
      entries: page.items.map(({ entry }) => AddressBookActivityType.from(entry)),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
