import { Writable } from 'node:stream';
import { createLogger, scrubText } from '../logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createLogger({ name: 'test', level: 'info', destination }) };
}

describe('logger: no personal data or credentials in log lines', () => {
  it('scrubs e-mails, phone numbers, JWTs, bearer credentials and API tokens from free text', () => {
    const text = scrubText(
      'user jane.doe@acme.com called +33 6 12 34 56 78 with Bearer abc.def and eyJhbGciOi.eyJzdWIiOi.sig and lg_abcdefghijklmnopqrstuvwxyz',
    );
    expect(text).not.toMatch(/jane\.doe|acme\.com|12 34 56|abc\.def|eyJ|lg_abc/);
    expect(text).toContain('[email]');
    expect(text).toContain('[phone]');
    expect(text).toContain('[jwt]');
    expect(text).toContain('[api-token]');
  });

  it('scrubs national and dotted phone formats but keeps dates and loopback addresses readable', () => {
    expect(scrubText('call 06.12.34.56.78 or (020) 7946-0958')).toBe('call [phone] or [phone]');
    expect(scrubText('listening on http://127.0.0.1:4105/graphql')).toBe('listening on http://127.0.0.1:4105/graphql');
    expect(scrubText('cut-off 2021-11-23T00:00:00.000Z, due 2026-12-23')).toBe('cut-off 2021-11-23T00:00:00.000Z, due 2026-12-23');
  });

  it('redacts secret-named fields and scrubs nested values and messages', () => {
    const { lines, logger } = capture();
    logger.info(
      { password: 'hunter2-password', token: 'abc', input: { email: 'a@b.co', note: 'call me at +44 20 7946 0958' } },
      'sign-up for bob@example.org',
    );
    const line = lines.join('');
    expect(line).not.toMatch(/hunter2|a@b\.co|bob@example|7946/);
    const parsed = JSON.parse(line) as { password: string; input: { email: string; note: string }; msg: string };
    expect(parsed.password).toBe('[redacted]');
    expect(parsed.input.email).toBe('[redacted]');
    expect(parsed.input.note).toContain('[phone]');
    expect(parsed.msg).toBe('sign-up for [email]');
  });

  it('scrubs error messages logged as err', () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error('duplicate key: carol@corp.io') }, 'failed');
    expect(lines.join('')).not.toContain('carol@corp.io');
  });
});
