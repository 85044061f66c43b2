import { GraphQLError } from 'graphql';
import { z } from 'zod';
import {
  DomainError,
  ErrorCode,
  badInput,
  createErrorFormatter,
  domainErrorExtensions,
  fromZodError,
  httpStatusOf,
  rateLimited,
} from '../errors';

describe('typed errors mapped in one place', () => {
  const unexpected: unknown[] = [];
  const format = createErrorFormatter((error) => unexpected.push(error));

  it('maps every error code to extensions and an HTTP status', () => {
    for (const code of Object.values(ErrorCode)) {
      const extensions = domainErrorExtensions(new DomainError(code, 'x'));
      expect(extensions.code).toBe(code);
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    }
  });

  it('keeps the field for BAD_USER_INPUT and retry-after for RATE_LIMITED', () => {
    const input = format({ message: 'x' }, new GraphQLError('x', { originalError: badInput('email', 'email: invalid') }));
    expect(input.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
    const limited = format({ message: 'x' }, new GraphQLError('x', { originalError: rateLimited(30) }));
    expect(limited.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
    const credits = format(
      { message: 'x' },
      new GraphQLError('x', { originalError: new DomainError(ErrorCode.INSUFFICIENT_CREDITS, 'no', { creditType: 'PHONE' }) }),
    );
    expect(credits.extensions).toEqual({ code: 'INSUFFICIENT_CREDITS', creditType: 'PHONE' });
  });

  it('turns a zod failure into BAD_USER_INPUT naming the field path', () => {
    const result = z.object({ profile: z.object({ url: z.string().url() }) }).safeParse({ profile: { url: 'nope' } });
    if (result.success) throw new Error('expected failure');
    const error = fromZodError(result.error, 'input');
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details.field).toBe('input.profile.url');
  });

  it('masks unexpected errors and reports them', () => {
    const formatted = format({ message: 'secret stack detail' }, new GraphQLError('boom', { originalError: new Error('db password wrong') }));
    expect(formatted.message).toBe('Internal server error');
    expect(formatted.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(unexpected).toHaveLength(1);
  });
});
