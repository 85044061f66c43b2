import { invalidParam } from './errors';
import type { StripeEngine } from './engine';
import { lookupById } from './state';

type JsonObject = { [key: string]: unknown };

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A detached JSON copy of a stored object: what a response or an expansion shows. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function expandAt(engine: StripeEngine, node: unknown, segments: readonly string[], path: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return node;
  if (Array.isArray(node)) return node.map((element) => expandAt(engine, element, segments, path));
  if (!isJsonObject(node)) return node;
  if (!(head in node)) throw invalidParam('expand', `This property cannot be expanded (${path}).`);
  let value = node[head];
  if (typeof value === 'string') {
    const found = lookupById(engine.state, value);
    if (found) value = toJson(found);
  }
  node[head] = expandAt(engine, value, rest, path);
  return node;
}

/**
 * Applies `expand[]` paths (`latest_invoice`, `latest_invoice.payment_intent`,
 * `data.customer`, `items.data.price.product` ...) to a response: every id string met on a
 * path is replaced by the object it names, up to Stripe's four levels.
 */
export function expandResponse(engine: StripeEngine, response: unknown, paths: readonly string[]): unknown {
  let tree = toJson(response);
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > 4) throw invalidParam('expand', `You cannot expand more than 4 levels of a property (${path}).`);
    tree = expandAt(engine, tree, segments, path);
  }
  return tree;
}
