import { errorSummary, escapeHtml, field, inputAttributes, publicPageLayout } from '../public-pages/public-page.layout';

export { escapeHtml };
import { OPT_OUT_CODE_TTL_MS, OPT_OUT_MAX_ATTEMPTS, PHONE_COUNTRIES, type FieldError, type Language, type OptOutForm } from './opt-out.service';

const minutes = OPT_OUT_CODE_TTL_MS / 60_000;

const texts = {
  en: {
    title: 'Opt out of leadgraph',
    intro:
      'Ask us to stop processing your professional contact details. It is free and needs no account. We send a one-time code to the e-mail address you give, to check that it is yours.',
    phoneNote:
      'To opt out a phone number or a LinkedIn profile URL, give an e-mail address you control as well: the code is sent there, and the phone number and profile URL are opted out with it.',
    email: 'E-mail address (required)',
    phone: 'Phone number (optional, international format like +33 6 12 34 56 78, or national with a country)',
    country: 'Country of a national phone number',
    noCountry: 'International number (+…)',
    profileUrl: 'LinkedIn profile URL (optional, like https://www.linkedin.com/in/your-name)',
    send: 'Send me a code',
    checkTitle: 'Enter your code',
    checkIntro: `If the address is valid, a 6-digit code is on its way to it. It expires in ${minutes} minutes.`,
    code: 'One-time code (6 digits)',
    confirm: 'Confirm my opt-out',
    restart: 'Start again',
    doneTitle: 'Your opt-out is confirmed',
    done: 'Your opt-out is confirmed. The identifiers you gave will no longer be processed or shown to our customers; this takes effect within minutes.',
    errorSummary: 'There is a problem',
    rateLimited: 'Too many requests. Please wait a while and try again.',
    attemptsLeft: (left: number) => `${left} attempt(s) left.`,
    errors: {
      EMAIL_REQUIRED: 'Enter your e-mail address.',
      EMAIL_INVALID: 'Enter an e-mail address like name@example.com.',
      PHONE_INVALID: 'Enter a valid phone number: international format (+33…) or choose its country.',
      COUNTRY_INVALID: 'Choose a country from the list.',
      PROFILE_URL_INVALID: 'Enter a LinkedIn profile URL like https://www.linkedin.com/in/your-name.',
      CODE_FORMAT: 'Enter the 6-digit code from the e-mail.',
      CODE_INVALID: 'This code is not correct.',
      CODE_EXPIRED: 'This code has expired. Start again to get a new one.',
      CODE_LOCKED: `Too many wrong codes (${OPT_OUT_MAX_ATTEMPTS}): this code is locked. Start again to get a new one.`,
      CODE_USED: 'This code has already been used.',
      REQUEST_UNKNOWN: 'This link or code is not valid. Start again.',
    } satisfies Record<FieldError, string>,
  },
  fr: {
    title: "S'opposer au traitement par leadgraph",
    intro:
      "Demandez-nous de ne plus traiter vos coordonnées professionnelles. C'est gratuit et sans compte. Nous envoyons un code à usage unique à l'adresse e-mail indiquée, pour vérifier qu'elle vous appartient.",
    phoneNote:
      "Pour un numéro de téléphone ou une URL de profil LinkedIn, indiquez aussi une adresse e-mail que vous contrôlez : le code y est envoyé, et le numéro et l'URL sont traités avec elle.",
    email: 'Adresse e-mail (obligatoire)',
    phone: 'Numéro de téléphone (facultatif, format international comme +33 6 12 34 56 78, ou national avec un pays)',
    country: "Pays d'un numéro national",
    noCountry: 'Numéro international (+…)',
    profileUrl: 'URL de profil LinkedIn (facultatif, comme https://www.linkedin.com/in/votre-nom)',
    send: 'Recevoir un code',
    checkTitle: 'Saisissez votre code',
    checkIntro: `Si l'adresse est valide, un code à 6 chiffres lui a été envoyé. Il expire dans ${minutes} minutes.`,
    code: 'Code à usage unique (6 chiffres)',
    confirm: 'Confirmer mon opposition',
    restart: 'Recommencer',
    doneTitle: 'Votre opposition est confirmée',
    done: "Votre opposition est confirmée. Les identifiants indiqués ne seront plus traités ni montrés à nos clients ; cela prend effet en quelques minutes.",
    errorSummary: 'Il y a un problème',
    rateLimited: 'Trop de demandes. Patientez un moment puis réessayez.',
    attemptsLeft: (left: number) => `Encore ${left} essai(s).`,
    errors: {
      EMAIL_REQUIRED: 'Saisissez votre adresse e-mail.',
      EMAIL_INVALID: 'Saisissez une adresse e-mail comme nom@exemple.fr.',
      PHONE_INVALID: 'Saisissez un numéro valide : format international (+33…) ou choisissez son pays.',
      COUNTRY_INVALID: 'Choisissez un pays dans la liste.',
      PROFILE_URL_INVALID: 'Saisissez une URL de profil LinkedIn comme https://www.linkedin.com/in/votre-nom.',
      CODE_FORMAT: "Saisissez le code à 6 chiffres reçu par e-mail.",
      CODE_INVALID: "Ce code n'est pas correct.",
      CODE_EXPIRED: 'Ce code a expiré. Recommencez pour en recevoir un nouveau.',
      CODE_LOCKED: `Trop de codes erronés (${OPT_OUT_MAX_ATTEMPTS}) : ce code est bloqué. Recommencez pour en recevoir un nouveau.`,
      CODE_USED: 'Ce code a déjà été utilisé.',
      REQUEST_UNKNOWN: "Ce lien ou ce code n'est pas valide. Recommencez.",
    } satisfies Record<FieldError, string>,
  },
};

