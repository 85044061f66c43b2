import { MINUTE_MS, identifierHash, type RunningService } from '@leadgraph/platform';
import { eventually, expectEvents, publishedEvents, serviceTestEnv, startIsolatedNats, testClock, testLogger, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { loadPrivacyConfig, type PrivacyConfig } from '../src/config';
import { privacyAuditEntryModel } from '../src/audit/audit.model';
import { startPrivacyService } from '../src/main';
import { optOutRequestModel } from '../src/opt-out/opt-out.model';

interface PageAnswer {
  status: number;
  body: string;
  location: string | null;
}

describe('public opt-out page (PRV-01, PRV-03)', () => {
  const clock = testClock('2026-11-23T09:00:00.000Z');
  let nats: { url: string; stop(): Promise<void> };
  let config: PrivacyConfig;
  let privacy: RunningService;
  const mailbox = testMailbox();

  beforeAll(async () => {
    nats = await startIsolatedNats();
    config = loadPrivacyConfig(serviceTestEnv('privacy', { NATS_URL: nats.url }));
    privacy = await startPrivacyService(config, { clock, logger: testLogger('privacy') });
  });
  afterAll(async () => {
    await privacy.infra.connection.dropDatabase();
    await privacy.stop();
    await nats.stop();
  });

  const requests = () => optOutRequestModel(privacy.infra.connection);
  const key = () => ({ secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION });
  const newEmail = () => `${uniqueName('person')}@example.org`;

  async function send(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<PageAnswer> {
    const response = await fetch(new URL(path, privacy.url), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    if (response.status !== 303) expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    return { status: response.status, body: await response.text(), location: response.headers.get('location') };
  }

  async function requestCode(form: Record<string, string>): Promise<{ requestId: string; code: string; answer: PageAnswer }> {
    const answer = await send('/opt-out', form);
    expect(answer.status).toBe(303);
    const location = new URL(answer.location ?? '', privacy.url);
    const requestId = location.searchParams.get('request') ?? '';
    const mail = await mailbox.waitFor((form.email ?? '').trim().toLowerCase(), /opt-out|opposition/);
    const code = /(\d{6})/.exec(mail.text)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    return { requestId, code, answer };
  }

  const confirm = (requestId: string, code: string, lang = 'en') => send('/opt-out/confirm', { request: requestId, code, lang });

  it('[PRV-01][PRV-03][PRV-10] the form is plain HTML with labelled fields, and a confirmed code publishes ContactOptedOut with keyed hashes', async () => {
    const page = await send('/opt-out');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<label for="email">');
    expect(page.body).toContain('id="email" name="email"');
    expect(page.body).toContain('<form method="post" action="/opt-out"');
    expect(page.body).not.toContain('<script');

    const email = newEmail();
    const { requestId, code, answer } = await requestCode({ email: ` ${email.toUpperCase()} `, phone: '06 12 34 56 78', country: 'FR', profileUrl: 'https://www.LinkedIn.com/in/Jane-Doe/' });
    expect(answer.location).toBe(`/opt-out/confirm?request=${requestId}&lang=en`);
    const stored = await requests().findById(requestId).lean();
    // Neither the identifiers nor the code are stored in clear.
    expect(JSON.stringify(stored)).not.toContain(email);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(stored?.status).toBe('PENDING');

    const codePage = await send(answer.location ?? '');
    expect(codePage.body).toContain('<label for="code">');
    expect(codePage.body).toContain(`name="request" value="${requestId}"`);

    const confirmed = await confirm(requestId, code);
    expect(confirmed).toMatchObject({ status: 303, location: '/opt-out/done?lang=en' });
    const done = await send(confirmed.location ?? '');
    expect(done.body).toContain('Your opt-out is confirmed');

    const [event] = await expectEvents(privacy.infra.bus, 'ContactOptedOut', (data) => data.optOutId === requestId);
    expect(event?.data.identifiers).toEqual([
      { kind: 'EMAIL', hash: identifierHash('EMAIL', email, key()), keyVersion: 1 },
      { kind: 'PHONE', hash: identifierHash('PHONE', '+33612345678', key()), keyVersion: 1 },
      { kind: 'PROFILE_URL', hash: identifierHash('PROFILE_URL', 'linkedin.com/in/jane-doe', key()), keyVersion: 1 },
    ]);
    expect(event?.data.optedOutAt).toBe(clock.now().toISOString());
    // The relay removes the entry just after JetStream acknowledged it: wait for that, not only for the event.
    await eventually(async () => expect(await requests().findById(requestId).lean()).toMatchObject({ status: 'CONFIRMED', confirmedAt: clock.now(), outbox: [] }));

    // The code cannot be used twice: clear message, no second event.
    const reused = await confirm(requestId, code);
    expect(reused.status).toBe(400);
    expect(reused.body).toContain('This code has already been used.');
    expect(await publishedEvents(privacy.infra.bus, 'ContactOptedOut', (data) => data.optOutId === requestId)).toHaveLength(1);

    // PRV-10: the opt-out is in the append-only audit trail, with the kinds of identifiers only.
    const audit = await privacyAuditEntryModel(privacy.infra.connection).find({ subjectId: requestId }).lean();
    expect(audit).toEqual([expect.objectContaining({ action: 'OPT_OUT_CONFIRMED', subjectType: 'OPT_OUT_REQUEST', details: { identifiers: 'EMAIL, PHONE, PROFILE_URL' } })]);
    expect(JSON.stringify(audit)).not.toContain(email);
  });

  it('[PRV-01] the pages and the code mail are in French with ?lang=fr or Accept-Language', async () => {
    const page = await send('/opt-out', undefined, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Adresse e-mail (obligatoire)');
    const email = newEmail();
    const answer = await send('/opt-out', { email, lang: 'fr' });
    expect(answer.location).toMatch(/&lang=fr$/);
    const mail = await mailbox.waitFor(email, /opposition/);
    expect(mail.text).toContain('Votre code de confirmation est');
    const requestId = new URL(answer.location ?? '', privacy.url).searchParams.get('request') ?? '';
    const wrong = await confirm(requestId, '12345x', 'fr');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('Saisissez le code à 6 chiffres reçu par e-mail.');
    const code = /(\d{6})/.exec(mail.text)?.[1] ?? '';
    const done = await confirm(requestId, code, 'fr');
    expect(done.location).toBe('/opt-out/done?lang=fr');
    expect((await send(done.location ?? '')).body).toContain('Votre opposition est confirmée');
  });

  it('[PRV-03] five wrong codes lock the request: even the right code is then refused and nothing is published', async () => {
    const email = newEmail();
    const { requestId, code } = await requestCode({ email });
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const answer = await confirm(requestId, wrongCode);
      expect(answer.status).toBe(400);
      expect(answer.body).toContain(`This code is not correct. ${5 - attempt} attempt(s) left.`);
    }
    const fifth = await confirm(requestId, wrongCode);
    expect(fifth.status).toBe(400);
    expect(fifth.body).toContain('Too many wrong codes (5): this code is locked.');
    const right = await confirm(requestId, code);
    expect(right.status).toBe(400);
    expect(right.body).toContain('this code is locked');
    expect(await requests().findById(requestId).lean()).toMatchObject({ status: 'PENDING', attempts: 5, outbox: [] });
    expect(await publishedEvents(privacy.infra.bus, 'ContactOptedOut', (data) => data.optOutId === requestId)).toEqual([]);
  });

  it('[PRV-03] a code expires after 15 minutes', async () => {
    const { requestId, code } = await requestCode({ email: newEmail() });
    clock.advance(15 * MINUTE_MS + 1000);
    const late = await confirm(requestId, code);
    expect(late.status).toBe(400);
    expect(late.body).toContain('This code has expired. Start again to get a new one.');
    expect(await requests().findById(requestId).lean()).toMatchObject({ status: 'PENDING', outbox: [] });
    expect(await publishedEvents(privacy.infra.bus, 'ContactOptedOut', (data) => data.optOutId === requestId)).toEqual([]);
  });

  it('[PRV-01] the answer never tells whether we hold data: every identifier gets the same pages', async () => {
    // The privacy service never looks the identifier up. One address is known (it opted out already),
    // the other never reached us: both get a 303 to the same code page and the same kind of mail.
    const knownEmail = newEmail();
    const known = await requestCode({ email: knownEmail });
    expect((await confirm(known.requestId, known.code)).status).toBe(303);
    const first = await send('/opt-out', { email: knownEmail });
    const second = await send('/opt-out', { email: newEmail() });
    expect([first.status, second.status]).toEqual([303, 303]);
    const pageOf = async (answer: PageAnswer) => {
      const requestId = new URL(answer.location ?? '', privacy.url).searchParams.get('request') ?? '';
      return (await send(answer.location ?? '')).body.replace(requestId, 'REQUEST');
    };
    expect(await pageOf(first)).toBe(await pageOf(second));
    // A forged request id gets the generic message, nothing is created.
    const before = await requests().countDocuments();
    const forged = await confirm('forged-request-id', '123456');
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('This link or code is not valid. Start again.');
    expect(await requests().countDocuments()).toBe(before);
  });

  it('[PRV-01] requests are rate-limited per identifier: HTTP 429 with the message on the page', async () => {
    const email = newEmail();
    for (let index = 0; index < 3; index += 1) expect((await send('/opt-out', { email })).status).toBe(303);
    const before = await requests().countDocuments();
    const limited = await send('/opt-out', { email: email.toUpperCase() });
    expect(limited.status).toBe(429);
    expect(limited.body).toContain('Too many requests. Please wait a while and try again.');
    expect(await requests().countDocuments()).toBe(before);
  });

  it('[PRV-01] malformed e-mail, phone or profile URL: 400 with the message tied to the field, nothing written or mailed', async () => {
    const before = await requests().countDocuments();
    const bad = await send('/opt-out', { email: 'not-an-email<script>', phone: '12', country: '', profileUrl: 'https://example.com/jane' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<p class="error" id="email-error">Enter an e-mail address like name@example.com.</p>');
    expect(bad.body).toContain('aria-describedby="email-error"');
    expect(bad.body).toContain('id="phone-error"');
    expect(bad.body).toContain('id="profileUrl-error"');
    // What the person typed is given back, escaped.
    expect(bad.body).toContain('value="not-an-email&lt;script&gt;"');
    expect(bad.body).not.toContain('<script>');
    const missing = await send('/opt-out', { email: '', profileUrl: 'linkedin.com/in/jane' });
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('Enter your e-mail address.');
    expect(await requests().countDocuments()).toBe(before);
    expect(await mailbox.list('not-an-email<script>')).toEqual([]);
  });

  // Last: it spends this IP's hourly budget.
  it('[PRV-01] requests are rate-limited per IP as well (20 an hour): HTTP 429 on the page', async () => {
    let answer: PageAnswer | null = null;
    for (let index = 0; index <= 20; index += 1) {
      answer = await send('/opt-out', { email: newEmail(), lang: 'fr' });
      if (answer.status !== 303) break;
    }
    expect(answer?.status).toBe(429);
    expect(answer?.body).toContain('Trop de demandes. Patientez un moment puis réessayez.');
  });
});
