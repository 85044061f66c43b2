import { addCalendarMonths } from '@leadgraph/platform';
import { z } from 'zod';

/** Optional cookie/tracking categories (PRV-06); strictly necessary needs no consent and is always on. */
export const optionalConsentCategories = ['ANALYTICS', 'FUNCTIONALITY', 'TARGETING'] as const;
export type OptionalConsentCategory = (typeof optionalConsentCategories)[number];

/** How a choice was made: banner buttons, saved preferences, a browser signal, or a withdrawal. */
export const consentMethods = ['ACCEPT', 'REJECT', 'SAVE', 'GPC', 'WITHDRAW'] as const;
export type ConsentMethod = (typeof consentMethods)[number];
/** Methods a visitor records through `recordConsent`; WITHDRAW has its own mutation. */
export const recordableConsentMethods = ['ACCEPT', 'REJECT', 'SAVE', 'GPC'] as const;
export type RecordableConsentMethod = (typeof recordableConsentMethods)[number];

export interface ConsentCategories {
  analytics: boolean;
  functionality: boolean;
  targeting: boolean;
}

/** A choice lasts at most 12 months (PRV-06). */
export const CONSENT_LIFETIME_MONTHS = 12;

export const noOptionalConsent: ConsentCategories = { analytics: false, functionality: false, targeting: false };

const fieldOf: Record<OptionalConsentCategory, keyof ConsentCategories> = {
  ANALYTICS: 'analytics',
  FUNCTIONALITY: 'functionality',
  TARGETING: 'targeting',
};

export function consentExpiresAt(decidedAt: Date): Date {
  return addCalendarMonths(decidedAt, CONSENT_LIFETIME_MONTHS);
}

export function isConsentExpired(choice: { expiresAt: Date }, now: Date): boolean {
  return now.getTime() >= choice.expiresAt.getTime();
}

/**
 * What a recorded choice grants: ACCEPT everything, REJECT nothing, SAVE the listed categories,
 * GPC (a browser's Global Privacy Control signal turned into a choice) the listed categories
 * except analytics and targeting.
 */
export function categoriesOfChoice(method: RecordableConsentMethod, granted: readonly OptionalConsentCategory[]): ConsentCategories {
  switch (method) {
    case 'ACCEPT':
      return { analytics: true, functionality: true, targeting: true };
    case 'REJECT':
      return { ...noOptionalConsent };
    case 'SAVE':
      return { analytics: granted.includes('ANALYTICS'), functionality: granted.includes('FUNCTIONALITY'), targeting: granted.includes('TARGETING') };
    case 'GPC':
      return { analytics: false, functionality: granted.includes('FUNCTIONALITY'), targeting: false };
    default: {
      const unreachable: never = method;
      throw new Error(`unknown consent method ${String(unreachable)}`);
    }
  }
}

/** Withdrawal of the listed categories (all optional ones when none is listed) from the current consent. */
export function withdrawnCategories(current: ConsentCategories, withdrawn: readonly OptionalConsentCategory[]): ConsentCategories {
  const categories = withdrawn.length > 0 ? withdrawn : optionalConsentCategories;
  const next = { ...current };
  for (const category of categories) next[fieldOf[category]] = false;
  return next;
}

export type ConsentSource = 'CHOICE' | 'GLOBAL_PRIVACY_CONTROL' | 'DEFAULT';

export interface StoredChoice {
  categories: ConsentCategories;
  policyVersion: string;
  method: ConsentMethod;
  decidedAt: Date;
  expiresAt: Date;
}

export interface CurrentConsent {
  categories: ConsentCategories;
  source: ConsentSource;
  /** The choice in force, null when defaults apply. */
  choice: StoredChoice | null;
}

/**
 * Current consent (PRV-06): the latest choice while it has not expired; otherwise no optional
 * category. A Global Privacy Control signal refuses analytics and targeting only when there is no
 * explicit unexpired choice (defaults already refuse them, the source tells why).
 */
export function currentConsent(latest: StoredChoice | null, now: Date, globalPrivacyControl: boolean): CurrentConsent {
  if (latest && !isConsentExpired(latest, now)) return { categories: { ...latest.categories }, source: 'CHOICE', choice: latest };
  return { categories: { ...noOptionalConsent }, source: globalPrivacyControl ? 'GLOBAL_PRIVACY_CONTROL' : 'DEFAULT', choice: null };
}

export const visitorIdSchema = z.string().trim().min(1, 'must not be empty').max(128, 'is too long').regex(/^[A-Za-z0-9._:-]+$/, 'has invalid characters');
const policyVersionSchema = z.string({ error: 'is required' }).trim().min(1, 'is required').max(64, 'is too long');
const categoryListSchema = z.array(z.enum(optionalConsentCategories, { error: 'is not a consent category (ANALYTICS, FUNCTIONALITY, TARGETING)' })).max(3);

export const recordConsentInputSchema = z.object({
  visitorId: visitorIdSchema.nullish(),
  policyVersion: policyVersionSchema,
  method: z.enum(recordableConsentMethods),
  categories: categoryListSchema.nullish(),
});
export type RecordConsentInput = z.infer<typeof recordConsentInputSchema>;

export const withdrawConsentInputSchema = z.object({
  visitorId: visitorIdSchema.nullish(),
  policyVersion: policyVersionSchema,
  categories: categoryListSchema.nullish(),
});
export type WithdrawConsentInput = z.infer<typeof withdrawConsentInputSchema>;

export const consentSubjectInputSchema = z.object({ visitorId: visitorIdSchema.nullish() });
