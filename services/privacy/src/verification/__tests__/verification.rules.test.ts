import { RateLimiterMemory } from 'rate-limiter-flexible';
import { isOneTimeCodeFormat, newOneTimeCode, oneTimeCodeHash, sameHash, secondsToWait } from '../verification.rules';

describe('one-time codes (PRV-01, PRV-03)', () => {
  const secret = 's'.repeat(40);

  it('[PRV-03] codes are six digits, hashed per purpose and request, compared in constant time', () => {
    for (let i = 0; i < 50; i += 1) expect(isOneTimeCodeFormat(newOneTimeCode())).toBe(true);
    expect(isOneTimeCodeFormat('12345')).toBe(false);
    expect(isOneTimeCodeFormat('12a456')).toBe(false);
    const hash = oneTimeCodeHash(secret, 'dsr', 'r1', '123456');
    expect(hash).not.toContain('123456');
    expect(sameHash(hash, oneTimeCodeHash(secret, 'dsr', 'r1', '123456'))).toBe(true);
    expect(sameHash(hash, oneTimeCodeHash(secret, 'opt-out', 'r1', '123456'))).toBe(false);
    expect(sameHash(hash, oneTimeCodeHash(secret, 'dsr', 'r2', '123456'))).toBe(false);
    expect(sameHash(hash, 'abcd')).toBe(false);
  });

  it('[PRV-01] a refused attempt says how long to wait', async () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 60 });
    expect(await secondsToWait(limiter, 'ip')).toBeNull();
    const wait = await secondsToWait(limiter, 'ip');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
  });
});