export function pageTexts(language: Language) {
  return texts[language];
}

export function requestPage(
  language: Language,
  form: OptOutForm,
  errors: Partial<Record<keyof OptOutForm, FieldError>> = {},
  notice?: string,
): string {
  const t = pageTexts(language);
  const message = (name: keyof OptOutForm) => (errors[name] ? t.errors[errors[name]] : undefined);
  const messages = (['email', 'phone', 'country', 'profileUrl'] as const).map(message).filter((text): text is string => text !== undefined);
  if (notice) messages.unshift(notice);
  const countries = PHONE_COUNTRIES.map(
    (code) => `<option value="${code}"${form.country.toUpperCase() === code ? ' selected' : ''}>${code}</option>`,
  ).join('');
  return publicPageLayout(
    '/opt-out',
    language,
    t.title,
    `${errorSummary(t.errorSummary, messages)}
<p>${escapeHtml(t.intro)}</p>
<p>${escapeHtml(t.phoneNote)}</p>
<form method="post" action="/opt-out" novalidate>
<input type="hidden" name="lang" value="${language}">
${field('email', t.email, `<input type="email" ${inputAttributes('email', message('email'))} autocomplete="email" required value="${escapeHtml(form.email)}">`, message('email'))}
${field('phone', t.phone, `<input type="tel" ${inputAttributes('phone', message('phone'))} autocomplete="tel" value="${escapeHtml(form.phone)}">`, message('phone'))}
${field('country', t.country, `<select ${inputAttributes('country', message('country'))}><option value="">${escapeHtml(t.noCountry)}</option>${countries}</select>`, message('country'))}
${field('profileUrl', t.profileUrl, `<input type="url" ${inputAttributes('profileUrl', message('profileUrl'))} value="${escapeHtml(form.profileUrl)}">`, message('profileUrl'))}
<button type="submit">${escapeHtml(t.send)}</button>
</form>`,
  );
}

export function codePage(language: Language, requestId: string, error?: string): string {
  const t = pageTexts(language);
  return publicPageLayout(
    '/opt-out',
    language,
    t.checkTitle,
    `${errorSummary(t.errorSummary, error ? [error] : [])}
<p>${escapeHtml(t.checkIntro)}</p>
<form method="post" action="/opt-out/confirm" novalidate>
<input type="hidden" name="lang" value="${language}">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
${field('code', t.code, `<input type="text" ${inputAttributes('code', error)} inputmode="numeric" autocomplete="one-time-code" required>`, error)}
<button type="submit">${escapeHtml(t.confirm)}</button>
</form>
<p><a href="/opt-out?lang=${language}">${escapeHtml(t.restart)}</a></p>`,
  );
}

export function donePage(language: Language): string {
  const t = pageTexts(language);
  return publicPageLayout('/opt-out', language, t.doneTitle, `<p role="status">${escapeHtml(t.done)}</p>`);
}
