import { z } from 'zod';
import type { RpcResponse } from '@leadgraph/events';
import { DomainError, ErrorCode, forbidden, type AuthenticatedCaller } from '@leadgraph/platform';
import type { ContactDocument, DatumStatus, PhoneKind } from '../contacts/contact.model';
import { revealFields, type RevealDocument, type RevealField } from './reveal.model';

export interface RevealScope {
  scope: string;
  workspaceId: string | null;
  userId: string | null;
}

/** CON-03: reveals are shared by the workspace; outside one, they are the user's own. */
export function revealScope(caller: AuthenticatedCaller): RevealScope {
  return caller.workspaceId
    ? { scope: `ws:${caller.workspaceId}`, workspaceId: caller.workspaceId, userId: null }
    : { scope: `user:${caller.userId}`, workspaceId: null, userId: caller.userId };
}

/** The workspace of a `ws:<id>` scope; null for a personal one. */
export function workspaceOfScope(scope: string): string | null {
  return scope.startsWith('ws:') ? scope.slice('ws:'.length) : null;
}

export function revealId(scope: string, contactId: string): string {
  return `${scope}|${contactId}`;
}

/**
 * The billing idempotency key of one field of one contact in one scope (CON-03): concurrent or
 * retried reveals send the same key and billing charges it once. The attempt moves on only after
 * a spend was refused or refunded.
 */
export function spendKey(scope: string, contactId: string, field: RevealField, attempt: number): string {
  return `reveal:${scope}:${contactId}:${field}:${attempt}`;
}

/** BIL-01: one credit per field type, however many values it holds. */
export function fieldValues(contact: Pick<ContactDocument, 'professionalEmails' | 'directEmails' | 'phones'>, field: RevealField): number {
  switch (field) {
    case 'PRO_EMAIL':
      return contact.professionalEmails.length;
    case 'DIRECT_EMAIL':
      return contact.directEmails.length;
    case 'PHONE':
      return contact.phones.length;
    default: {
      const unreachable: never = field;
      throw new Error(`unknown field ${String(unreachable)}`);
    }
  }
}

export interface RevealPlan {
  /** Not yet revealed in the scope and holding data: one credit each. */
  toCharge: RevealField[];
  alreadyRevealed: RevealField[];
  /** No value of this type on the profile: nothing to reveal, nothing charged. */
  unavailable: RevealField[];
}

export function revealPlan(contact: Pick<ContactDocument, 'professionalEmails' | 'directEmails' | 'phones'>, reveal: Pick<RevealDocument, 'fields'> | null, requested: readonly RevealField[]): RevealPlan {
  const plan: RevealPlan = { toCharge: [], alreadyRevealed: [], unavailable: [] };
  for (const field of requested) {
    if (reveal?.fields[field]?.state === 'REVEALED') plan.alreadyRevealed.push(field);
    else if (fieldValues(contact, field) === 0) plan.unavailable.push(field);
    else plan.toCharge.push(field);
  }
  return plan;
}

export function revealedFieldsOf(reveal: Pick<RevealDocument, 'fields'> | null): RevealField[] {
  return revealFields.filter((field) => reveal?.fields[field]?.state === 'REVEALED');
}

/** Claim filter: free, or held by a request whose lease ended (it crashed or hung). */
export function claimableFilter(field: RevealField, now: Date): Record<string, unknown> {
  return {
    $or: [{ [`fields.${field}.state`]: { $exists: false } }, { [`fields.${field}.state`]: 'PENDING', [`fields.${field}.leaseUntil`]: { $lt: now } }],
  };
}

/**
 * A refused quote as the caller's error (CON-04): missing credits name their type; a budget or
 * a closed owner is a refusal of another kind.
 */
export function quoteRefusal(quote: RpcResponse<'quoteCredits'>): DomainError | null {
  if (quote.allowed) return null;
  const reason = quote.refusal?.reason ?? 'INSUFFICIENT_CREDITS';
  const message = quote.refusal?.message ?? `Not enough ${quote.creditType} credits`;
  switch (reason) {
    case 'INSUFFICIENT_CREDITS':
    case 'FAIR_USE_CAP_REACHED':
      return new DomainError(ErrorCode.INSUFFICIENT_CREDITS, `Not enough ${quote.creditType} credits: ${message}`, { creditType: quote.creditType });
    case 'BUDGET_EXCEEDED':
      return new DomainError(ErrorCode.FORBIDDEN, message, { reason: 'CREDIT_BUDGET_EXCEEDED', creditType: quote.creditType });
    case 'OWNER_CLOSED':
      return forbidden(message);
    default: {
      const unreachable: never = reason;
      throw new Error(`unknown refusal ${String(unreachable)}`);
    }
  }
}

export const revealInputSchema = z
  .object({
    contactId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a contact id'),
    fields: z
      .array(z.enum(revealFields, { error: 'must be PRO_EMAIL, PHONE or DIRECT_EMAIL' }))
      .min(1, 'give at least one field')
      .refine((fields) => new Set(fields).size === fields.length, 'lists a field twice'),
    idempotencyKey: z.string().trim().min(8, 'must be 8 to 100 characters').max(100, 'must be 8 to 100 characters'),
  })
  .strict();

export type RevealInput = z.infer<typeof revealInputSchema>;

export interface RevealedEmail {
  address: string;
  status: DatumStatus;
  lastVerifiedAt: Date | null;
}

export interface RevealedPhone {
  number: string;
  kind: PhoneKind;
  country: string | null;
  doNotCall: boolean;
  status: DatumStatus;
  lastVerifiedAt: Date | null;
}

export interface RevealedDetails {
  fields: RevealField[];
  professionalEmails: RevealedEmail[];
  directEmails: RevealedEmail[];
  phones: RevealedPhone[];
}

/** The clear values of the field types revealed in the scope, and nothing else (CON-02/03). */
export function revealedDetails(contact: Pick<ContactDocument, 'professionalEmails' | 'directEmails' | 'phones'>, fields: readonly RevealField[], doNotCall: ReadonlySet<string>): RevealedDetails {
  const emails = (list: ContactDocument['professionalEmails']) => list.map((email) => ({ address: email.value, status: email.status, lastVerifiedAt: email.lastVerifiedAt }));
  return {
    fields: [...fields],
    professionalEmails: fields.includes('PRO_EMAIL') ? emails(contact.professionalEmails) : [],
    directEmails: fields.includes('DIRECT_EMAIL') ? emails(contact.directEmails) : [],
    phones: fields.includes('PHONE')
      ? contact.phones.map((phone) => ({ number: phone.value, kind: phone.kind, country: phone.country ?? null, doNotCall: doNotCall.has(phone.value), status: phone.status, lastVerifiedAt: phone.lastVerifiedAt }))
      : [],
  };
}
