import { z } from 'zod';
import {
  badInput,
  checkPageSize,
  decodeCursor,
  encodeCursor,
  fromZodError,
  identifierHash,
  requireScope,
  type AuthenticatedCaller,
  type Caller,
  type IdentifierHashKey,
} from '@leadgraph/platform';
import type { ContactDocument, ContactIdentifierModel, ContactModel } from './contact.model';
import {
  contactSorts,
  cursorOf,
  filterTokensByField,
  keysetAfter,
  maskedProfile,
  normalisedEmailAddress,
  normalisedProfileUrl,
  searchOrder,
  type ContactSort,
  type MaskedContactProfile,
  type SearchCursor,
} from './contact.rules';

const text = (max: number) => z.string().max(max, `is longer than ${max} characters`).nullish();

const searchFilterSchema = z
  .object({
    name: text(100),
    company: text(100),
    jobTitle: text(100),
    country: z
      .string()
      .trim()
      .refine((value) => value === '' || /^[A-Za-z]{2}$/.test(value), 'must be an ISO 3166-1 alpha-2 country code')
      .nullish(),
    city: text(100),
    skills: z.array(z.string().max(50, 'is longer than 50 characters')).max(10, 'at most 10 skills').nullish(),
    updatedSince: z.date().nullish(),
    updatedBefore: z.date().nullish(),
  })
  .strict();

export type ContactSearchFilter = z.input<typeof searchFilterSchema>;

/** Cursor wire form: `s` the sort (`ID` for database order), `k` the sort key, `id` the tie-breaker. */
const cursorSchema = z
  .object({ s: z.enum(['ID', ...contactSorts]), k: z.union([z.string(), z.number()]), id: z.string().min(1) })
  .transform((wire): SearchCursor => ({ sort: wire.s === 'ID' ? null : wire.s, key: wire.s === 'ID' ? null : wire.k, id: wire.id }));

function encodeSearchCursor(cursor: SearchCursor): string {
  return encodeCursor({ s: cursor.sort ?? 'ID', k: cursor.key ?? '', id: cursor.id });
}

export interface ContactPage {
  edges: Array<{ cursor: string; profile: MaskedContactProfile }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Never loaded for results: tokens are an index, not data. */
export const PROFILE_PROJECTION = { searchTokens: 0 } as const;

/** Ids are opaque but bounded: anything else is a malformed id, not a miss. */
export const contactIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a contact id');

export function parseContactId(id: string, field = 'contactId'): string {
  const parsed = contactIdSchema.safeParse(id);
  if (!parsed.success) throw badInput(field, `${field}: is not a contact id`);
  return parsed.data;
}

/** What a search or a reveal has to ask before it runs (CON-10); the rate-limits feature answers. */
export interface UsageGuard {
  beforeSearch(caller: AuthenticatedCaller, pageDepth: number): Promise<void>;
}

/** Numbers on a national do-not-call list, asked for one page at a time. */
export type DoNotCallLookup = (e164Numbers: string[]) => Promise<ReadonlySet<string>>;

/** What a search reports for usage metering (ANA-02): who and how many results, never the query. */
export interface SearchPerformed {
  workspaceId: string | null;
  userId: string;
  viaApiTokenId: string | null;
  resultCount: number;
}

export class ContactService {
  constructor(
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly hashKey: IdentifierHashKey,
    private readonly guard: UsageGuard,
    private readonly doNotCall: DoNotCallLookup,
    /** Told of every search once it ran (ANA-02); best-effort, never throws. */
    private readonly onSearched: (search: SearchPerformed) => void = () => undefined,
  ) {}

