import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import {
  afterKeyset,
  badInput,
  checkPageSize,
  conflict,
  decodeCursor,
  encodeCursor,
  isDuplicateKeyError,
  notFound,
  outboxEntry,
  parseInput,
  requireScope,
  type AuthenticatedCaller,
  type Caller,
  type Clock,
  type Logger,
} from '@leadgraph/platform';
import { z } from 'zod';
import { createEvent } from '@leadgraph/events';
import { parseContactId } from '../contacts/contact.service';
import { revealScope, workspaceOfScope } from '../reveals/reveal.rules';
import type { RevealService } from '../reveals/reveal.service';
import type { OptOutListener } from '../suppression/suppression.service';
import type {
  AddressBookAction,
  AddressBookActivityDocument,
  AddressBookActivityModel,
  AddressBookEntryDocument,
  AddressBookEntryModel,
  ContactListDocument,
  ContactListModel,
} from './address-book.model';
import { entryId, listNameKey, listNameSchema, noteTextSchema } from './address-book.rules';

export interface EntryPage {
  entries: Array<{ entry: AddressBookEntryDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

const entryCursorSchema = z.object({ at: z.number(), id: z.string() });
const activityCursorSchema = z.object({ at: z.number(), id: z.string() });

/**
 * CON-05: revealed contacts saved to the workspace address book, organised in lists shared by the
 * workspace, annotated; every action goes to the address book's activity log.
 */
export class AddressBookService implements OptOutListener {
  constructor(
    private readonly entries: AddressBookEntryModel,
    private readonly lists: ContactListModel,
    private readonly activity: AddressBookActivityModel,
    private readonly reveals: RevealService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  private actor(caller: Caller): { actor: AuthenticatedCaller; scope: string } {
    const actor = requireScope(caller, 'contacts:read');
    return { actor, scope: revealScope(actor).scope };
  }

  async save(caller: Caller, contactIdInput: string, listIdsInput: string[] = []): Promise<AddressBookEntryDocument> {
    const { actor, scope } = this.actor(caller);
    const contactId = parseContactId(contactIdInput);
    const reveal = await this.reveals.revealOf(scope, contactId);
    if (!reveal || reveal.optedOutAt || !Object.values(reveal.fields).some((field) => field?.state === 'REVEALED')) {
      throw conflict('contactId: only contacts revealed in this workspace can be saved', 'contactId');
    }
    const listIds = await this.knownLists(scope, listIdsInput);
    const now = this.clock.now();
    const saved = await this.entries
      .findOneAndUpdate(
        { _id: entryId(scope, contactId) },
        { $setOnInsert: { scope, contactId, notes: [], savedBy: actor.userId, savedAt: now, optedOutAt: null }, $addToSet: { listIds: { $each: listIds } } },
        { upsert: true, new: true },
      )
      .lean<AddressBookEntryDocument>();
    await this.record(scope, actor.userId, 'CONTACT_SAVED', contactId, null);
    for (const listId of listIds) await this.record(scope, actor.userId, 'ADDED_TO_LIST', contactId, listId);
    if (!saved) throw notFound('No such entry');
    return saved;
  }

  async remove(caller: Caller, contactIdInput: string): Promise<boolean> {
    const { actor, scope } = this.actor(caller);
    const contactId = parseContactId(contactIdInput);
    const removed = await this.entries.deleteOne({ _id: entryId(scope, contactId) });
    if (removed.deletedCount === 0) throw notFound('This contact is not in the address book');
    await this.record(scope, actor.userId, 'CONTACT_REMOVED', contactId, null);
    return true;
  }

  async createList(caller: Caller, nameInput: string): Promise<ContactListDocument> {
    const { actor, scope } = this.actor(caller);
    const name = parseInput(listNameSchema, nameInput, 'name');
    const list: ContactListDocument = { _id: `${scope}|${listNameKey(name)}`, listId: randomUUID(), scope, name, createdBy: actor.userId, createdAt: this.clock.now() };
    try {
      await this.lists.create(list);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict('name: a list with this name exists in the workspace', 'name');
      throw error;
    }
    await this.record(scope, actor.userId, 'LIST_CREATED', null, list.listId);
    return list;
  }

  async deleteList(caller: Caller, listId: string): Promise<boolean> {
    const { actor, scope } = this.actor(caller);
    const deleted = await this.lists.deleteOne({ scope, listId });
    if (deleted.deletedCount === 0) throw notFound('No such list in this workspace');
    await this.entries.updateMany({ scope, listIds: listId }, { $pull: { listIds: listId } });
    await this.record(scope, actor.userId, 'LIST_DELETED', null, listId);
    return true;
  }

  async addToList(caller: Caller, contactIdInput: string, listId: string): Promise<AddressBookEntryDocument> {
    const { actor, scope } = this.actor(caller);
    const contactId = parseContactId(contactIdInput);
    await this.knownLists(scope, [listId]);
    const entry = await this.entries.findOneAndUpdate({ _id: entryId(scope, contactId) }, { $addToSet: { listIds: listId } }, { new: true }).lean<AddressBookEntryDocument>();
    if (!entry) throw notFound('Save the contact to the address book first');
    await this.record(scope, actor.userId, 'ADDED_TO_LIST', contactId, listId);
    return entry;
  }

  async removeFromList(caller: Caller, contactIdInput: string, listId: string): Promise<AddressBookEntryDocument> {
    const { actor, scope } = this.actor(caller);
    const contactId = parseContactId(contactIdInput);
    const entry = await this.entries.findOneAndUpdate({ _id: entryId(scope, contactId), listIds: listId }, { $pull: { listIds: listId } }, { new: true }).lean<AddressBookEntryDocument>();
    if (!entry) throw notFound('This contact is not in that list');
    await this.record(scope, actor.userId, 'REMOVED_FROM_LIST', contactId, listId);
    return entry;
  }

  async addNote(caller: Caller, contactIdInput: string, textInput: string): Promise<AddressBookEntryDocument> {
    const { actor, scope } = this.actor(caller);
    const contactId = parseContactId(contactIdInput);
    const text = parseInput(noteTextSchema, textInput, 'text');
    const note = { _id: randomUUID(), text, authorUserId: actor.userId, at: this.clock.now() };
    const entry = await this.entries
      .findOneAndUpdate({ _id: entryId(scope, contactId), optedOutAt: null }, { $push: { notes: note } }, { new: true })
      .lean<AddressBookEntryDocument>();
    if (!entry) throw notFound('Save the contact to the address book first');
    await this.record(scope, actor.userId, 'NOTE_ADDED', contactId, null);
    return entry;
  }

  async allLists(caller: Caller): Promise<ContactListDocument[]> {
    const { scope } = this.actor(caller);
    return this.lists.find({ scope }).sort({ name: 1 }).lean<ContactListDocument[]>();
  }

  /** Entries newest first, optionally one list's. */
  async page(caller: Caller, input: { listId?: string | null; first?: number | null; after?: string | null }): Promise<EntryPage> {
    const { scope } = this.actor(caller);
    const size = checkPageSize(input.first);
    if (input.listId) await this.knownLists(scope, [input.listId]);
    const cursor = input.after ? decodeCursor(input.after, entryCursorSchema) : null;
    const rows = await this.entries
      .find({
        scope,
        ...(input.listId ? { listIds: input.listId } : {}),
        ...(cursor ? afterKeyset('savedAt', 'desc', new Date(cursor.at), cursor.id) : {}),
      })
      .sort({ savedAt: -1, _id: -1 })
      .limit(size + 1)
      .lean<AddressBookEntryDocument[]>();
    const entries = rows.slice(0, size).map((entry) => ({ entry, cursor: encodeCursor({ at: entry.savedAt.getTime(), id: entry._id }) }));
    return { entries, hasNextPage: rows.length > size, endCursor: entries.at(-1)?.cursor ?? null };
  }

  /** Contact ids of a list, for exports (at most `max`). */
  async listContactIds(caller: Caller, listId: string, max: number): Promise<string[]> {
    const { scope } = this.actor(caller);
    await this.knownLists(scope, [listId]);
    const rows = await this.entries.find({ scope, listIds: listId, optedOutAt: null }, { contactId: 1 }).limit(max + 1).lean<Array<{ contactId: string }>>();
    if (rows.length > max) throw badInput('listId', `listId: exports are limited to ${max} contacts`);
    return rows.map((row) => row.contactId);
  }

  async activityPage(caller: Caller, first: number | null | undefined, after: string | null | undefined) {
    const { scope } = this.actor(caller);
    const size = checkPageSize(first);
    const cursor = after ? decodeCursor(after, activityCursorSchema) : null;
    const rows = await this.activity
      .find({ scope, ...(cursor ? afterKeyset('at', 'desc', new Date(cursor.at), cursor.id) : {}) })
      .sort({ at: -1, _id: -1 })
      .limit(size + 1)
      .lean<AddressBookActivityDocument[]>();
    const items = rows.slice(0, size).map((entry) => ({ entry, cursor: encodeCursor({ at: entry.at.getTime(), id: entry._id }) }));
    return { items, hasNextPage: rows.length > size, endCursor: items.at(-1)?.cursor ?? null };
  }

  /**
   * Writes one activity line; the log never undoes or blocks the action it describes. A
   * workspace's line carries, in the same insert, the event that puts it in the workspace
   * activity log kept by accounts (ACC-05).
   */
  async record(scope: string, actorUserId: string | null, action: AddressBookAction, contactId: string | null, listId: string | null): Promise<void> {
    const id = new Types.ObjectId().toHexString();
    const at = this.clock.now();
    const workspaceId = workspaceOfScope(scope);
    const outbox = workspaceId
      ? [
          outboxEntry(
            createEvent(
              'AddressBookActivityRecorded',
              { activityId: id, workspaceId, actorUserId, action, contactId, listId, at: at.toISOString() },
              { subject: workspaceId, time: at, id },
            ),
          ),
        ]
      : [];
    try {
      await this.activity.create({ _id: id, scope, actorUserId, action, contactId, listId, at, outbox });
    } catch (error) {
      this.logger.error({ err: error, action }, 'address book activity not recorded');
    }
  }

  /** CON-08: entries are flagged, notes about the person deleted. */
  async contactsOptedOut(contactIds: string[], at: Date): Promise<void> {
    if (contactIds.length === 0) return;
    const flagged = await this.entries.find({ contactId: { $in: contactIds }, optedOutAt: null }, { scope: 1, contactId: 1 }).lean<Array<{ _id: string; scope: string; contactId: string }>>();
    await this.entries.updateMany({ contactId: { $in: contactIds } }, { $set: { optedOutAt: at, notes: [] } });
    for (const entry of flagged) await this.record(entry.scope, null, 'CONTACT_OPTED_OUT', entry.contactId, null);
  }

  /** PRV-02 access: the address-book entries (any workspace) of these contacts. */
  async entriesOfContacts(contactIds: string[]): Promise<AddressBookEntryDocument[]> {
    if (contactIds.length === 0) return [];
    return this.entries.find({ contactId: { $in: contactIds } }).lean<AddressBookEntryDocument[]>();
  }

  /** PRV-02 erasure: saved entries, their list memberships and notes are deleted in every workspace. */
  async eraseContacts(contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    return (await this.entries.deleteMany({ contactId: { $in: contactIds } })).deletedCount;
  }

  /** ACC-06 / BIL-13: a deleted workspace's address book goes with it. */
  async purgeScope(scope: string): Promise<void> {
    await this.entries.deleteMany({ scope });
    await this.lists.deleteMany({ scope });
    await this.activity.deleteMany({ scope });
  }

  private async knownLists(scope: string, listIds: string[]): Promise<string[]> {
    const unique = [...new Set(listIds)];
    if (unique.length === 0) return [];
    const found = await this.lists.find({ scope, listId: { $in: unique } }, { listId: 1 }).lean<Array<{ listId: string }>>();
    const missing = unique.find((listId) => !found.some((list) => list.listId === listId));
    if (missing) throw notFound(`No list ${missing} in this workspace`);
    return unique;
  }
}
