import { contactIdsInBody, nextAttemptAt, optOutDeliveryIdOf, redactBody, pushExportKey, retryDelayMs, signatureHeader, signatureOf, verifySignature, webhookConfigSchema } from '../crm-webhook.rules';

describe('CRM webhook rules (CON-06)', () => {
  const secret = 'whsec_test-secret';
  const at = new Date('2026-11-23T09:00:00.000Z');
  const body = '{"type":"contacts.exported"}';

  it('[CON-06] signs `<timestamp>.<body>` with HMAC-SHA256 in a t=,v1= header', () => {
    const header = signatureHeader(body, at, secret);
    expect(header).toBe(`t=${at.getTime() / 1000},v1=${signatureOf(body, at.getTime() / 1000, secret)}`);
    expect(signatureOf(body, 1, secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(signatureOf(body, 1, secret)).not.toBe(signatureOf(body, 2, secret));
  });

  it('[CON-06] verification accepts within the tolerance and refuses tampering, other secrets, stale or malformed headers', () => {
    const header = signatureHeader(body, at, secret);
    expect(verifySignature(header, body, secret, new Date(at.getTime() + 299_000))).toEqual({ valid: true, timestamp: at.getTime() / 1000 });
    expect(verifySignature(header, body, secret, new Date(at.getTime() + 301_000))).toEqual({ valid: false, reason: 'EXPIRED' });
    expect(verifySignature(header, body, secret, new Date(at.getTime() + 1_000_000), 2000)).toMatchObject({ valid: true });
    expect(verifySignature(header, `${body} `, secret, at)).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verifySignature(header, body, 'other-secret', at)).toEqual({ valid: false, reason: 'MISMATCH' });
    expect(verifySignature('v1=abc', body, secret, at)).toEqual({ valid: false, reason: 'MALFORMED' });
    expect(verifySignature(null, body, secret, at)).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it('[CON-06] retries back off exponentially and stop after the maximum attempts', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, 30))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(nextAttemptAt(2, 3, 30, at)).toEqual(new Date(at.getTime() + 60_000));
    expect(nextAttemptAt(3, 3, 30, at)).toBeNull();
  });

  it('[CON-06] webhook URLs are absolute http(s) without credentials; plain http only when allowed', () => {
    expect(webhookConfigSchema(false).safeParse({ url: 'https://crm.example/hooks' }).success).toBe(true);
    expect(webhookConfigSchema(false).safeParse({ url: 'http://crm.example/hooks' }).success).toBe(false);
    expect(webhookConfigSchema(true).safeParse({ url: 'http://127.0.0.1:8080/hooks' }).success).toBe(true);
    for (const url of ['not a url', 'ftp://crm.example', 'https://user:pw@crm.example/', '']) expect(webhookConfigSchema(true).safeParse({ url }).success).toBe(false);
  });

  it('[CON-06] a push key maps to one export key (charged once per key)', () => {
    expect(pushExportKey('push-key-1')).toBe(pushExportKey('push-key-1'));
    expect(pushExportKey('push-key-1')).not.toBe(pushExportKey('push-key-2'));
    expect(pushExportKey('x'.repeat(100)).length).toBeLessThanOrEqual(100);
  });

  it('[CON-08] one opt-out notice per scope and contact', () => {
    expect(optOutDeliveryIdOf('ws:a', 'c1')).toBe(optOutDeliveryIdOf('ws:a', 'c1'));
    expect(optOutDeliveryIdOf('ws:a', 'c1')).not.toBe(optOutDeliveryIdOf('ws:b', 'c1'));
  });

  it('[PRV-05][CON-08] an erased person\u2019s rows leave a stored body, everything else kept; an unreadable body cannot be rewritten', () => {
    const stored = JSON.stringify({ id: 'crmd_1', type: 'contacts.exported', workspaceId: 'ws1', contacts: [{ id: 'c1', name: 'Jane Doe', professionalEmails: ['jane@acme.example'] }, { id: 'c2', name: 'John Roe' }] });
    expect(contactIdsInBody(stored)).toEqual(['c1', 'c2']);
    const redacted = redactBody(stored, new Set(['c1']));
    expect(redacted).toMatchObject({ kind: 'REWRITTEN', removed: ['c1'] });
    const body = redacted.kind === 'REWRITTEN' ? redacted.body : '';
    expect(body).not.toMatch(/Jane|jane@acme/);
    expect(JSON.parse(body)).toEqual({ id: 'crmd_1', type: 'contacts.exported', workspaceId: 'ws1', contacts: [{ id: 'c2', name: 'John Roe' }] });
    expect(redactBody(stored, new Set(['c9']))).toEqual({ kind: 'UNCHANGED' });
    for (const unreadable of ['not json', '{"type":"contacts.exported","contacts":"c1"}', '{"type":"contact.opted_out","contactId":"c1"}', null]) {
      expect(redactBody(unreadable, new Set(['c1']))).toEqual({ kind: 'UNREADABLE' });
      expect(contactIdsInBody(unreadable)).toBeNull();
    }
  });
});
