import { z } from 'zod';
import { MINUTE_MS } from '@leadgraph/platform';
import type { OneTimeCode } from '../users/user.model';
import freeMailDomains from './free-mail-domains.json';

/** Sign-up, e-mail verification and password rules (ACC-01, ACC-03). Pure: no I/O, no clock. */

// ---------------------------------------------------------------------------------------------
// Business e-mail only (ACC-01). The list of free-mail providers is data: free-mail-domains.json.
// ---------------------------------------------------------------------------------------------

export const freeMailDomainPatterns: readonly string[] = freeMailDomains.patterns;

export function emailDomainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return (at >= 0 ? email.slice(at + 1) : email).trim().toLowerCase().replace(/\.$/, '');
}

/** `com`, `fr`, `co.uk`, `com.br`: a top-level domain, or a country code under a short second level. */
function looksLikePublicSuffix(labels: string[]): boolean {
  if (labels.length === 1) return /^[a-z]{2,}$/.test(labels[0] ?? '');
  if (labels.length === 2) return /^[a-z]{2,3}$/.test(labels[0] ?? '') && /^[a-z]{2}$/.test(labels[1] ?? '');
  return false;
}

/**
 * `gmail.com` matches that domain and its subdomains; `yahoo.*` matches `yahoo` under a public
 * suffix (`yahoo.fr`, `yahoo.co.uk`, `mail.yahoo.com.br`) but not a company domain that merely
 * contains the word (`yahoo-partners.com`, `live.acme.com`).
 */
export function domainMatchesPattern(domain: string, pattern: string): boolean {
  const normalisedPattern = pattern.trim().toLowerCase();
  if (normalisedPattern.endsWith('.*')) {
    const base = normalisedPattern.slice(0, -2);
    const labels = domain.split('.');
    const index = labels.lastIndexOf(base);
    return index >= 0 && looksLikePublicSuffix(labels.slice(index + 1));
  }
  return domain === normalisedPattern || domain.endsWith(`.${normalisedPattern}`);
}

export function isFreeMailDomain(domain: string, patterns: readonly string[] = freeMailDomainPatterns): boolean {
  return patterns.some((pattern) => domainMatchesPattern(domain.toLowerCase(), pattern));
}

export function isBusinessEmail(email: string, patterns: readonly string[] = freeMailDomainPatterns): boolean {
  return !isFreeMailDomain(emailDomainOf(email), patterns);
}

// ---------------------------------------------------------------------------------------------
// Passwords (ACC-03): length over composition (NIST SP 800-63B), and nothing trivially guessable.
// ---------------------------------------------------------------------------------------------

export const PASSWORD_MIN_LENGTH = 12;
/** argon2 accepts more, but a bound keeps hashing cost predictable. */
export const PASSWORD_MAX_LENGTH = 128;

/** Null when acceptable; otherwise what is wrong, phrased for the user. */
export function passwordProblem(password: string, context: { email: string; displayName?: string | null }): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  if (new Set(password).size < 4) return 'must contain at least 4 different characters';
  const lowered = password.toLowerCase();
  const localPart = context.email.split('@')[0]?.toLowerCase() ?? '';
  if (localPart.length >= 4 && lowered.includes(localPart)) return 'must not contain your e-mail address';
  const name = context.displayName?.trim().toLowerCase() ?? '';
  if (name.length >= 4 && lowered.includes(name)) return 'must not contain your name';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { message: 'must be at most 254 characters' })
  .pipe(z.email({ message: 'must be a valid e-mail address' }));

export const languageSchema = z.enum(['en', 'fr']);
export type Language = z.infer<typeof languageSchema>;

const versionSchema = z.string().trim().min(1, { message: 'is required' }).max(32, { message: 'is too long' });

export const signUpInputSchema = z.object({
  email: emailSchema,
  password: z.string(),
  displayName: z
    .string()
    .trim()
    .min(1, { message: 'is required' })
    .max(100, { message: 'must be at most 100 characters' })
    .refine((name) => !/[<>\u0000-\u001f]/.test(name), { message: 'contains characters that are not allowed' }),
  termsVersion: versionSchema,
  privacyPolicyVersion: versionSchema,
  language: languageSchema,
  marketingEmails: z.boolean().default(false),
});
export type SignUpInput = z.infer<typeof signUpInputSchema>;

