import { MAX_CORRECTION_LENGTH, MAX_DIRECTIVE_LENGTH, rectificationFieldSchema, type DataSubjectRight } from '@leadgraph/events';
import { pageTexts } from '../opt-out/opt-out.pages';
import { PHONE_COUNTRIES, type Language } from '../opt-out/opt-out.service';
import { errorSummary, escapeHtml, field, inputAttributes, publicPageLayout } from '../public-pages/public-page.layout';
import { DSR_CODE_TTL_MS, DSR_MAX_CODE_ATTEMPTS, type RequestFieldError, type RequestFormErrors } from './data-subject-request.service';

/** The public data-subject request pages (PRV-02, PRV-03): EN/FR, no script. */
export interface RequestPageForm {
  right: string;
  email: string;
  phone: string;
  country: string;
  profileUrl: string;
  correctionField: string;
  correctionValue: string;
  directive: string;
}

const rightOrder: DataSubjectRight[] = ['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'CONSENT_WITHDRAWAL', 'POST_MORTEM_DIRECTIVE'];
const minutes = DSR_CODE_TTL_MS / 60_000;

const texts = {
  en: {
    title: 'Exercise your privacy rights',
    intro: 'Ask leadgraph for a copy of your data, to correct or erase it, or to limit or object to its use. It is free and needs no account. We send a one-time code to the e-mail address you give; nothing happens until you enter it. We answer within one month.',
    rightLegend: 'What do you want to do?',
    rights: {
      ACCESS: 'Get a copy of my data and how it is used',
      PORTABILITY: 'Get my data in a machine-readable file',
      RECTIFICATION: 'Correct my data',
      ERASURE: 'Erase my data',
      RESTRICTION: 'Restrict the use of my data',
      OBJECTION: 'Object to the use of my data (including direct marketing)',
      CONSENT_WITHDRAWAL: 'Withdraw my consent',
      POST_MORTEM_DIRECTIVE: 'Give directives about my data after my death (French residents)',
    } satisfies Record<DataSubjectRight, string>,
    email: 'E-mail address (required; the code is sent there)',
    phone: 'Phone number to include (optional)',
    country: 'Country of a national phone number',
    noCountry: 'International number (+…)',
    profileUrl: 'LinkedIn profile URL to include (optional)',
    correctionField: 'For a correction: what to correct',
    correctionFields: { FULL_NAME: 'Full name', JOB_TITLE: 'Job title', COMPANY_NAME: 'Company', LOCATION: 'Location' },
    noCorrection: 'Nothing to correct',
    correctionValue: 'For a correction: the right value',
    directive: 'For directives after death: your directives',
    send: 'Send me a code',
    checkTitle: 'Enter your code',
    checkIntro: `If the address is valid, a 6-digit code is on its way to it. It expires in ${minutes} minutes.`,
    code: 'One-time code (6 digits)',
    confirm: 'Confirm my request',
    restart: 'Start again',
    doneTitle: 'Your request is confirmed',
    done: (dueAt: string) => `Your request is confirmed and is being carried out. We will answer by e-mail by ${dueAt} at the latest.`,
    goneTitle: 'This link no longer works',
    gone: { UNKNOWN: 'This download link is not valid.', USED: 'This download link was already used: it works only once.', EXPIRED: 'This download link has expired.' },
    errorSummary: 'There is a problem',
    rateLimited: 'Too many requests. Please wait a while and try again.',
    attemptsLeft: (left: number) => `${left} attempt(s) left.`,
    errors: {
      // The identifier and code messages are the opt-out page's; only these differ.
      ...pageTexts('en').errors,
      CODE_LOCKED: `Too many wrong codes (${DSR_MAX_CODE_ATTEMPTS}): this code is locked. Start again to get a new one.`,
      CODE_USED: 'This request is already confirmed.',
      RIGHT_UNKNOWN: 'Choose what you want to do.',
      CORRECTIONS_REQUIRED: 'For a correction, choose what to correct and give the right value.',
      CORRECTION_FIELD_INVALID: 'Choose what to correct from the list.',
      CORRECTION_VALUE_INVALID: `Give the right value (at most ${MAX_CORRECTION_LENGTH} characters).`,
      DIRECTIVE_REQUIRED: 'Write your directives.',
      DIRECTIVE_TOO_LONG: `Your directives are too long (at most ${MAX_DIRECTIVE_LENGTH} characters).`,
      VISITOR_ID_INVALID: 'Your browser sent an invalid visitor id.',
    } satisfies Record<RequestFieldError, string>,
  },
  fr: {
    title: 'Exercer vos droits sur vos données',
    intro: "Demandez à leadgraph une copie de vos données, leur rectification ou leur effacement, ou la limitation de leur usage ou votre opposition. C'est gratuit et sans compte. Nous envoyons un code à usage unique à l'adresse e-mail indiquée ; rien n'est fait avant que vous le saisissiez. Nous répondons sous un mois.",
    rightLegend: 'Que souhaitez-vous faire ?',
    rights: {
      ACCESS: "Obtenir une copie de mes données et savoir comment elles sont utilisées",
      PORTABILITY: 'Recevoir mes données dans un fichier lisible par une machine',
      RECTIFICATION: 'Rectifier mes données',
      ERASURE: 'Effacer mes données',
      RESTRICTION: "Limiter l'utilisation de mes données",
      OBJECTION: "M'opposer à l'utilisation de mes données (y compris la prospection)",
      CONSENT_WITHDRAWAL: 'Retirer mon consentement',
      POST_MORTEM_DIRECTIVE: 'Donner des directives sur mes données après mon décès',
    } satisfies Record<DataSubjectRight, string>,
    email: 'Adresse e-mail (obligatoire ; le code y est envoyé)',
    phone: 'Numéro de téléphone à inclure (facultatif)',
    country: "Pays d'un numéro national",
    noCountry: 'Numéro international (+…)',
    profileUrl: 'URL de profil LinkedIn à inclure (facultatif)',
    correctionField: 'Pour une rectification : quoi corriger',
    correctionFields: { FULL_NAME: 'Nom complet', JOB_TITLE: 'Poste', COMPANY_NAME: 'Entreprise', LOCATION: 'Localisation' },
    noCorrection: 'Rien à corriger',
    correctionValue: 'Pour une rectification : la bonne valeur',
    directive: 'Pour des directives après décès : vos directives',
    send: 'Recevoir un code',
    checkTitle: 'Saisissez votre code',
    checkIntro: `Si l'adresse est valide, un code à 6 chiffres lui a été envoyé. Il expire dans ${minutes} minutes.`,
    code: 'Code à usage unique (6 chiffres)',
    confirm: 'Confirmer ma demande',
    restart: 'Recommencer',
    doneTitle: 'Votre demande est confirmée',
    done: (dueAt: string) => `Votre demande est confirmée et en cours de traitement. Nous vous répondrons par e-mail au plus tard le ${dueAt}.`,
    goneTitle: 'Ce lien ne fonctionne plus',
    gone: { UNKNOWN: "Ce lien de téléchargement n'est pas valide.", USED: "Ce lien a déjà été utilisé : il ne fonctionne qu'une fois.", EXPIRED: 'Ce lien de téléchargement a expiré.' },
    errorSummary: 'Il y a un problème',
    rateLimited: 'Trop de demandes. Patientez un moment puis réessayez.',
    attemptsLeft: (left: number) => `Encore ${left} essai(s).`,
    errors: {
      ...pageTexts('fr').errors,
      CODE_LOCKED: `Trop de codes erronés (${DSR_MAX_CODE_ATTEMPTS}) : ce code est bloqué. Recommencez pour en recevoir un nouveau.`,
      CODE_USED: 'Cette demande est déjà confirmée.',
      RIGHT_UNKNOWN: 'Choisissez ce que vous souhaitez faire.',
      CORRECTIONS_REQUIRED: 'Pour une rectification, choisissez quoi corriger et indiquez la bonne valeur.',
      CORRECTION_FIELD_INVALID: 'Choisissez quoi corriger dans la liste.',
      CORRECTION_VALUE_INVALID: `Indiquez la bonne valeur (${MAX_CORRECTION_LENGTH} caractères au plus).`,
      DIRECTIVE_REQUIRED: 'Rédigez vos directives.',
      DIRECTIVE_TOO_LONG: `Vos directives sont trop longues (${MAX_DIRECTIVE_LENGTH} caractères au plus).`,
      VISITOR_ID_INVALID: "Votre navigateur a envoyé un identifiant de visiteur invalide.",
    } satisfies Record<RequestFieldError, string>,
  },
};

export function requestPageTexts(language: Language) {
  return texts[language];
}

const PATH = '/privacy-request';

export function requestFormPage(language: Language, form: RequestPageForm, errors: RequestFormErrors = {}, notice?: string): string {
  const t = texts[language];
  const message = (name: keyof RequestFormErrors) => {
    const key = errors[name];
    return key ? t.errors[key] : undefined;
  };
  const messages = (['right', 'email', 'phone', 'country', 'profileUrl', 'corrections', 'directive'] as const).map(message).filter((text): text is string => text !== undefined);
  if (notice) messages.unshift(notice);
  const rightError = message('right');
  const radios = rightOrder
    .map(
      (right) =>
        `<div><input type="radio" id="right-${right}" name="right" value="${right}"${form.right === right ? ' checked' : ''}${rightError ? ' aria-describedby="right-error"' : ''}><label class="inline" for="right-${right}">${escapeHtml(t.rights[right])}</label></div>`,
    )
    .join('\n');
  const countries = PHONE_COUNTRIES.map((code) => `<option value="${code}"${form.country.toUpperCase() === code ? ' selected' : ''}>${code}</option>`).join('');
  const corrections = rectificationFieldSchema.options
    .map((name) => `<option value="${name}"${form.correctionField === name ? ' selected' : ''}>${escapeHtml(t.correctionFields[name])}</option>`)
    .join('');
  return publicPageLayout(
    PATH,
    language,
    t.title,
    `${errorSummary(t.errorSummary, messages)}
<p>${escapeHtml(t.intro)}</p>
<form method="post" action="${PATH}" novalidate>
<input type="hidden" name="lang" value="${language}">
<fieldset>
<legend>${escapeHtml(t.rightLegend)}</legend>
${radios}
${rightError ? `<p class="error" id="right-error">${escapeHtml(rightError)}</p>` : ''}
</fieldset>
${field('email', t.email, `<input type="email" ${inputAttributes('email', message('email'))} autocomplete="email" required value="${escapeHtml(form.email)}">`, message('email'))}
${field('phone', t.phone, `<input type="tel" ${inputAttributes('phone', message('phone'))} autocomplete="tel" value="${escapeHtml(form.phone)}">`, message('phone'))}
${field('country', t.country, `<select ${inputAttributes('country', message('country'))}><option value="">${escapeHtml(t.noCountry)}</option>${countries}</select>`, message('country'))}
${field('profileUrl', t.profileUrl, `<input type="url" ${inputAttributes('profileUrl', message('profileUrl'))} value="${escapeHtml(form.profileUrl)}">`, message('profileUrl'))}
${field('correctionField', t.correctionField, `<select ${inputAttributes('correctionField', message('corrections'))}><option value="">${escapeHtml(t.noCorrection)}</option>${corrections}</select>`, undefined)}
${field('correctionValue', t.correctionValue, `<input type="text" ${inputAttributes('correctionValue', message('corrections'))} maxlength="${MAX_CORRECTION_LENGTH}" value="${escapeHtml(form.correctionValue)}">`, message('corrections'))}
${field('directive', t.directive, `<textarea ${inputAttributes('directive', message('directive'))} rows="4" maxlength="${MAX_DIRECTIVE_LENGTH}">${escapeHtml(form.directive)}</textarea>`, message('directive'))}
<button type="submit">${escapeHtml(t.send)}</button>
</form>`,
  );
}

export function requestCodePage(language: Language, requestId: string, error?: string): string {
  const t = texts[language];
  return publicPageLayout(
    PATH,
    language,
    t.checkTitle,
    `${errorSummary(t.errorSummary, error ? [error] : [])}
<p>${escapeHtml(t.checkIntro)}</p>
<form method="post" action="${PATH}/confirm" novalidate>
<input type="hidden" name="lang" value="${language}">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
${field('code', t.code, `<input type="text" ${inputAttributes('code', error)} inputmode="numeric" autocomplete="one-time-code" required>`, error)}
<button type="submit">${escapeHtml(t.confirm)}</button>
</form>
<p><a href="${PATH}?lang=${language}">${escapeHtml(t.restart)}</a></p>`,
  );
}

export function requestDonePage(language: Language, dueAt: Date): string {
  const t = texts[language];
  return publicPageLayout(PATH, language, t.doneTitle, `<p role="status">${escapeHtml(t.done(dueAt.toISOString().slice(0, 10)))}</p>`);
}

export function exportGonePage(language: Language, reason: 'UNKNOWN' | 'USED' | 'EXPIRED'): string {
  const t = texts[language];
  return publicPageLayout(PATH, language, t.goneTitle, `<p role="alert">${escapeHtml(t.gone[reason])}</p><p><a href="${PATH}?lang=${language}">${escapeHtml(t.restart)}</a></p>`);
}
