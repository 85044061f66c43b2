/** CON-09 / PRV-07: business profiles are kept 5 years after their last update. */
export const PROFILE_RETENTION_YEARS = 5;

/** Profiles last updated before this instant are due for deletion (calendar years, UTC). */
export function retentionCutoff(now: Date, years = PROFILE_RETENTION_YEARS): Date {
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}

export function isPastRetention(lastUpdatedAt: Date, now: Date, years = PROFILE_RETENTION_YEARS): boolean {
  return lastUpdatedAt.getTime() < retentionCutoff(now, years).getTime();
}

/** When a profile last updated at this instant falls due (PRV-07: the answer to a restriction says until when it is kept). */
export function retentionEnd(lastUpdatedAt: Date, years = PROFILE_RETENTION_YEARS): Date {
  const end = new Date(lastUpdatedAt.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + years);
  return end;
}

/** PRV-07: the data category of the retention schedule this job enforces. */
export const PROFILE_RETENTION_CATEGORY = 'BUSINESS_PROFILES';
