import express, { type Express } from 'express';
import { visitorIdSchema } from '../consent/consent.rules';
import { bodyOf, clientIp, field, html, pageLanguage } from '../public-pages/public-page.routes';
import { exportGonePage, requestCodePage, requestDonePage, requestFormPage, requestPageTexts, type RequestPageForm } from './data-subject-request.pages';
import type { DataSubjectRequestService } from './data-subject-request.service';

export const VISITOR_ID_COOKIE = 'leadgraph_visitor_id';

/** The banner's visitor id from the Cookie header; an invalid one is simply not used. */
export function visitorIdCookie(header: string | undefined): string {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === VISITOR_ID_COOKIE) {
      const candidate = decodeURIComponent(value.join('='));
      return visitorIdSchema.safeParse(candidate).success ? candidate : '';
    }
  }
  return '';
}

const emptyForm: RequestPageForm = { right: '', email: '', phone: '', country: '', profileUrl: '', correctionField: '', correctionValue: '', directive: '' };

/** The public data-subject request pages (PRV-02, PRV-03) and the single-use export download. */
export function dataSubjectRequestRoutes(service: DataSubjectRequestService): (app: Express) => void {
  return (app) => {
    const form = express.urlencoded({ extended: false, limit: '16kb' });

    app.get('/privacy-request', (request, response) => {
      html(response, 200, requestFormPage(pageLanguage(request), emptyForm));
    });

    app.post('/privacy-request', form, async (request, response, next) => {
      try {
        const language = pageLanguage(request);
        const body = bodyOf(request);
        const input: RequestPageForm = {
          right: field(body, 'right'),
          email: field(body, 'email'),
          phone: field(body, 'phone'),
          country: field(body, 'country'),
          profileUrl: field(body, 'profileUrl'),
          correctionField: field(body, 'correctionField'),
          correctionValue: field(body, 'correctionValue'),
          directive: field(body, 'directive'),
        };
        const result = await service.open(
          // The consent banner keeps its visitor id in a first-party cookie; the request covers that browser too.
          { ...input, corrections: [{ field: input.correctionField, value: input.correctionValue }], visitorId: visitorIdCookie(request.headers.cookie) },
          { channel: 'WEB_PAGE', userId: null, ip: clientIp(request) },
          language,
        );
        if (result.kind === 'INVALID') return html(response, 400, requestFormPage(language, input, result.errors));
        if (result.kind === 'RATE_LIMITED') {
          response.set('retry-after', String(result.retryAfterSeconds));
          return html(response, 429, requestFormPage(language, input, {}, requestPageTexts(language).rateLimited));
        }
        response.redirect(303, `/privacy-request/confirm?request=${encodeURIComponent(result.requestId)}&lang=${language}`);
      } catch (error) {
        next(error);
      }
    });

    app.get('/privacy-request/confirm', (request, response) => {
      html(response, 200, requestCodePage(pageLanguage(request), field(request.query as Record<string, unknown>, 'request')));
    });

    app.post('/privacy-request/confirm', form, async (request, response, next) => {
      try {
        const language = pageLanguage(request);
        const body = bodyOf(request);
        const requestId = field(body, 'request');
        const result = await service.verify(requestId, field(body, 'code'), { ip: clientIp(request), userId: null });
        const t = requestPageTexts(language);
        if (result.kind === 'RATE_LIMITED') {
          response.set('retry-after', String(result.retryAfterSeconds));
          return html(response, 429, requestCodePage(language, requestId, t.rateLimited));
        }
        if (result.kind === 'INVALID') {
          const left = result.attemptsLeft !== null && result.error === 'CODE_INVALID' ? ` ${t.attemptsLeft(result.attemptsLeft)}` : '';
          return html(response, 400, requestCodePage(language, requestId, `${t.errors[result.error]}${left}`));
        }
        html(response, 200, requestDonePage(language, result.request.dueAt));
      } catch (error) {
        next(error);
      }
    });

    // The link from the answer mail: works once, then the stored copy is gone (PRV-03).
    app.get('/privacy-request/export', async (request, response, next) => {
      try {
        const result = await service.downloadExport(field(request.query as Record<string, unknown>, 'token'));
        if (result.kind === 'GONE') return html(response, 410, exportGonePage(pageLanguage(request), result.reason));
        response
          .status(200)
          .set({
            'content-type': 'application/json; charset=utf-8',
            'content-disposition': `attachment; filename="leadgraph-data-${result.requestId}.json"`,
            'cache-control': 'no-store',
            'referrer-policy': 'no-referrer',
          })
          .send(JSON.stringify(result.document, null, 2));
      } catch (error) {
        next(error);
      }
    });
  };
}
