/**
 * Errors in Stripe's wire shape: `{ error: { type, message, code?, param?, decline_code? } }`, with
 * the HTTP status Stripe uses for each type, so the SDK raises the same error classes it would
 * against the real API (StripeInvalidRequestError, StripeCardError, StripeAuthenticationError ...).
 */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error'
  | 'authentication_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  /** Set on card errors raised while paying an invoice: the failed payment attempt. */
  payment_intent?: unknown;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export function missingParam(param: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
  });
}

export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', param, message, ...(code ? { code } : {}) });
}

/** `No such customer: 'cus_x'` with code resource_missing, as Stripe answers an unknown id. */
export function noSuch(kind: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${kind}: '${id}'`,
  });
}

export function badState(message: string, param?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}) });
}

export function notFoundRoute(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). The local Stripe server does not implement this endpoint.`,
  });
}

/**
 * A payment that failed inside an API call (`invoices.pay`): Stripe answers with a card error but
 * keeps what happened (the attempt, `invoice.payment_failed`), so the transaction commits.
 */
export class CommittedStripeApiError extends StripeApiError {
  readonly commitState = true;
}
