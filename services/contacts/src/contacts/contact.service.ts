import { z } from 'zod';
import {
  badInput,
  checkPageSize,
  decodeCursor,
  encodeCursor,
  fromZodError,
  requireScope,
  type Caller,
} from '@leadgraph/platform';
import type { ContactDocument, ContactModel } from './contact.model';
import { filterTokensByField, maskedProfile, type MaskedContactProfile } from './contact.rules';

const text = (max: number) => z.string().max(max, `is longer than ${max} characters`).nullish();

const searchFilterSchema = z.object({
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
});

export type ContactSearchFilter = z.input<typeof searchFilterSchema>;

const cursorSchema = z.object({ id: z.string().min(1) });

export interface ContactPage {
  edges: Array<{ cursor: string; profile: MaskedContactProfile }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Never loaded for search results: tokens are an index, not data. */
const PROFILE_PROJECTION = { searchTokens: 0, createdAt: 0 } as const;

export class ContactService {
  constructor(private readonly contacts: ContactModel) {}

  /**
   * Profiles matching every given criterion, contact details masked (CON-02), in stable id order
   * with keyset pagination (no counting: it would scan).
   */
  async search(caller: Caller, input: { filter: ContactSearchFilter; first?: number | null; after?: string | null }): Promise<ContactPage> {
    requireScope(caller, 'contacts:read');
    const parsed = searchFilterSchema.safeParse(input.filter);
    if (!parsed.success) throw fromZodError(parsed.error, 'filter');
    const criteria = filterTokensByField(parsed.data);
    if (criteria.length === 0) {
      throw badInput('filter', 'filter: give at least one of name, company, jobTitle, country, city or skills');
    }
    const wordless = criteria.find((criterion) => criterion.tokens.length === 0);
    if (wordless) throw badInput(`filter.${wordless.field}`, `filter.${wordless.field}: has no searchable word`);
    const first = checkPageSize(input.first);
    const afterId = input.after ? decodeCursor(input.after, cursorSchema, 'after').id : null;

    const tokens = [...new Set(criteria.flatMap((criterion) => criterion.tokens))];
    const found = await this.contacts
      .find({ searchTokens: { $all: tokens }, ...(afterId ? { _id: { $gt: afterId } } : {}) }, PROFILE_PROJECTION)
      .sort({ _id: 1 })
      .limit(first + 1)
      .lean<ContactDocument[]>();
    const edges = found.slice(0, first).map((contact) => ({ cursor: encodeCursor({ id: contact._id }), profile: maskedProfile(contact) }));
    return { edges, hasNextPage: found.length > first, endCursor: edges.at(-1)?.cursor ?? null };
  }

  /** One profile, masked, for federation references; null when it does not exist. */
  async findMasked(caller: Caller, id: string): Promise<MaskedContactProfile | null> {
    requireScope(caller, 'contacts:read');
    const contact = await this.contacts.findById(id, PROFILE_PROJECTION).lean<ContactDocument>();
    return contact ? maskedProfile(contact) : null;
  }
}
