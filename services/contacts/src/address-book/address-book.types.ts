import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import { ContactType } from '../contacts/contact.types';
import { addressBookActions, type AddressBookActivityDocument, type ContactListDocument, type ContactNote } from './address-book.model';
import type { AddressBookEntryStatus } from './address-book.rules';

export enum AddressBookEntryStatusGql {
  ACTIVE = 'ACTIVE',
  OPTED_OUT = 'OPTED_OUT',
  UNAVAILABLE = 'UNAVAILABLE',
}
registerEnumType(AddressBookEntryStatusGql, { name: 'AddressBookEntryStatus', description: 'OPTED_OUT: the person opted out and their data was deleted (CON-08)' });

export const AddressBookActionGql = Object.fromEntries(addressBookActions.map((action) => [action, action])) as Record<(typeof addressBookActions)[number], (typeof addressBookActions)[number]>;
registerEnumType(AddressBookActionGql, { name: 'AddressBookAction' });

@ObjectType('ContactList', { description: 'A list (group) of saved contacts shared by the workspace' })
export class ContactListType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID)
  createdByUserId!: string;

  @Field(() => Date)
  createdAt!: Date;

  static from(list: ContactListDocument): ContactListType {
    return Object.assign(new ContactListType(), { id: list.listId, name: list.name, createdByUserId: list.createdBy, createdAt: list.createdAt });
  }
}

@ObjectType('ContactNote')
export class ContactNoteType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  text!: string;

  @Field(() => ID)
  authorUserId!: string;

  @Field(() => Date)
  at!: Date;

  static from(note: ContactNote): ContactNoteType {
    return Object.assign(new ContactNoteType(), { id: note._id, text: note.text, authorUserId: note.authorUserId, at: note.at });
  }
}

@ObjectType('AddressBookEntry')
export class AddressBookEntryType {
  @Field(() => ID)
  contactId!: string;

  @Field(() => ContactType, { nullable: true, description: 'Null once the profile is gone (opted out, or past retention)' })
  contact!: ContactType | null;

  @Field(() => AddressBookEntryStatusGql)
  status!: AddressBookEntryStatusGql;

  @Field(() => [ID])
  listIds!: string[];

  @Field(() => [ContactNoteType])
  notes!: ContactNoteType[];

  @Field(() => ID)
  savedByUserId!: string;

  @Field(() => Date)
  savedAt!: Date;

  @Field(() => Date, { nullable: true })
  optedOutAt!: Date | null;

  static of(fields: Omit<AddressBookEntryType, 'status'> & { status: AddressBookEntryStatus }): AddressBookEntryType {
    return Object.assign(new AddressBookEntryType(), { ...fields, status: fields.status as AddressBookEntryStatusGql });
  }
}

@ObjectType('AddressBookConnection')
export class AddressBookConnectionType {
  @Field(() => [AddressBookEntryType])
  entries!: AddressBookEntryType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}

@ObjectType('AddressBookActivity')
export class AddressBookActivityType {
  @Field(() => ID)
  id!: string;

  @Field(() => AddressBookActionGql)
  action!: string;

  @Field(() => ID, { nullable: true, description: 'Null for system actions (an opt-out)' })
  actorUserId!: string | null;

  @Field(() => ID, { nullable: true })
  contactId!: string | null;

  @Field(() => ID, { nullable: true })
  listId!: string | null;

  @Field(() => Date)
  at!: Date;

  static from(entry: AddressBookActivityDocument): AddressBookActivityType {
    return Object.assign(new AddressBookActivityType(), { id: entry._id, action: entry.action, actorUserId: entry.actorUserId, contactId: entry.contactId, listId: entry.listId, at: entry.at });
  }
}

@ObjectType('AddressBookActivityConnection')
export class AddressBookActivityConnectionType {
  @Field(() => [AddressBookActivityType])
  entries!: AddressBookActivityType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
