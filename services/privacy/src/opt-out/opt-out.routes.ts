import express, { type Express, type Request, type Response } from 'express';
import { codePage, donePage, pageTexts, requestPage } from './opt-out.pages';
import type { Language, OptOutForm, OptOutService } from './opt-out.service';

/** `?lang=` / form `lang` first, then Accept-Language; English by default. */
export function pageLanguage(request: Request): Language {
  const explicit = field(request.query as Record<string, unknown>, 'lang') || field(bodyOf(request), 'lang');
  if (explicit === 'fr' || explicit === 'en') return explicit;
  const accepted = request.acceptsLanguages('en', 'fr');
  return accepted === 'fr' ? 'fr' : 'en';
}

function bodyOf(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

function field(source: Record<string, unknown>, name: string): string {
  const value = source[name];
  return typeof value === 'string' ? value : '';
}

function html(response: Response, status: number, page: string): void {
  response.status(status).set({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No script at all; forms post only here; the page cannot be framed (clickjacking).
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'referrer-policy': 'no-referrer',
  });
  response.send(page);
}

function clientIp(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** The public opt-out pages (PRV-01): plain forms, POST then 303, no JavaScript. */
export function optOutRoutes(service: OptOutService): (app: Express) => void {
  return (app) => {
    const form = express.urlencoded({ extended: false, limit: '8kb' });

    app.get('/opt-out', (request, response) => {
      html(response, 200, requestPage(pageLanguage(request), { email: '', phone: '', country: '', profileUrl: '' }));
    });

    app.post('/opt-out', form, async (request, response, next) => {
      try {
        const language = pageLanguage(request);
        const body = bodyOf(request);
        const input: OptOutForm = {
          email: field(body, 'email'),
          phone: field(body, 'phone'),
          country: field(body, 'country'),
          profileUrl: field(body, 'profileUrl'),
        };
        const result = await service.start(input, clientIp(request), language);
        if (result.kind === 'INVALID') return html(response, 400, requestPage(language, input, result.errors));
        if (result.kind === 'RATE_LIMITED') {
          response.set('retry-after', String(result.retryAfterSeconds));
          return html(response, 429, requestPage(language, input, {}, pageTexts(language).rateLimited));
        }
        response.redirect(303, `/opt-out/confirm?request=${encodeURIComponent(result.requestId)}&lang=${language}`);
      } catch (error) {
        next(error);
      }
    });

    app.get('/opt-out/confirm', (request, response) => {
      html(response, 200, codePage(pageLanguage(request), field(request.query as Record<string, unknown>, 'request')));
    });

    app.post('/opt-out/confirm', form, async (request, response, next) => {
      try {
        const language = pageLanguage(request);
        const body = bodyOf(request);
        const requestId = field(body, 'request');
        const result = await service.confirm(requestId, field(body, 'code'), clientIp(request));
        const t = pageTexts(language);
        if (result.kind === 'RATE_LIMITED') {
          response.set('retry-after', String(result.retryAfterSeconds));
          return html(response, 429, codePage(language, requestId, t.rateLimited));
        }
        if (result.kind === 'INVALID') {
          const left = result.attemptsLeft !== null && result.error === 'CODE_INVALID' ? ` ${t.attemptsLeft(result.attemptsLeft)}` : '';
          return html(response, 400, codePage(language, requestId, `${t.errors[result.error]}${left}`));
        }
        response.redirect(303, `/opt-out/done?lang=${language}`);
      } catch (error) {
        next(error);
      }
    });

    app.get('/opt-out/done', (request, response) => {
      html(response, 200, donePage(pageLanguage(request)));
    });
  };
}
