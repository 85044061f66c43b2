import type { Caller, RunningService } from '@leadgraph/platform';
import { apiTokenCaller, callSubgraph, probe, serviceTestEnv, testClock, testLogger, userCaller } from '@leadgraph/platform/src/testing';
import { loadContactsConfig } from '../src/config';
import { contactModel, type ContactDocument, type Provenance } from '../src/contacts/contact.model';
import { startContactsService } from '../src/main';

interface ContactView {
  id: string;
  name: string;
  company: string | null;
  location: { country: string; city: string | null } | null;
  professionalEmails: Array<{ masked: string; status: string }>;
  directEmails: Array<{ masked: string }>;
  phones: Array<{ masked: string; kind: string }>;
}
interface SearchAnswer {
  searchContacts: { edges: Array<{ cursor: string; node: ContactView }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const SEARCH = `query Search($filter: ContactSearchFilter!, $first: Int, $after: String) {
  searchContacts(filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id name jobTitle company location { country city } skills profileUrl lastUpdatedAt
      professionalEmails { masked status lastVerifiedAt } directEmails { masked status } phones { masked kind status }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type NewContact = Omit<ContactDocument, 'searchTokens' | 'sortName' | 'revision'>;

function profile(id: string, fields: { name: string; company: string; jobTitle: string; country: string; city: string; skills: string[]; email: string; phone: string }, at: Date): NewContact {
  const seen: Provenance = { source: { kind: 'PARTNER', name: 'test-partner' }, firstSeenAt: at, lastVerifiedAt: at, status: 'VERIFIED' };
  return {
    _id: id,
    name: { value: fields.name, ...seen },
    jobTitle: { value: fields.jobTitle, ...seen },
    company: { value: fields.company, ...seen },
    location: { country: fields.country, city: fields.city, ...seen },
    skills: fields.skills.map((skill) => ({ value: skill, ...seen })),
    profileUrl: { value: `https://www.linkedin.com/in/${id}`, ...seen },
    professionalEmails: [{ value: fields.email, ...seen }],
    directEmails: [],
    phones: [{ value: fields.phone, kind: 'MOBILE', country: 'FR', ...seen }],
    lastUpdatedAt: at,
    createdAt: at,
  };
}

