import { z } from 'zod';
import { badInput } from '../errors/errors';

/** Opaque Relay cursors: base64url of a JSON sort key, so clients cannot depend on their shape. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T, field = 'after'): z.infer<T> {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the typed error
  }
  throw badInput(field, `${field}: malformed cursor`);
}

export const MAX_PAGE_SIZE = 100;

export function checkPageSize(first: number | null | undefined, field = 'first', fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(field, `${field}: must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/**
 * Keyset pagination (no skip, no count): the documents strictly after a cursor's (`field`, `_id`)
 * in that order, both ascending or both descending; `_id` breaks ties between equal values.
 */
export function afterKeyset(field: string, order: 'asc' | 'desc', value: Date | string | number | null, id: string): { $or: Array<Record<string, unknown>> } {
  const beyond = order === 'asc' ? '$gt' : '$lt';
  return { $or: [{ [field]: { [beyond]: value } }, { [field]: value, _id: { [beyond]: id } }] };
}
