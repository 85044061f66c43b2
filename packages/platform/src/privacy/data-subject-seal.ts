import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Personal data travelling through the event stream for a data-subject request (an access
 * export, a rectified name, a directive) is sealed with AES-256-GCM under a key shared by the
 * subgraph services, so JetStream, the dead-letter subject and the admin event tail never hold it
 * in clear and it cannot be altered unnoticed.
 */
const VERSION = 'v1';

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'leadgraph', 'data-subject-seal v1', 32));
}

export class SealedPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedPayloadError';
  }
}

export function sealDataSubjectPayload(value: unknown, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Throws SealedPayloadError when the payload was sealed under another key or altered. */
export function openDataSubjectPayload(sealed: string, secret: string): unknown {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || !ciphertext) throw new SealedPayloadError('not a sealed data-subject payload');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    throw new SealedPayloadError('sealed data-subject payload cannot be opened: wrong key or altered');
  }
}
