import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { ZodError } from 'zod';

/** Every failure a caller can act on carries one of these codes. */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INSUFFICIENT_CREDITS = 'INSUFFICIENT_CREDITS',
  RATE_LIMITED = 'RATE_LIMITED',
}

export interface DomainErrorDetails {
  /** Input field at fault (BAD_USER_INPUT), as a dotted path. */
  field?: string;
  /** Credit type that is missing (INSUFFICIENT_CREDITS). */
  creditType?: string;
  /** Seconds until a retry may succeed (RATE_LIMITED). */
  retryAfterSeconds?: number;
  /** Scope that the caller lacks (FORBIDDEN). */
  requiredScope?: string;
  /** Machine-readable cause of a refusal that is not about rights, e.g. `CREDIT_BUDGET_EXCEEDED` (FORBIDDEN). */
  reason?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, message: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });
export const notFound = (message: string) => new DomainError(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string, field?: string) =>
  new DomainError(ErrorCode.CONFLICT, message, field ? { field } : {});
export const forbidden = (message: string, requiredScope?: string) =>
  new DomainError(ErrorCode.FORBIDDEN, message, requiredScope ? { requiredScope } : {});
export const unauthenticated = (message = 'Authentication required') =>
  new DomainError(ErrorCode.UNAUTHENTICATED, message);
/** Seconds a RATE_LIMITED caller should wait, from a limiter's `msBeforeNext`: at least one. */
export const retryAfterSeconds = (msBeforeNext: number): number => Math.max(1, Math.ceil(msBeforeNext / 1000));
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError(ErrorCode.RATE_LIMITED, `Too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });

/** Turns a zod failure into BAD_USER_INPUT naming the first offending field. */
export function fromZodError(error: ZodError, fieldPrefix = ''): DomainError {
  const issue = error.issues[0];
  const path = [fieldPrefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return new DomainError(ErrorCode.BAD_USER_INPUT, issue ? `${path || 'input'}: ${issue.message}` : 'Invalid input', {
    field: path || undefined,
  });
}

/** HTTP status that matches a code, for REST-style endpoints (opt-out page, webhooks). */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.BAD_USER_INPUT:
      return 400;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.INSUFFICIENT_CREDITS:
      return 402;
    case ErrorCode.RATE_LIMITED:
      return 429;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

/** The one place where domain errors become GraphQL error extensions. */
export function domainErrorExtensions(error: DomainError): Record<string, unknown> {
  const base = { code: error.code };
  switch (error.code) {
    case ErrorCode.BAD_USER_INPUT:
      return { ...base, field: error.details.field ?? null };
    case ErrorCode.INSUFFICIENT_CREDITS:
      return { ...base, creditType: error.details.creditType ?? null };
    case ErrorCode.RATE_LIMITED:
      return { ...base, retryAfterSeconds: error.details.retryAfterSeconds ?? null };
    case ErrorCode.FORBIDDEN:
      return {
        ...base,
        ...(error.details.requiredScope ? { requiredScope: error.details.requiredScope } : {}),
        ...(error.details.reason ? { reason: error.details.reason } : {}),
        ...(error.details.reason && error.details.creditType ? { creditType: error.details.creditType } : {}),
      };
    case ErrorCode.UNAUTHENTICATED:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.CONFLICT:
      return base;
    default: {
      const unreachable: never = error.code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

function firstValidationField(error: ArgumentValidationError): { field: string; message: string } {
  let current: (typeof error.extensions.validationErrors)[number] | undefined = error.extensions.validationErrors?.[0];
  const path: string[] = [];
  while (current) {
    path.push(current.property);
    if (current.constraints && Object.keys(current.constraints).length > 0) {
      return { field: path.join('.'), message: Object.values(current.constraints)[0] ?? 'is invalid' };
    }
    current = current.children?.[0];
  }
  return { field: path.join('.') || 'input', message: 'is invalid' };
}

/**
 * Apollo `formatError`: domain errors keep their code and details; validation failures become
 * BAD_USER_INPUT with the field; anything unexpected is logged and masked.
 */
export function createErrorFormatter(onUnexpected: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof DomainError) {
      return { ...formatted, message: original.message, extensions: domainErrorExtensions(original) };
    }
    if (original instanceof ArgumentValidationError) {
      const { field, message } = firstValidationField(original);
      return { ...formatted, message: `${field}: ${message}`, extensions: { code: ErrorCode.BAD_USER_INPUT, field } };
    }
    if (original instanceof ZodError) {
      const domain = fromZodError(original);
      return { ...formatted, message: domain.message, extensions: domainErrorExtensions(domain) };
    }
    const code = formatted.extensions?.code;
    // graphql-js and Apollo errors (parse, validation, bad variables) already carry a safe message.
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    if (original instanceof GraphQLError && !original.originalError) return formatted;
    onUnexpected(original);
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
