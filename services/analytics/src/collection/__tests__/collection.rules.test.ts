import {
  defaultCollectionLimits,
  globalPrivacyControlOf,
  looksLikeContactDetail,
  pagePath,
  truncateIp,
  userAgentFamily,
  validateEvent,
} from '../collection.rules';

const now = new Date('2026-11-23T09:00:00.000Z');
const event = (overrides: Record<string, unknown> = {}) => ({ type: 'PAGE_VIEW', name: 'search', page: '/search', occurredAt: '2026-11-23T08:59:00.000Z', ...overrides });

describe('collection rules', () => {
  it('[ANA-03] IPv4 addresses are truncated to /24, IPv6 to /48, before storage', () => {
    expect(truncateIp('203.0.113.42')).toBe('203.0.113.0/24');
    expect(truncateIp('::ffff:198.51.100.7')).toBe('198.51.100.0/24');
    expect(truncateIp('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48');
    expect(truncateIp('not an ip')).toBeNull();
    expect(truncateIp(null)).toBeNull();
  });

  it('[ANA-03] e-mail addresses and phone numbers are recognised anywhere in a text', () => {
    expect(looksLikeContactDetail('jane.doe@example.com')).toBe(true);
    expect(looksLikeContactDetail('/contacts/jane.doe%40example.com')).toBe(true);
    expect(looksLikeContactDetail('+33 6 12 34 56 78')).toBe(true);
    expect(looksLikeContactDetail('06.12.34.56.78')).toBe(true);
    expect(looksLikeContactDetail('+1 415 555 2671')).toBe(true);
    expect(looksLikeContactDetail('search')).toBe(false);
    expect(looksLikeContactDetail('42')).toBe(false);
    expect(looksLikeContactDetail('2026-11-23')).toBe(false);
  });

  it('[ANA-03] events carrying contact details are rejected with a reason naming the field', () => {
    expect(validateEvent(event({ properties: { query: 'jane@example.com' } }), now, defaultCollectionLimits)).toEqual({
      ok: false,
      reason: 'CONTACT_DETAILS_NOT_ALLOWED',
      detail: 'properties.query: must not contain an e-mail address or a phone number',
    });
    expect(validateEvent(event({ properties: { phone: 33612345678 } }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'CONTACT_DETAILS_NOT_ALLOWED' });
    expect(validateEvent(event({ page: '/profile/jane@example.com' }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'CONTACT_DETAILS_NOT_ALLOWED' });
    expect(validateEvent(event({ properties: { '0612345678': true } }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'CONTACT_DETAILS_NOT_ALLOWED' });
  });

  it('[ANA-01] pages are kept as paths: query strings and fragments are dropped', () => {
    expect(pagePath('/search?q=jane&page=2#top')).toBe('/search');
    expect(pagePath('https://app.leadgraph.io/lists/42?sort=name')).toBe('/lists/42');
    expect(pagePath('pricing')).toBe('/pricing');
    const valid = validateEvent(event({ page: '/search?email=jane@example.com' }), now, defaultCollectionLimits);
    expect(valid).toMatchObject({ ok: true, event: { page: '/search' } });
  });

  it('[ANA-01] unknown types, malformed events and timestamps out of bounds are rejected with a reason', () => {
    expect(validateEvent(event({ type: 'CLICKSTREAM' }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'UNKNOWN_EVENT_TYPE' });
    expect(validateEvent(event({ occurredAt: 'yesterday' }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'MALFORMED', detail: expect.stringMatching(/^occurredAt/) });
    expect(validateEvent({ type: 'ACTION' }, now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expect(validateEvent(event({ extra: 1 }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expect(validateEvent('nope', now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expect(validateEvent(event({ occurredAt: '2026-11-23T09:04:00.000Z' }), now, defaultCollectionLimits)).toMatchObject({ ok: true });
    expect(validateEvent(event({ occurredAt: '2026-11-23T09:06:00.000Z' }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'FUTURE_TIMESTAMP' });
    expect(validateEvent(event({ occurredAt: '2026-11-10T09:00:00.000Z' }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'TOO_OLD' });
    expect(validateEvent(event({ properties: { nested: { a: 1 } } }), now, defaultCollectionLimits)).toMatchObject({ ok: false, reason: 'MALFORMED' });
  });

  it('[ANA-01] user agents are reduced to a browser family', () => {
    expect(userAgentFamily('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36')).toBe('Chrome');
    expect(userAgentFamily('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15')).toBe('Safari');
    expect(userAgentFamily('Mozilla/5.0 (Windows NT 10.0; rv:121.0) Gecko/20100101 Firefox/121.0')).toBe('Firefox');
    expect(userAgentFamily('Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('Edge');
    expect(userAgentFamily('curl/8.0')).toBe('Other');
    expect(userAgentFamily(undefined)).toBeNull();
  });

  it('[PRV-06] only Sec-GPC: 1 is a Global Privacy Control signal', () => {
    expect(globalPrivacyControlOf('1')).toBe(true);
    expect(globalPrivacyControlOf('0')).toBe(false);
    expect(globalPrivacyControlOf(undefined)).toBe(false);
  });
});
