import type { StripeEngine } from './engine';
import type { FormRecord } from './form';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteContext {
  engine: StripeEngine;
  /** Form body (POST) or query (GET, DELETE) parameters. */
  params: FormRecord;
  /** `:name` segments of the route's path. */
  path: Record<string, string>;
  /** The request path, for list objects' `url`. */
  url: string;
}

export interface Route {
  method: HttpMethod;
  /** `/v1/customers/:id`-style pattern. */
  pattern: string;
  handle(context: RouteContext): unknown;
}

export function pathParam(context: RouteContext, name: string): string {
  const value = context.path[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return value;
}
