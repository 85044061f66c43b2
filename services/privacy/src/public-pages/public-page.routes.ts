import type { Request, Response } from 'express';
import type { PageLanguage } from './public-page.layout';

/** `?lang=` / form `lang` first, then Accept-Language; English by default. */
export function pageLanguage(request: Request): PageLanguage {
  const explicit = field(request.query as Record<string, unknown>, 'lang') || field(bodyOf(request), 'lang');
  if (explicit === 'fr' || explicit === 'en') return explicit;
  const accepted = request.acceptsLanguages('en', 'fr');
  return accepted === 'fr' ? 'fr' : 'en';
}

export function bodyOf(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

export function field(source: Record<string, unknown>, name: string): string {
  const value = source[name];
  return typeof value === 'string' ? value : '';
}

export function html(response: Response, status: number, page: string): void {
  response.status(status).set({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No script at all; forms post only here; the page cannot be framed (clickjacking).
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'referrer-policy': 'no-referrer',
  });
  response.send(page);
}

export function clientIp(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

