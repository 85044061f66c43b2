import { createHash } from 'node:crypto';
import { rpcContracts } from '@leadgraph/events';
import {
  DomainError,
  ErrorCode,
  anonymousCaller,
  callRpc,
  unauthenticated,
  verifyAccessToken,
  type Caller,
  type Clock,
  type EventBus,
} from '@leadgraph/platform';

/** Partner API tokens are recognisable by their prefix; anything else is a user access token. */
export const API_TOKEN_PREFIX = 'lg_';

interface CachedCaller {
  caller: Caller;
  until: number;
}

/**
 * Turns the request's credentials into a verified caller: user access tokens are checked
 * locally (signature, expiry) and their session with accounts (revocation, suspension,
 * current workspace and role); partner tokens are resolved by accounts. With `cacheMs` > 0
 * answers are reused that long, so changes reach the gateway up to `cacheMs` late.
 */
export class CallerResolver {
  private readonly cache = new Map<string, CachedCaller>();

  constructor(
    private readonly bus: EventBus,
    private readonly accessTokenSecret: string,
    private readonly clock: Clock,
    private readonly cacheMs: number,
  ) {}

  async resolve(authorization: string | undefined): Promise<Caller> {
    if (!authorization) return anonymousCaller;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated('Malformed Authorization header: expected "Bearer <token>"');
    const token = match[1];
    const cacheKey = createHash('sha256').update(token).digest('hex');
    const now = this.clock.now().getTime();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now) return cached.caller;

    const caller = token.startsWith(API_TOKEN_PREFIX) ? await this.resolveApiToken(token) : await this.resolveAccessToken(token);
    if (this.cacheMs > 0) {
      this.cache.set(cacheKey, { caller, until: now + this.cacheMs });
      if (this.cache.size > 10_000) this.evictExpired(now);
    }
    return caller;
  }

  private async resolveAccessToken(token: string): Promise<Caller> {
    const claims = await verifyAccessToken(token, this.accessTokenSecret, this.clock.now());
    if (!claims) throw unauthenticated('Invalid or expired access token');
    const session = await this.ask(rpcContracts.resolveSession, claims);
    return { kind: 'user', ...session };
  }

  private async resolveApiToken(token: string): Promise<Caller> {
    const resolved = await this.ask(rpcContracts.resolveApiToken, { token });
    return { kind: 'apiToken', ...resolved };
  }

  private async ask<Res>(
    contract: { subject: string; response: import('zod').ZodType<Res> },
    payload: unknown,
  ): Promise<Res> {
    try {
      return await callRpc(this.bus, contract.subject, payload, contract.response);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.UNAUTHENTICATED) throw error;
      if (error instanceof DomainError) throw unauthenticated('Invalid credentials');
      throw error;
    }
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.cache) if (entry.until <= now) this.cache.delete(key);
  }
}
