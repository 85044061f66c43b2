import { DAY_MS, forbidden, unauthenticated, type Caller } from '@leadgraph/platform';

const formatters = new Map<string, Intl.DateTimeFormat>();

function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isTimeZone(candidate: string): boolean {
  try {
    dayFormatter(candidate);
    return true;
  } catch {
    return false;
  }
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone: 23:30 UTC is tomorrow in Paris. */
export function dayBucket(instant: Date, timeZone: string): string {
  const parts = dayFormatter(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Longest range one report may cover: a year, leap day included. */
export const MAX_REPORT_DAYS = 366;

function dayNumber(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, date);
  // Rejects 2026-02-30 and friends, which Date.UTC would roll over.
  return new Date(time).getUTCDate() === date && new Date(time).getUTCMonth() === month - 1 ? time / DAY_MS : null;
}

/** What is wrong with a report's day range (both days included), naming the field; null when fine. */
export function dayRangeProblem(from: string, to: string): { field: 'from' | 'to'; message: string } | null {
  const first = dayNumber(from);
  if (first === null) return { field: 'from', message: 'must be a calendar day as YYYY-MM-DD' };
  const last = dayNumber(to);
  if (last === null) return { field: 'to', message: 'must be a calendar day as YYYY-MM-DD' };
  if (last < first) return { field: 'to', message: 'must not be before from' };
  if (last - first + 1 > MAX_REPORT_DAYS) return { field: 'to', message: `must be at most ${MAX_REPORT_DAYS} days after from` };
  return null;
}

/**
 * A workspace's usage is for its administrators (ACC-05), or a partner token of that workspace
 * with `analytics:read` (ACC-08).
 */
export function assertMayReadWorkspaceUsage(caller: Caller, workspaceId: string): void {
  switch (caller.kind) {
    case 'anonymous':
      throw unauthenticated();
    case 'user':
      if (caller.workspaceId !== workspaceId || caller.workspaceRole !== 'ADMIN') {
        throw forbidden("Only the workspace's administrators may read its usage");
      }
      return;
    case 'apiToken':
      if (!caller.scopes.includes('analytics:read')) throw forbidden('Missing scope analytics:read', 'analytics:read');
      if (caller.workspaceId !== workspaceId) throw forbidden("A token reads its own workspace's usage only");
      return;
    default: {
      const unreachable: never = caller;
      throw new Error(`unknown caller ${String(unreachable)}`);
    }
  }
}
