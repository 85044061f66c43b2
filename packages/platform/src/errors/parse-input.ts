import type { z } from 'zod';
import { fromZodError } from './errors';

/**
 * Validates a mutation's input before anything is read or written: BAD_USER_INPUT naming the
 * first offending field (`fieldPrefix.path`), otherwise the parsed (trimmed, normalised) value.
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, fieldPrefix = ''): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error, fieldPrefix);
  return parsed.data;
}
