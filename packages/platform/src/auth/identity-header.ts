import { SignJWT, jwtVerify } from 'jose';
import { callerSchema, type Caller } from './caller';

/** Header the gateway uses to forward the verified caller to subgraphs. */
export const IDENTITY_HEADER = 'x-leadgraph-identity';
const ISSUER = 'leadgraph-gateway';
const AUDIENCE = 'leadgraph-subgraph';
const LIFETIME_SECONDS = 60;

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export async function signIdentity(caller: Caller, secret: string, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ caller })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + LIFETIME_SECONDS)
    .sign(keyOf(secret));
}

/** Returns the caller when the header carries a valid gateway signature, null otherwise. */
export async function verifyIdentity(header: string | undefined, secret: string, now: Date): Promise<Caller | null> {
  if (!header) return null;
  try {
    const { payload } = await jwtVerify(header, keyOf(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const parsed = callerSchema.safeParse(payload.caller);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
