import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEV_SUPPRESSION_KEY, REPO_ROOT, identifierHash, type EventBus } from '@leadgraph/platform';
import { connectTestBus, eventually, expectEvents, publishedEvents, testInfra, testMailbox, uniqueName } from '@leadgraph/platform/src/testing';
import { gatewayClient, startTestStack, type TestStack } from './test-stack';

/**
 * The public opt-out page (PRV-01) in a real headless Chromium, against the five real subgraphs:
 * a person whose profile is searchable opens /opt-out, types their e-mail, types the code mailed
 * to them, and is then gone from search and from reveals (CON-08). Debian's chromium, driven by
 * playwright-core (which never downloads a browser); scripts/setup.sh installs it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('opt-out page in a real browser (headless Chromium)', () => {
  let stack: TestStack;
  let bus: EventBus;
  let browser: Browser;
  let dir: string;
  const mailbox = testMailbox();
  const domain = `${uniqueName('optout').replace('_', '-')}.example`;
  const staffEmail = `ops@${domain}`;
  const personEmail = `jane.browser@${domain}`;
  const person = {
    name: 'Jane Browserfixture',
    jobTitle: 'Head of Procurement',
    company: 'Browser Works',
    country: 'FR',
    city: 'Nantes',
    skills: ['Procurement'],
    professionalEmails: [personEmail],
    phones: ['01 99 00 43 43'],
  };
  const colleague = { name: 'John Browserfixture', company: person.company, country: 'FR', professionalEmails: [`john.browser@${domain}`] };

  beforeAll(async () => {
    stack = await startTestStack(undefined, { accountsEnv: { BOOTSTRAP_SUPER_ADMIN_EMAIL: staffEmail } });
    bus = await connectTestBus('opt-out-chromium-e2e', stack.natsUrl);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opt-out-chromium-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-extensions', '--no-first-run', '--mute-audio'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await bus?.close();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const { gql, signUpAndLogin, codeIn } = gatewayClient({ get gateway() { return stack.gateway; } });
  /** The privacy service serves the public pages next to its /graphql endpoint. */
  const pageUrl = (pathAndQuery: string) => new URL(pathAndQuery, stack.services.privacy!.url).toString();

  async function importContacts(rows: unknown[]): Promise<string> {
    const file = path.join(dir, `${uniqueName('rows')}.ndjson`);
    fs.writeFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    const { stdout } = await promisify(execFile)('node', ['-r', '@swc-node/register', 'services/contacts/src/import-cli.ts', file, '--source', 'PARTNER:browser-e2e'], {
      cwd: REPO_ROOT,
      env: { ...process.env, MONGO_URL: testInfra().mongoUrl, MONGO_DB: stack.services.contacts!.infra.connection.name, LOG_LEVEL: 'silent' },
    });
    return stdout;
  }

  const search = (token: string) =>
    gql<{ searchContacts: { edges: Array<{ node: { id: string; name: string } }> } }>(
      'query($f: ContactSearchFilter!) { searchContacts(filter: $f) { edges { node { id name } } } }',
      { f: { company: person.company } },
      token,
    );

  /** A browser context of its own per visitor: no cookies or history shared between journeys. */
  async function visitor(locale = 'en-GB'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, javaScriptEnabled: false });
    return { context, page: await context.newPage() };
  }

  /** Fills the request form with the keyboard only (Tab order from the e-mail field) and submits it. */
  async function requestCode(page: Page, email: string, labels: { email: string; send: string }): Promise<string> {
    const field = page.getByLabel(labels.email);
    await field.focus();
    await page.keyboard.type(email);
    // Tab through phone, country and profile URL to the submit button, in document order.
    for (let step = 0; step < 4; step += 1) await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe(labels.send);
    await Promise.all([page.waitForURL(/\/opt-out\/confirm\?/), page.keyboard.press('Enter')]);
    return new URL(page.url()).searchParams.get('request') ?? '';
  }

  async function typeCode(page: Page, code: string, labels: { code: string; confirm: string }): Promise<void> {
    await page.getByLabel(labels.code).focus();
    await page.keyboard.type(code);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe(labels.confirm);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  /** The mailed code, once the mail to `email` arrived through the SMTP sink. */
  const mailedCode = async (email: string, subject: RegExp) => codeIn((await mailbox.waitFor(email, subject, 15_000)).text);

  it('[PRV-01][CON-08] a person opts out through the page in Chromium (labelled fields, keyboard, mailed code), then is gone from search, reveals and re-imports', async () => {
    expect(fs.existsSync(CHROMIUM)).toBe(true);
    expect(await importContacts([person, colleague])).toMatch(/inserted:\s+2/);
    const staff = await signUpAndLogin(staffEmail);
    const user = await signUpAndLogin(`sam@${domain}`);
    expect(staff.userId).not.toBe(user.userId);
    const before = await search(user.accessToken);
    expect(before.errors).toBeUndefined();
    const contactId = before.data?.searchContacts.edges.find((edge) => edge.node.name === person.name)?.node.id;
    expect(contactId).toBeDefined();

    const { context, page } = await visitor();
    const response = await page.goto(pageUrl('/opt-out'));
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Opt out of leadgraph');
    // Accessibility: every visible input and select has a <label for> naming it.
    const controls = await page.locator('form input:not([type=hidden]), form select').evaluateAll((elements) => elements.map((element) => element.id));
    expect(controls).toEqual(['email', 'phone', 'country', 'profileUrl']);
    for (const id of controls) expect(await page.locator(`label[for="${id}"]`).count()).toBe(1);
    await expect(page.getByLabel('E-mail address (required)').getAttribute('type')).resolves.toBe('email');
    await expect(page.getByLabel(/^Phone number \(optional/).getAttribute('type')).resolves.toBe('tel');
    await expect(page.getByLabel('Country of a national phone number').evaluate((element) => element.tagName)).resolves.toBe('SELECT');
    await expect(page.getByLabel(/^LinkedIn profile URL/).getAttribute('type')).resolves.toBe('url');
    expect(await page.locator('script').count()).toBe(0);

    const requestId = await requestCode(page, personEmail, { email: 'E-mail address (required)', send: 'Send me a code' });
    expect(requestId).not.toBe('');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Enter your code');
    const code = await mailedCode(personEmail, /opt-out/i);
    await typeCode(page, code, { code: 'One-time code (6 digits)', confirm: 'Confirm my opt-out' });
    expect(new URL(page.url()).pathname).toBe('/opt-out/done');
    expect(await page.getByRole('status').textContent()).toContain('Your opt-out is confirmed.');
    await context.close();

    // Privacy published the keyed hash of the e-mail, never the e-mail itself.
    const [event] = await expectEvents(bus, 'ContactOptedOut', (data) => data.optOutId === requestId);
    expect(event?.data.identifiers).toEqual([{ kind: 'EMAIL', hash: identifierHash('EMAIL', personEmail, { secret: DEV_SUPPRESSION_KEY, version: 1 }), keyVersion: 1 }]);
    expect(JSON.stringify(event)).not.toContain(personEmail);

    // CON-08: contacts consumed it; the person is gone from search, the colleague is not.
    await eventually(async () => {
      const after = await search(user.accessToken);
      expect(after.errors).toBeUndefined();
      expect(after.data?.searchContacts.edges.map((edge) => edge.node.name)).toEqual([colleague.name]);
    }, 15_000);
    const reveal = await gql('mutation($id: ID!, $key: String!) { revealContact(contactId: $id, fields: [PHONE], idempotencyKey: $key) { creditsCharged } }', { id: contactId, key: uniqueName('reveal') }, user.accessToken);
    expect(reveal.data).toBeNull();
    expect(reveal.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // ... and never ingested again from a source that still has them.
    expect(await importContacts([person])).toMatch(/skipped \(suppressed\):\s+1/);
    expect((await search(user.accessToken)).data?.searchContacts.edges.map((edge) => edge.node.name)).toEqual([colleague.name]);
  });

  it('[PRV-01] the French page is in French, and a wrong code shows an error without confirming anything', async () => {
    const { context, page } = await visitor('fr-FR');
    await page.goto(pageUrl('/opt-out?lang=fr'));
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe("S'opposer au traitement par leadgraph");
    const email = `${uniqueName('marie')}@${domain}`;
    const requestId = await requestCode(page, email, { email: 'Adresse e-mail (obligatoire)', send: 'Recevoir un code' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Saisissez votre code');
    const code = await mailedCode(email, /opposition/i);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    await typeCode(page, wrong, { code: 'Code à usage unique (6 chiffres)', confirm: 'Confirmer mon opposition' });
    expect(new URL(page.url()).pathname).toBe('/opt-out/confirm');
    expect(await page.getByRole('alert').textContent()).toContain("Ce code n'est pas correct.");
    const codeField = page.getByLabel('Code à usage unique (6 chiffres)');
    await expect(codeField.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(codeField.getAttribute('aria-describedby')).resolves.toBe('code-error');
    expect(await page.locator('#code-error').textContent()).toContain("Ce code n'est pas correct.");
    expect(await page.getByRole('status').count()).toBe(0);
    await context.close();
    // The request stays unconfirmed: nothing was published for it.
    expect(await publishedEvents(bus, 'ContactOptedOut', (data) => data.optOutId === requestId)).toEqual([]);
  });

  it('[PRV-01] an e-mail we hold no profile for gets the same pages and the same mail as a known one (no disclosure)', async () => {
    // A second known person (the first one has opted out already).
    const knownEmail = `paul.browser@${domain}`;
    expect(await importContacts([{ name: 'Paul Browserfixture', company: person.company, country: 'FR', professionalEmails: [knownEmail] }])).toMatch(/inserted:\s+1/);
    const unknownEmail = `${uniqueName('nobody')}@${domain}`;

    const journey = async (email: string) => {
      const { context, page } = await visitor();
      const first = await page.goto(pageUrl('/opt-out'));
      const requestId = await requestCode(page, email, { email: 'E-mail address (required)', send: 'Send me a code' });
      const html = (await page.content()).replaceAll(requestId, '<request>');
      const mail = await mailbox.waitFor(email, /opt-out/i, 15_000);
      await context.close();
      return {
        status: first?.status(),
        html,
        subject: mail.subject,
        text: mail.text.replace(codeIn(mail.text), '<code>').replaceAll(email, '<email>'),
        requestIdShape: /^[0-9a-f-]{36}$/.test(requestId),
      };
    };
    const known = await journey(knownEmail);
    const unknown = await journey(unknownEmail);
    expect(known.requestIdShape).toBe(true);
    expect(unknown).toEqual(known);
  });
});
