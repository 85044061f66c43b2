import { z } from 'zod';
import { searchWords } from '../contacts/contact.rules';
import type { AddressBookEntryDocument } from './address-book.model';

/** List names compare without case or accents: "Prospects Q1" and "prospects q1" are one list. */
export function listNameKey(name: string): string {
  return searchWords(name).join(' ');
}

export const listNameSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(80, 'is longer than 80 characters')
  .refine((name) => listNameKey(name) !== '', 'has no letter or digit');

export const noteTextSchema = z.string().trim().min(1, 'is required').max(2000, 'is longer than 2000 characters');

export const addressBookEntryStatuses = ['ACTIVE', 'OPTED_OUT', 'UNAVAILABLE'] as const;
export type AddressBookEntryStatus = (typeof addressBookEntryStatuses)[number];

/** An entry's state: its person opted out (CON-08), or the profile is gone (retention, CON-09). */
export function entryStatus(entry: Pick<AddressBookEntryDocument, 'optedOutAt'>, contactExists: boolean): AddressBookEntryStatus {
  if (entry.optedOutAt) return 'OPTED_OUT';
  return contactExists ? 'ACTIVE' : 'UNAVAILABLE';
}

export function entryId(scope: string, contactId: string): string {
  return `${scope}|${contactId}`;
}
