import { normaliseProfileUrl } from '@leadgraph/platform';
import type { UserDocument } from './user.model';

/** User rules: LinkedIn profile links (ACC-04) and who may see private details. Pure. */

const LINKEDIN_PROFILE = /^linkedin\.com\/in\/[a-z0-9\-_%.]{3,100}$/;

/**
 * The normalised profile (`linkedin.com/in/jane-doe`) of a personal LinkedIn profile URL, or the
 * reason it is not one. Company pages, posts and other hosts are refused.
 */
export function parseLinkedInProfileUrl(url: string): { profileUrl: string } | { problem: string } {
  const trimmed = url.trim();
  if (trimmed.length === 0) return { problem: 'is required' };
  if (trimmed.length > 300) return { problem: 'is too long' };
  let normalised: string;
  try {
    if (/^[a-z]+:\/\//i.test(trimmed) && !/^https?:\/\//i.test(trimmed)) return { problem: 'must be an http(s) URL' };
    normalised = normaliseProfileUrl(trimmed);
  } catch {
    return { problem: 'must be a URL' };
  }
  if (!LINKEDIN_PROFILE.test(normalised)) return { problem: 'must be a LinkedIn profile URL (https://www.linkedin.com/in/...)' };
  return { profileUrl: normalised };
}

/** Only a verified, active account can link a profile (ACC-04). */
export function canLinkLinkedInProfile(user: Pick<UserDocument, 'status' | 'emailVerifiedAt'>): boolean {
  return user.status === 'ACTIVE' && user.emailVerifiedAt !== null;
}

export type LinkedInLinkOutcome = 'LINK' | 'ALREADY_LINKED' | 'LINKED_TO_OTHER_PROFILE';

/** A profile is linked once: the same one again is a no-op; changing it goes through support. */
export function linkedInLinkOutcome(user: Pick<UserDocument, 'linkedInProfileUrl'>, profileUrl: string): LinkedInLinkOutcome {
  if (user.linkedInProfileUrl === null || user.linkedInProfileUrl === undefined) return 'LINK';
  return user.linkedInProfileUrl === profileUrl ? 'ALREADY_LINKED' : 'LINKED_TO_OTHER_PROFILE';
}

export type PrivateDetailsViewer = { kind: 'anonymous' } | { kind: 'user' | 'apiToken'; userId: string; staffRoles?: readonly string[] };

/** A user's private details (profile link, preferences, staff roles, suspension) are for themself and staff. */
export function canSeePrivateDetails(viewer: PrivateDetailsViewer, userId: string): boolean {
  if (viewer.kind !== 'user') return false;
  return viewer.userId === userId || (viewer.staffRoles ?? []).length > 0;
}
