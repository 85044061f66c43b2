import { addCalendarMonths } from '@leadgraph/platform';

/** PRV-07, category PRIVACY_REQUESTS: what the privacy service keeps about the requests it handled. */
export const PRIVACY_REQUESTS_CATEGORY = 'PRIVACY_REQUESTS';
/** Closed requests are proof that they were answered: kept 5 years (the limitation period), then deleted. */
export const CLOSED_REQUEST_RETENTION_MONTHS = 60;
/** An opt-out whose code was never confirmed has no purpose once the code is long expired. */
export const UNCONFIRMED_OPT_OUT_GRACE_DAYS = 30;

export interface RequestRetentionCutoffs {
  /** Requests closed before this are deleted. */
  closedBefore: Date;
  /** Unconfirmed opt-outs whose code expired before this are deleted. */
  unconfirmedOptOutExpiredBefore: Date;
  /** Access exports whose link expired before this are deleted. */
  exportExpiredBefore: Date;
}

export function requestRetentionCutoffs(now: Date): RequestRetentionCutoffs {
  return {
    closedBefore: addCalendarMonths(now, -CLOSED_REQUEST_RETENTION_MONTHS),
    unconfirmedOptOutExpiredBefore: new Date(now.getTime() - UNCONFIRMED_OPT_OUT_GRACE_DAYS * 86_400_000),
    exportExpiredBefore: now,
  };
}
