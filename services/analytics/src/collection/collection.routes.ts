import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { retryAfterSeconds, DomainError, type Logger } from '@leadgraph/platform';
import { globalPrivacyControlOf } from './collection.rules';
import { parseVisitorId, type CollectionService } from './collection.service';

function bodyOf(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * `POST /collect`: the front-end batch endpoint (ANA-01). JSON `{ visitorId?, events: [...] }`;
 * answers 200 with a result per event (the valid rest of a batch is accepted), 400 when the batch
 * itself is unusable, 413 over `maxBodyBytes`. `Sec-GPC: 1` is honoured (PRV-06). Only the
 * truncated client IP and a browser family are kept, on identified events only (ANA-03).
 * Batches are rate-limited per client IP (429 with Retry-After).
 */
export interface CollectionRouteOptions {
  maxBodyBytes: number;
  batchesPerMinute: number;
  trustProxy: boolean | number | string;
  corsOrigins: string[];
  logger: Logger;
}

export function collectionRoutes(service: CollectionService, options: CollectionRouteOptions): (app: Express) => void {
  return (app) => {
    // Which X-Forwarded-For hops to believe for the client IP (only /collect reads request.ip).
    app.set('trust proxy', options.trustProxy);
    // text/plain too: navigator.sendBeacon posts without a CORS preflight.
    const json = express.json({ limit: options.maxBodyBytes, type: ['application/json', 'text/plain'] });
    const perClient = new RateLimiterMemory({ keyPrefix: 'collect', points: options.batchesPerMinute, duration: 60 });
    const allowedOrigins = new Set(options.corsOrigins);

    /** CORS for the configured web origins only; no cookies are read, so no credentials. */
    const cors: RequestHandler = (request, response, next) => {
      const origin = request.header('origin');
      if (origin && allowedOrigins.has(origin)) {
        response.vary('Origin').set({ 'access-control-allow-origin': origin, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type, sec-gpc', 'access-control-max-age': '600' });
      }
      if (request.method === 'OPTIONS') {
        response.status(204).end();
        return;
      }
      next();
    };

    /** Before the body is read: a flood costs no parsing. */
    const rateLimit: RequestHandler = async (request, response, next) => {
      try {
        await perClient.consume(request.ip ?? request.socket.remoteAddress ?? 'unknown');
        next();
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        const retryAfter = retryAfterSeconds(rejection.msBeforeNext);
        response.status(429).set('retry-after', String(retryAfter)).json({ error: { code: 'RATE_LIMITED', field: null, message: `Too many batches; retry in ${retryAfter} s` } });
      }
    };

    const collect: RequestHandler = async (request, response, next) => {
      try {
        response.set('cache-control', 'no-store');
        const body = bodyOf(request);
        const visitorId = parseVisitorId(body.visitorId);
        const summary = await service.collect({
          subject: visitorId ? { subjectType: 'VISITOR', subjectId: visitorId } : null,
          events: body.events,
          globalPrivacyControl: globalPrivacyControlOf(request.headers['sec-gpc']),
          clientIp: request.ip ?? request.socket.remoteAddress ?? null,
          userAgent: request.header('user-agent') ?? null,
        });
        response.status(200).json({ accepted: summary.accepted, rejected: summary.rejected, results: summary.results });
      } catch (error) {
        next(error);
      }
    };

    app.options('/collect', cors);
    app.post('/collect', cors, rateLimit, json, collect);
    // Mounted on /collect only: body-parser and pipeline failures answer JSON, not express's HTML page.
    const errors: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
      if (error instanceof DomainError) {
        response.status(400).json({ error: { code: error.code, field: error.details.field ?? null, message: error.message } });
        return;
      }
      const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : 500;
      if (status === 413) {
        response.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', field: null, message: `body: at most ${options.maxBodyBytes} bytes` } });
        return;
      }
      if (status === 400) {
        response.status(400).json({ error: { code: 'BAD_USER_INPUT', field: 'body', message: 'body: must be JSON' } });
        return;
      }
      options.logger.error({ err: error }, 'collect failed');
      response.status(500).json({ error: { code: 'INTERNAL', field: null, message: 'internal error' } });
    };
    app.use('/collect', errors);
  };
}
