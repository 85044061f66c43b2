import type { EventData } from '@leadgraph/events';
import { HOUR_MS } from '@leadgraph/platform';

/** What server-side metering counts (ANA-02). */
export const metrics = [
  'SIGN_UPS',
  'SEARCHES',
  'REVEALS_PRO_EMAIL',
  'REVEALS_PHONE',
  'REVEALS_DIRECT_EMAIL',
  'CREDITS_SPENT',
  'EXPORTS',
  'CONTACTS_EXPORTED',
  'CREDITS_GRANTED_PRO_EMAIL',
  'CREDITS_GRANTED_PHONE',
  'CREDITS_GRANTED_DIRECT_EMAIL',
  'CREDITS_GRANTED_EXPORT',
  'SUBSCRIPTIONS_STARTED',
] as const;
export type Metric = (typeof metrics)[number];

export const PLATFORM_SCOPE = 'platform';
export function workspaceScope(workspaceId: string): string {
  return `workspace:${workspaceId}`;
}

export interface MetricIncrement {
  scope: string;
  metric: Metric;
  amount: number;
}

/** The UTC hour an instant falls in: the storage bucket, rolled up into days of any zone at read time. */
export function hourOf(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}

/** Platform-wide, plus the workspace when the action happened inside one. Zero amounts are dropped. */
function scoped(workspaceId: string | null, entries: Array<[Metric, number]>): MetricIncrement[] {
  const scopes = [PLATFORM_SCOPE, ...(workspaceId ? [workspaceScope(workspaceId)] : [])];
  return scopes.flatMap((scope) => entries.filter(([, amount]) => amount > 0).map(([metric, amount]) => ({ scope, metric, amount })));
}

export function revealIncrements(data: EventData<'ContactRevealed'>): MetricIncrement[] {
  return scoped(data.workspaceId, [...data.fields.map((field): [Metric, number] => [`REVEALS_${field}`, 1]), ['CREDITS_SPENT', data.creditsCharged]]);
}

export function exportIncrements(data: EventData<'ContactsExported'>): MetricIncrement[] {
  return scoped(data.workspaceId, [
    ['EXPORTS', 1],
    ['CONTACTS_EXPORTED', data.contactCount],
  ]);
}

export function searchIncrements(data: EventData<'ContactSearchPerformed'>): MetricIncrement[] {
  return scoped(data.workspaceId, [['SEARCHES', 1]]);
}

export function creditsGrantedIncrements(data: EventData<'CreditsGranted'>): MetricIncrement[] {
  return scoped(data.ownerType === 'WORKSPACE' ? data.ownerId : null, [[`CREDITS_GRANTED_${data.creditType}`, data.amount]]);
}

export function signUpIncrements(): MetricIncrement[] {
  return scoped(null, [['SIGN_UPS', 1]]);
}

export function subscriptionIncrements(data: EventData<'SubscriptionStarted'>): MetricIncrement[] {
  return scoped(data.workspaceId, [['SUBSCRIPTIONS_STARTED', 1]]);
}

/**
 * A reveal's credits per field type for the daily usage view. The event carries the total only:
 * each field costs at most one credit, so a total equal to the field count charged every field,
 * zero charged none, and otherwise the charged credits are attributed to the fields in order.
 */
export function creditsPerField<F extends string>(fields: F[], creditsCharged: number): Array<{ field: F; credits: number }> {
  const perField = fields.length === 0 ? 0 : Math.floor(creditsCharged / fields.length);
  let remainder = creditsCharged - perField * fields.length;
  return fields.map((field) => {
    const extra = remainder > 0 ? 1 : 0;
    remainder -= extra;
    return { field, credits: perField + extra };
  });
}
