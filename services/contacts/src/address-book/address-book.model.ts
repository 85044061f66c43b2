import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export interface ContactNote {
  _id: string;
  text: string;
  authorUserId: string;
  at: Date;
}

/**
 * A contact saved to a workspace's address book (CON-05); `_id` is `scope|contactId`. The
 * contact's data is read from the contact database, never copied, so an opt-out or the
 * retention job leaves no copy behind.
 */
export interface AddressBookEntryDocument {
  _id: string;
  scope: string;
  contactId: string;
  listIds: string[];
  notes: ContactNote[];
  savedBy: string;
  savedAt: Date;
  /** CON-08: the person opted out; notes about them are deleted with their data. */
  optedOutAt: Date | null;
}

const noteSchema = new Schema<ContactNote>(
  { _id: { type: String, required: true }, text: { type: String, required: true }, authorUserId: { type: String, required: true }, at: { type: Date, required: true } },
  { _id: false },
);

const entrySchema = new Schema<AddressBookEntryDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    contactId: { type: String, required: true },
    listIds: { type: [String], default: [] },
    notes: { type: [noteSchema], default: [] },
    savedBy: { type: String, required: true },
    savedAt: { type: Date, required: true },
    optedOutAt: { type: Date, default: null },
  },
  { collection: 'address_book', versionKey: false },
);
entrySchema.index({ scope: 1, savedAt: -1, _id: -1 });
entrySchema.index({ scope: 1, listIds: 1 });
entrySchema.index({ contactId: 1 });

export type AddressBookEntryModel = Model<AddressBookEntryDocument>;

export function addressBookEntryModel(connection: Connection): AddressBookEntryModel {
  return (connection.models.AddressBookEntry as AddressBookEntryModel | undefined) ?? connection.model<AddressBookEntryDocument>('AddressBookEntry', entrySchema);
}

/** A list (group) shared by the workspace; `_id` is `scope|name key`, so two lists never share a name. */
export interface ContactListDocument {
  _id: string;
  listId: string;
  scope: string;
  name: string;
  createdBy: string;
  createdAt: Date;
}

const listSchema = new Schema<ContactListDocument>(
  {
    _id: { type: String, required: true },
    listId: { type: String, required: true, unique: true },
    scope: { type: String, required: true },
    name: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'contact_lists', versionKey: false },
);
listSchema.index({ scope: 1, name: 1 });

export type ContactListModel = Model<ContactListDocument>;

export function contactListModel(connection: Connection): ContactListModel {
  return (connection.models.ContactList as ContactListModel | undefined) ?? connection.model<ContactListDocument>('ContactList', listSchema);
}

export const addressBookActions = ['CONTACT_SAVED', 'CONTACT_REMOVED', 'LIST_CREATED', 'LIST_DELETED', 'ADDED_TO_LIST', 'REMOVED_FROM_LIST', 'NOTE_ADDED', 'CONTACTS_EXPORTED', 'CONTACT_OPTED_OUT'] as const;
export type AddressBookAction = (typeof addressBookActions)[number];

/** What happened in a workspace's address book, by whom and when (CON-05). */
export interface AddressBookActivityDocument extends WithOutbox {
  _id: string;
  scope: string;
  actorUserId: string | null;
  action: AddressBookAction;
  contactId: string | null;
  listId: string | null;
  at: Date;
}

const activitySchema = new Schema<AddressBookActivityDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    actorUserId: { type: String, default: null },
    action: { type: String, enum: addressBookActions, required: true },
    contactId: { type: String, default: null },
    listId: { type: String, default: null },
    at: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'address_book_activity', versionKey: false },
);
activitySchema.index({ scope: 1, at: -1, _id: -1 });
addOutboxIndex(activitySchema);

export type AddressBookActivityModel = Model<AddressBookActivityDocument>;

export function addressBookActivityModel(connection: Connection): AddressBookActivityModel {
  return (connection.models.AddressBookActivity as AddressBookActivityModel | undefined) ?? connection.model<AddressBookActivityDocument>('AddressBookActivity', activitySchema);
}