export const VERIFICATION_CODE_PATTERN = /^\d{6}$/;

export const verifyEmailInputSchema = z.object({
  email: emailSchema,
  // The format is not checked here: a malformed code gets the same answer as a wrong one.
  code: z.string().trim().max(32, { message: 'is too long' }),
});

export const loginInputSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, { message: 'is required' }).max(PASSWORD_MAX_LENGTH * 4, { message: 'is too long' }),
});

export const changePasswordInputSchema = z.object({
  currentPassword: z.string().min(1, { message: 'is required' }).max(PASSWORD_MAX_LENGTH * 4, { message: 'is too long' }),
  newPassword: z.string(),
});

// ---------------------------------------------------------------------------------------------
// One-time verification codes (ACC-01): 6 digits, expire, limited attempts, rate-limited resend.
// ---------------------------------------------------------------------------------------------

export const VERIFICATION_CODE_TTL_MS = 15 * MINUTE_MS;
export const VERIFICATION_MAX_ATTEMPTS = 5;
/** A new code can be asked for once a minute at most. */
export const VERIFICATION_RESEND_COOLDOWN_MS = MINUTE_MS;

export function verificationCodeWindow(now: Date): Pick<OneTimeCode, 'sentAt' | 'expiresAt' | 'attempts'> {
  return { sentAt: now, expiresAt: new Date(now.getTime() + VERIFICATION_CODE_TTL_MS), attempts: 0 };
}

export type VerificationRefusal = 'NO_CODE' | 'EXPIRED' | 'EXHAUSTED' | 'MALFORMED';

/**
 * Why a presented code cannot even be compared (null: compare it). Callers answer every refusal
 * the same way, so a caller learns nothing about the account.
 */
export function verificationRefusal(
  code: Pick<OneTimeCode, 'expiresAt' | 'attempts'> | null,
  presented: string,
  now: Date,
): VerificationRefusal | null {
  if (!code) return 'NO_CODE';
  if (!VERIFICATION_CODE_PATTERN.test(presented)) return 'MALFORMED';
  if (code.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  if (code.attempts >= VERIFICATION_MAX_ATTEMPTS) return 'EXHAUSTED';
  return null;
}

export function canResendVerificationCode(code: Pick<OneTimeCode, 'sentAt'> | null, now: Date): boolean {
  return !code || now.getTime() - code.sentAt.getTime() >= VERIFICATION_RESEND_COOLDOWN_MS;
}

/** `123456` from any uniform integer in [0, 1e6): leading zeros kept. */
export function formatVerificationCode(value: number): string {
  return String(Math.trunc(value) % 1_000_000).padStart(6, '0');
}

// ---------------------------------------------------------------------------------------------
// Legal acceptance at sign-up (ACC-01, ACC-09)
// ---------------------------------------------------------------------------------------------

/** Sign-up must accept exactly the versions in force; null when it does, else the field at fault. */
export function signUpLegalProblem(
  accepted: { termsVersion: string; privacyPolicyVersion: string },
  inForce: { TERMS: string | null; PRIVACY_POLICY: string | null },
): { field: 'termsVersion' | 'privacyPolicyVersion'; message: string } | null {
  if (!inForce.TERMS || accepted.termsVersion !== inForce.TERMS) {
    return { field: 'termsVersion', message: `termsVersion: must be the terms in force (${inForce.TERMS ?? 'none'})` };
  }
  if (!inForce.PRIVACY_POLICY || accepted.privacyPolicyVersion !== inForce.PRIVACY_POLICY) {
    return {
      field: 'privacyPolicyVersion',
      message: `privacyPolicyVersion: must be the privacy policy in force (${inForce.PRIVACY_POLICY ?? 'none'})`,
    };
  }
  return null;
}

/** The bootstrap address (config) becomes SUPER_ADMIN on verification. */
export function isBootstrapSuperAdmin(email: string, bootstrapEmail: string | undefined): boolean {
  return !!bootstrapEmail && email.trim().toLowerCase() === bootstrapEmail.trim().toLowerCase();
}
