import { z } from 'zod';
import { StripeApiError, invalidParam, missingParam } from './errors';

/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed nested keys
 * (`items[0][price]=price_x`, `metadata[plan]=pro`, `expand[]=latest_invoice`); GET parameters
 * use the same encoding in the query string. An empty value (`metadata=`) means "unset".
 */
export type FormValue = string | FormValue[] | FormRecord;
export interface FormRecord {
  [key: string]: FormValue;
}

/** `items[0][price]` -> ['items', '0', 'price']; `expand[]` -> ['expand', ''] (append). */
function keyPath(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const path = [key.slice(0, first)];
  for (const match of key.slice(first).matchAll(/\[([^\]]*)\]/g)) path.push(match[1] ?? '');
  return path;
}

function isRecord(value: FormValue | undefined): value is FormRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records whose keys are all indexes become arrays (ordered by index), recursively. */
function arraysFromIndexes(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(arraysFromIndexes);
  const keys = Object.keys(value);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => arraysFromIndexes(value[String(index)] as FormValue));
  }
  const converted: FormRecord = {};
  for (const key of keys) converted[key] = arraysFromIndexes(value[key] as FormValue);
  return converted;
}

export function parseStripeForm(encoded: string): FormRecord {
  const root: FormRecord = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const path = keyPath(rawKey);
    let node: FormRecord = root;
    path.forEach((segment, depth) => {
      const last = depth === path.length - 1;
      // `[]` appends: the next free index among the node's keys.
      const key = segment === '' ? String(Object.keys(node).length) : segment;
      if (last) {
        node[key] = value;
        return;
      }
      const existing = node[key];
      if (!isRecord(existing)) node[key] = {};
      node = node[key] as FormRecord;
    });
  }
  return arraysFromIndexes(root) as FormRecord;
}

// ---- zod helpers for form values (every leaf arrives as a string) ----

export const formString = z.string();
export const formInt = z.string().regex(/^-?\d+$/, 'Invalid integer').transform(Number);
export const formPositiveInt = z.string().regex(/^\d+$/, 'Invalid positive integer').transform(Number);
export const formNumber = z.string().regex(/^-?\d+(\.\d+)?$/, 'Invalid decimal').transform(Number);
export const formBool = z.enum(['true', 'false']).transform((value) => value === 'true');
/** `metadata[key]=value`; `metadata=` clears all keys, `metadata[key]=` removes one. */
export const formMetadata = z.union([z.literal(''), z.record(z.string(), z.string())]);
export const formStringList = z.array(z.string());
/** A nullable string parameter: an empty value unsets the field. */
export const formClearable = z.string().transform((value) => (value === '' ? null : value));

function paramName(path: ReadonlyArray<PropertyKey>): string {
  return path.map((segment, index) => (index === 0 ? String(segment) : `[${String(segment)}]`)).join('');
}

/**
 * Parses a request's parameters with a strict zod object. Unknown parameters are refused like
 * Stripe does (`parameter_unknown`), which also tells a developer early that this local server
 * does not model a parameter rather than silently ignoring it.
 */
export function parseParams<Schema extends z.ZodType>(schema: Schema, params: FormRecord): z.output<Schema> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw invalidParam('', 'Invalid request');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = paramName([...issue.path, key]);
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param,
      message: `Received unknown parameter: ${param} (not supported by the local Stripe server, or not a Stripe parameter)`,
    });
  }
  const param = paramName(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined) throw missingParam(param);
  throw invalidParam(param, `Invalid ${param}: ${issue.message}`);
}

/** Parameters every endpoint accepts (expand); schemas extend this. */
export const baseParams = { expand: formStringList.optional() };
