import express, { type Express } from 'express';
import { bodyOf, clientIp, field, html, pageLanguage } from '../public-pages/public-page.routes';
import { codePage, donePage, pageTexts, requestPage } from './opt-out.pages';
import type { OptOutForm, OptOutService } from './opt-out.service';

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
