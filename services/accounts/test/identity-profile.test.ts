import { eventually } from '@leadgraph/platform/src/testing';
import { userModel, type UserDocument } from '../src/users/user.model';
import {
  SIGN_UP,
  businessEmail,
  callerOf,
  eventsOf,
  signUpAndVerify,
  signUpInput,
  startIdentityService,
  type IdentityTestService,
} from './identity-harness';

const LINK = `mutation Link($url: String!) { linkLinkedInProfile(profileUrl: $url) { id linkedInProfileUrl } }`;
const PREFERENCES = `{ myPreferences { language marketingEmails marketingEmailsChangedAt } }`;
const UPDATE_PREFERENCES = `mutation Update($input: UpdatePreferencesInput!) {
  updatePreferences(input: $input) { language marketingEmails marketingEmailsChangedAt }
}`;
const ME = `{ me { id linkedInProfileUrl emailVerifiedAt staffRoles suspension { reason } preferences { language marketingEmails } } }`;
const ENTITY = `query Entity($id: ID!) {
  _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { id displayName linkedInProfileUrl preferences { language } staffRoles } }
}`;

describe('identity: LinkedIn profile (ACC-04), preferences and private profile fields', () => {
  let h: IdentityTestService;

  beforeAll(async () => {
    h = await startIdentityService();
  });
  afterAll(async () => {
    await h.stop();
  });

  const linkedEvents = async (userId: string) =>
    (await eventsOf(h.bus, 'LinkedInProfileLinked')).filter((event) => event.data.userId === userId);

  it('[ACC-04] links a normalised LinkedIn profile to a verified account and publishes LinkedInProfileLinked once', async () => {
    const user = await signUpAndVerify(h);
    const caller = await callerOf(h, user);
    const profile = `https://www.linkedin.com/in/Jane-${user.userId.slice(0, 8)}/?trk=x`;
    const normalised = `linkedin.com/in/jane-${user.userId.slice(0, 8)}`;

    const linked = await h.call<{ linkLinkedInProfile: { id: string; linkedInProfileUrl: string } }>(LINK, { url: profile }, caller);
    expect(linked.data?.linkLinkedInProfile).toEqual({ id: user.userId, linkedInProfileUrl: normalised });
    // The same profile again (any spelling) is a no-op: no second event, so no second credit grant.
    const again = await h.call(LINK, { url: `linkedin.com/in/jane-${user.userId.slice(0, 8)}` }, caller);
    expect(again.errors).toBeUndefined();

    await eventually(async () => {
      const events = await linkedEvents(user.userId);
      expect(events).toHaveLength(1);
      expect(events[0]?.data.linkedAt).toBe(h.clock.now().toISOString());
    });
    const stored = await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>();
    expect(stored).toMatchObject({ linkedInProfileUrl: normalised, linkedInLinkedAt: h.clock.now(), outbox: [] });
  });

  it('[ACC-04] refuses URLs that are not LinkedIn profiles with BAD_USER_INPUT on profileUrl', async () => {
    const user = await signUpAndVerify(h);
    const caller = await callerOf(h, user);
    for (const url of ['https://www.linkedin.com/company/acme', 'https://example.com/in/jane', 'not a url at all']) {
      const answer = await h.call(LINK, { url }, caller);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'profileUrl' });
    }
    expect((await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>())?.linkedInProfileUrl).toBeUndefined();
  });

  it('[ACC-04] the same LinkedIn profile cannot be linked to two accounts', async () => {
    const jane = await signUpAndVerify(h);
    const john = await signUpAndVerify(h);
    const slug = `shared-${jane.userId.slice(0, 8)}`;
    expect((await h.call(LINK, { url: `https://linkedin.com/in/${slug}` }, await callerOf(h, jane))).errors).toBeUndefined();

    const stolen = await h.call(LINK, { url: `https://fr.linkedin.com/in/${slug.toUpperCase()}/` }, await callerOf(h, john));
    expect(stolen.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect((await userModel(h.service.infra.connection).findById(john.userId).lean<UserDocument>())?.linkedInProfileUrl).toBeUndefined();
    expect(await linkedEvents(john.userId)).toHaveLength(0);
  });

  it('[ACC-04] two accounts racing for one profile: exactly one gets it', async () => {
    const racers = await Promise.all([signUpAndVerify(h), signUpAndVerify(h), signUpAndVerify(h)]);
    const url = `https://www.linkedin.com/in/race-${racers[0]!.userId.slice(0, 8)}`;
    const callers = await Promise.all(racers.map((racer) => callerOf(h, racer)));
    const answers = await Promise.all(callers.map((caller) => h.call(LINK, { url }, caller)));
    expect(answers.filter((answer) => answer.errors === undefined)).toHaveLength(1);
    expect(answers.filter((answer) => answer.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(2);
    const holders = await userModel(h.service.infra.connection).find({ linkedInProfileUrl: `linkedin.com/in/race-${racers[0]!.userId.slice(0, 8)}` }).lean();
    expect(holders).toHaveLength(1);
  });

  it('[ACC-04] an account links one profile; another one is refused', async () => {
    const user = await signUpAndVerify(h);
    const caller = await callerOf(h, user);
    await h.call(LINK, { url: `https://linkedin.com/in/first-${user.userId.slice(0, 8)}` }, caller);
    const second = await h.call(LINK, { url: `https://linkedin.com/in/second-${user.userId.slice(0, 8)}` }, caller);
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(second.errors?.[0]?.message).toMatch(/^profileUrl: /);
  });

  it('[ACC-04] an account that is not verified cannot link a profile', async () => {
    const email = businessEmail();
    await h.call(SIGN_UP, { input: signUpInput(email) });
    const pending = await userModel(h.service.infra.connection).findOne({ email }).lean<UserDocument>();
    // The gateway never resolves a session for it; even a forged caller is refused by the service.
    const forged = { kind: 'user' as const, userId: pending!._id, sessionId: 'x', workspaceId: null, workspaceRole: null, staffRoles: [], scopes: [] };
    const answer = await h.call(LINK, { url: 'https://linkedin.com/in/pending-person' }, forged);
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('preferences: the language chosen at sign-up, then updated; marketing consent is dated', async () => {
    const user = await signUpAndVerify(h, { overrides: { language: 'FR' } });
    const caller = await callerOf(h, user);
    const initial = await h.call<{ myPreferences: Record<string, unknown> }>(PREFERENCES, {}, caller);
    expect(initial.data?.myPreferences).toMatchObject({ language: 'FR', marketingEmails: false });

    h.clock.advance(60_000);
    const updated = await h.call<{ updatePreferences: Record<string, unknown> }>(
      UPDATE_PREFERENCES,
      { input: { language: 'EN', marketingEmails: true } },
      caller,
    );
    expect(updated.data?.updatePreferences).toEqual({
      language: 'EN',
      marketingEmails: true,
      marketingEmailsChangedAt: h.clock.now().toISOString(),
    });
    const stored = await userModel(h.service.infra.connection).findById(user.userId).lean<UserDocument>();
    expect(stored?.preferences).toEqual({ language: 'en', marketingEmails: true, marketingEmailsChangedAt: h.clock.now() });

    const empty = await h.call(UPDATE_PREFERENCES, { input: {} }, caller);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
  });

  it('private profile fields are shown to the user themself, not to other users', async () => {
    const jane = await signUpAndVerify(h);
    const john = await signUpAndVerify(h);
    const janeCaller = await callerOf(h, jane);
    await h.call(LINK, { url: `https://linkedin.com/in/private-${jane.userId.slice(0, 8)}` }, janeCaller);

    const me = await h.call<{ me: Record<string, unknown> }>(ME, {}, janeCaller);
    expect(me.data?.me).toEqual({
      id: jane.userId,
      linkedInProfileUrl: `linkedin.com/in/private-${jane.userId.slice(0, 8)}`,
      emailVerifiedAt: h.clock.now().toISOString(),
      staffRoles: [],
      suspension: null,
      preferences: { language: 'EN', marketingEmails: false },
    });
    const seenByJohn = await h.call<{ _entities: Array<Record<string, unknown>> }>(ENTITY, { id: jane.userId }, await callerOf(h, john));
    expect(seenByJohn.data?._entities[0]).toEqual({
      id: jane.userId,
      displayName: 'Jane Doe',
      linkedInProfileUrl: null,
      preferences: null,
      staffRoles: null,
    });
  });
});
