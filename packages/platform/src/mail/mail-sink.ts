import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  id: number;
  from: string;
  to: string[];
  subject: string;
  text: string;
  receivedAt: string;
}

/**
 * Local SMTP sink: accepts every message, keeps it in memory and lists it over HTTP
 * (`GET /messages?to=...`), so developers and tests can read sign-up codes and invitations.
 */
export class MailSink {
  private readonly messages: SinkMessage[] = [];
  private smtp: SMTPServer | null = null;
  private api: http.Server | null = null;
  smtpPort = 0;
  httpPort = 0;

  async start(options: { smtpPort: number; httpPort: number; host?: string }): Promise<void> {
    const host = options.host ?? '127.0.0.1';
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.messages.push({
              id: this.messages.length + 1,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              receivedAt: new Date().toISOString(),
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    const smtp = this.smtp;
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(options.smtpPort, host, () => resolve());
    });
    this.smtpPort = (smtp.server.address() as AddressInfo).port;

    this.api = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://sink');
      if (url.pathname === '/messages' && request.method === 'GET') {
        const to = url.searchParams.get('to')?.toLowerCase();
        const list = to ? this.messages.filter((message) => message.to.includes(to)) : this.messages;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(list));
        return;
      }
      if (url.pathname === '/messages' && request.method === 'DELETE') {
        this.messages.length = 0;
        response.statusCode = 204;
        response.end();
        return;
      }
      response.statusCode = 404;
      response.end();
    });
    const api = this.api;
    await new Promise<void>((resolve) => api.listen(options.httpPort, host, resolve));
    this.httpPort = (api.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.smtp ? this.smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.api ? this.api.close(() => resolve()) : resolve()));
  }
}

/** Reads the sink's HTTP API: what tests use to fetch codes and links from mail. */
export class MailSinkClient {
  constructor(private readonly baseUrl: string) {}

  async list(to?: string): Promise<SinkMessage[]> {
    const url = new URL('/messages', this.baseUrl);
    if (to) url.searchParams.set('to', to);
    const response = await fetch(url);
    return (await response.json()) as SinkMessage[];
  }

  /** Waits until a message to `to` whose subject matches arrives (mail is sent asynchronously). */
  async waitFor(to: string, subject: RegExp, timeoutMs = 10_000): Promise<SinkMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.list(to)).filter((message) => subject.test(message.subject)).at(-1);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