describe('contacts subgraph: masked search of the contact database', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let contacts: RunningService;
  const reader = userCaller({ workspaceRole: 'MEMBER' });

  beforeAll(async () => {
    contacts = await startContactsService(loadContactsConfig(serviceTestEnv('contacts')), { clock, logger: testLogger('contacts') });
    const at = clock.now();
    await contactModel(contacts.infra.connection).create([
      profile('contact-a', { name: 'Jane Doe', company: 'Acme', jobTitle: 'Head of Sales', country: 'FR', city: 'Paris', skills: ['Negotiation', 'SaaS'], email: 'jane.doe@acme.com', phone: '+33612345612' }, at),
      profile('contact-b', { name: 'Élodie Martin', company: 'Acme', jobTitle: 'Software Engineer', country: 'FR', city: 'Saint-Étienne', skills: ['TypeScript', 'Machine Learning'], email: 'elodie.martin@acme.com', phone: '+33698765478' }, at),
      profile('contact-c', { name: 'John Smith', company: 'Globex', jobTitle: 'Head of Sales', country: 'US', city: 'Paris', skills: ['Negotiation'], email: 'john@globex.com', phone: '+12133734253' }, at),
    ]);
  });
  afterAll(async () => {
    await contacts.infra.connection.dropDatabase();
    await contacts.stop();
  });

  const search = (variables: Record<string, unknown>, caller: Caller = reader) =>
    callSubgraph<SearchAnswer>(contacts.url, SEARCH, { variables, caller, now: clock.now() });
  const idsOf = (answer: { data: SearchAnswer | null }) => answer.data?.searchContacts.edges.map((edge) => edge.node.id);

  it('serves /healthz and /readyz', async () => {
    expect((await probe(contacts.url, '/healthz')).body).toEqual({ status: 'ok', service: 'contacts' });
    expect(await probe(contacts.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { mongo: true, nats: true } } });
  });

  it('[CON-01] a stored profile keeps each datum with its source, dates and status, and its search tokens', async () => {
    const stored = await contactModel(contacts.infra.connection).findById('contact-b').lean<ContactDocument>();
    expect(stored?.phones[0]).toMatchObject({ value: '+33698765478', kind: 'MOBILE', status: 'VERIFIED', source: { kind: 'PARTNER', name: 'test-partner' } });
    expect(stored?.professionalEmails[0]?.firstSeenAt).toEqual(clock.now());
    expect(stored?.searchTokens).toEqual(expect.arrayContaining(['name:elodie', 'company:acme', 'city:etienne', 'skill:typescript']));
  });

  it('[CON-02] search by company returns matching profiles with e-mails and phones masked', async () => {
    const answer = await search({ filter: { company: 'ACME' } });
    expect(answer.errors).toBeUndefined();
    expect(idsOf(answer)).toEqual(['contact-a', 'contact-b']);
    const jane = answer.data?.searchContacts.edges[0]?.node;
    expect(jane).toMatchObject({
      name: 'Jane Doe',
      company: 'Acme',
      location: { country: 'FR', city: 'Paris' },
      professionalEmails: [{ masked: 'j***@acme.com', status: 'VERIFIED' }],
      phones: [{ masked: '+33 6 ** ** ** 12', kind: 'MOBILE' }],
    });
    expect(JSON.stringify(answer.data)).not.toMatch(/jane\.doe@acme\.com|612345612/);
  });

  it('[CON-02] every given criterion must match: name, job title, country, city and skills, accents and case ignored', async () => {
    expect(idsOf(await search({ filter: { name: 'elodie' } }))).toEqual(['contact-b']);
    expect(idsOf(await search({ filter: { jobTitle: 'head of sales', country: 'fr' } }))).toEqual(['contact-a']);
    expect(idsOf(await search({ filter: { city: 'Paris' } }))).toEqual(['contact-a', 'contact-c']);
    expect(idsOf(await search({ filter: { city: 'saint etienne', skills: ['machine learning'] } }))).toEqual(['contact-b']);
    expect(idsOf(await search({ filter: { skills: ['Negotiation'], country: 'US' } }))).toEqual(['contact-c']);
    expect(idsOf(await search({ filter: { name: 'Paris' } }))).toEqual([]);
  });

  it('[CON-02] results are a Relay connection paged with opaque cursors', async () => {
    const firstPage = await search({ filter: { skills: ['negotiation'] }, first: 1 });
    expect(idsOf(firstPage)).toEqual(['contact-a']);
    expect(firstPage.data?.searchContacts.pageInfo.hasNextPage).toBe(true);
    const secondPage = await search({ filter: { skills: ['negotiation'] }, first: 1, after: firstPage.data?.searchContacts.pageInfo.endCursor });
    expect(idsOf(secondPage)).toEqual(['contact-c']);
    expect(secondPage.data?.searchContacts.pageInfo).toEqual({ hasNextPage: false, endCursor: secondPage.data?.searchContacts.edges[0]?.cursor });
  });

  it('[ACC-08] search needs an authenticated caller with contacts:read', async () => {
    const anonymous = await search({ filter: { company: 'acme' } }, { kind: 'anonymous' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const billingOnly = await search({ filter: { company: 'acme' } }, apiTokenCaller({ scopes: ['billing:read'] }));
    expect(billingOnly.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'contacts:read' });
    const partner = await search({ filter: { company: 'acme' } }, apiTokenCaller({ scopes: ['contacts:read'] }));
    expect(idsOf(partner)).toEqual(['contact-a', 'contact-b']);
  });

  it.each([
    ['no criterion', 'filter', { filter: {} }],
    ['only blank criteria', 'filter', { filter: { name: '  ', skills: [] } }],
    ['a criterion without words', 'filter.company', { filter: { company: '***' } }],
    ['a country name instead of a code', 'filter.country', { filter: { country: 'France' } }],
    ['a 101-character name', 'filter.name', { filter: { name: 'x'.repeat(101) } }],
    ['a page of 500', 'first', { filter: { company: 'acme' }, first: 500 }],
    ['a malformed cursor', 'after', { filter: { company: 'acme' }, after: 'not-a-cursor' }],
  ])('[CON-02] a search with %s is BAD_USER_INPUT naming %s', async (_case, field, variables) => {
    const answer = await search(variables);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('[CON-02] a contact referenced by another subgraph resolves to its masked profile', async () => {
    const answer = await callSubgraph<{ _entities: Array<ContactView | null> }>(
      contacts.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id name professionalEmails { masked } } } }',
      { variables: { r: [{ __typename: 'Contact', id: 'contact-c' }, { __typename: 'Contact', id: 'no-such-contact' }] }, caller: reader, now: clock.now() },
    );
    expect(answer.data?._entities).toEqual([{ id: 'contact-c', name: 'John Smith', professionalEmails: [{ masked: 'j***@globex.com' }] }, null]);
  });
});