  /**
   * Profiles matching every given criterion, contact details masked (CON-02), sorted, with keyset
   * pagination (no counting: it would scan). Opted-out people are not in the collection (CON-08).
   */
  async search(
    caller: Caller,
    input: { filter: ContactSearchFilter; sort?: ContactSort; first?: number | null; after?: string | null },
  ): Promise<ContactPage> {
    const authenticated = requireScope(caller, 'contacts:read');
    const parsed = searchFilterSchema.safeParse(input.filter);
    if (!parsed.success) throw fromZodError(parsed.error, 'filter');
    const filter = parsed.data;
    const criteria = filterTokensByField(filter);
    if (criteria.length === 0) {
      throw badInput('filter', 'filter: give at least one of name, company, jobTitle, country, city or skills');
    }
    const wordless = criteria.find((criterion) => criterion.tokens.length === 0);
    if (wordless) throw badInput(`filter.${wordless.field}`, `filter.${wordless.field}: has no searchable word`);
    if (filter.updatedSince && filter.updatedBefore && filter.updatedSince >= filter.updatedBefore) {
      throw badInput('filter.updatedBefore', 'filter.updatedBefore: must be after filter.updatedSince');
    }
    const first = checkPageSize(input.first);
    const sort = input.sort ?? null;
    const cursor: SearchCursor | null = input.after ? decodeCursor(input.after, cursorSchema, 'after') : null;
    if (cursor && cursor.sort !== sort) throw badInput('after', 'after: this cursor belongs to another sort order');
    await this.guard.beforeSearch(authenticated, cursor ? 2 : 1);

    const tokens = [...new Set(criteria.flatMap((criterion) => criterion.tokens))];
    const updated = {
      ...(filter.updatedSince ? { $gte: filter.updatedSince } : {}),
      ...(filter.updatedBefore ? { $lt: filter.updatedBefore } : {}),
    };
    const query = {
      searchTokens: { $all: tokens },
      // PRV-02: a restricted profile is kept but never returned.
      restrictedAt: null,
      ...(Object.keys(updated).length > 0 ? { lastUpdatedAt: updated } : {}),
      ...(cursor ? keysetAfter(cursor) : {}),
    };
    const found = await this.contacts
      .find(query, PROFILE_PROJECTION)
      .sort(searchOrder(sort))
      .limit(first + 1)
      .lean<ContactDocument[]>();
    const page = found.slice(0, first);
    const listed = await this.doNotCall(page.flatMap((contact) => contact.phones.map((phone) => phone.value)));
    const edges = page.map((contact) => ({ cursor: encodeSearchCursor(cursorOf(sort, contact)), profile: maskedProfile(contact, listed) }));
    this.onSearched({
      workspaceId: authenticated.workspaceId,
      userId: authenticated.userId,
      viaApiTokenId: authenticated.kind === 'apiToken' ? authenticated.tokenId : null,
      resultCount: edges.length,
    });
    return { edges, hasNextPage: found.length > first, endCursor: edges.at(-1)?.cursor ?? null };
  }

  /**
   * The browser-extension flow: the profile the user is looking at (profile URL) or an e-mail
   * they have, masked until revealed. Exactly one of the two.
   */
  async lookup(caller: Caller, input: { profileUrl?: string | null; email?: string | null }): Promise<MaskedContactProfile | null> {
    const authenticated = requireScope(caller, 'contacts:read');
    const given = [input.profileUrl, input.email].filter((value) => value !== undefined && value !== null && value.trim() !== '');
    if (given.length !== 1) throw badInput('input', 'input: give exactly one of profileUrl or email');
    let hash: string;
    if (input.profileUrl) {
      const url = normalisedProfileUrl(input.profileUrl);
      if (!url) throw badInput('input.profileUrl', 'input.profileUrl: is not a profile URL');
      hash = identifierHash('PROFILE_URL', url, this.hashKey);
    } else {
      const email = normalisedEmailAddress(input.email ?? '');
      if (!email) throw badInput('input.email', 'input.email: is not an e-mail address');
      hash = identifierHash('EMAIL', email, this.hashKey);
    }
    await this.guard.beforeSearch(authenticated, 1);
    const identifier = await this.identifiers.findById(hash, { contactId: 1 }).lean<{ contactId: string }>();
    return identifier ? this.findMasked(caller, identifier.contactId) : null;
  }

  /** `contact(id)`: a malformed id is the caller's mistake (BAD_USER_INPUT), an unknown one is null. */
  async byId(caller: Caller, id: string): Promise<MaskedContactProfile | null> {
    requireScope(caller, 'contacts:read');
    return this.findMasked(caller, parseContactId(id, 'id'));
  }

  /** One profile, masked; null when it does not exist (or no longer: opted out, retention) or is restricted (PRV-02). */
  async findMasked(caller: Caller, id: string): Promise<MaskedContactProfile | null> {
    requireScope(caller, 'contacts:read');
    if (!contactIdSchema.safeParse(id).success) return null;
    const contact = await this.contacts.findOne({ _id: id, restrictedAt: null }, PROFILE_PROJECTION).lean<ContactDocument>();
    if (!contact) return null;
    return maskedProfile(contact, await this.doNotCall(contact.phones.map((phone) => phone.value)));
  }
}
