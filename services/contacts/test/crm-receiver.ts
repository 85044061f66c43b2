import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature, type SignatureCheck } from '../src/crm-webhooks/crm-webhook.rules';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  check: SignatureCheck;
  answered: number;
}

/** A tiny CRM: verifies each delivery's signature with the secret it was given and answers the queued statuses (200 when none). */
export class Receiver {
  readonly received: Received[] = [];
  readonly statuses: number[] = [];
  secret = '';
  private server: Server | null = null;
  url = '';

  constructor(private readonly now: () => Date) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = request.headers['leadgraph-signature'];
        const check = verifySignature(typeof header === 'string' ? header : null, body, this.secret, this.now());
        const answered = check.valid ? (this.statuses.shift() ?? 200) : 401;
        this.received.push({ headers: request.headers, body, check, answered });
        response.writeHead(answered, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/leadgraph`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
