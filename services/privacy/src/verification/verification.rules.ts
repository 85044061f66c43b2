import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { retryAfterSeconds } from '@leadgraph/platform';

/**
 * One-time codes that prove control of an e-mail address (PRV-01, PRV-03), shared by the opt-out
 * and the data-subject request flows: six digits, kept only as an HMAC bound to its purpose and
 * request, compared in constant time.
 */
export function newOneTimeCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

export function isOneTimeCodeFormat(code: string): boolean {
  return /^\d{6}$/.test(code);
}

export function oneTimeCodeHash(secret: string, purpose: 'opt-out' | 'dsr', requestId: string, code: string): string {
  return createHmac('sha256', secret).update(`${purpose}-code:${requestId}:${code}`).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Seconds to wait when the limiter refuses, null when the request may go on. */
export async function secondsToWait(limiter: RateLimiterAbstract, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return retryAfterSeconds(rejection.msBeforeNext);
    throw rejection;
  }
}
