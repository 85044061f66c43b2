import type { ContactDocument, Provenance } from '../../contacts/contact.model';
import { csvCells, downloadSignature, exportCost, exportIdOf, exportInputSchema, exportRow, verifyDownload } from '../export.rules';

const seen: Provenance = { source: { kind: 'PARTNER', name: 'p' }, firstSeenAt: new Date(0), lastVerifiedAt: null, status: 'VERIFIED' };
const contact: Omit<ContactDocument, 'searchTokens'> = {
  _id: 'c1',
  name: { value: 'Jane Doe', ...seen },
  jobTitle: null,
  company: { value: 'Acme', ...seen },
  location: { country: 'FR', city: 'Paris', ...seen },
  skills: [],
  profileUrl: null,
  professionalEmails: [{ value: 'jane@acme.example', ...seen }],
  directEmails: [{ value: 'jane@mail.example', ...seen }],
  phones: [{ value: '+33612345678', kind: 'MOBILE', country: 'FR', ...seen }, { value: '+33199001234', kind: 'LANDLINE', country: 'FR', ...seen }],
  sortName: 'jane doe',
  revision: 1,
  lastUpdatedAt: new Date('2026-01-01T00:00:00.000Z'),
  createdAt: new Date(0),
};

describe('export rules', () => {
  it('[CON-06] each exported contact costs one export credit', () => {
    expect(exportCost(1)).toBe(1);
    expect(exportCost(250)).toBe(250);
  });

  it('[CON-06] the same key in the same workspace is the same export; another workspace gets another', () => {
    expect(exportIdOf('ws:a', 'key-1')).toBe(exportIdOf('ws:a', 'key-1'));
    expect(exportIdOf('ws:a', 'key-1')).not.toBe(exportIdOf('ws:b', 'key-1'));
  });

  it('[CON-06] only the details revealed in the workspace are exported', () => {
    const row = exportRow(contact, ['PHONE']);
    expect(row).toMatchObject({ name: 'Jane Doe', company: 'Acme', professionalEmails: [], directEmails: [], phones: ['+33612345678', '+33199001234'] });
    expect(csvCells(row)).toEqual(['c1', 'Jane Doe', '', 'Acme', 'FR', 'Paris', '', '', '', '+33612345678;+33199001234', '2026-01-01T00:00:00.000Z']);
  });

  it('[CON-06] input: one source of contacts, no duplicates, a known format', () => {
    expect(exportInputSchema.safeParse({ contactIds: ['a', 'a'], format: 'CSV', idempotencyKey: 'key-12345' }).success).toBe(false);
    expect(exportInputSchema.safeParse({ contactIds: ['a'], format: 'XML', idempotencyKey: 'key-12345' }).success).toBe(false);
    expect(exportInputSchema.safeParse({ listId: 'l1', format: 'JSON', idempotencyKey: 'key-12345' }).success).toBe(true);
  });

  it('[CON-06] download links are signed and expire', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const expires = now.getTime() + 60_000;
    const signature = downloadSignature('exp_1', expires, 's'.repeat(40));
    expect(verifyDownload('exp_1', expires, signature, 's'.repeat(40), now)).toBe(true);
    expect(verifyDownload('exp_2', expires, signature, 's'.repeat(40), now)).toBe(false);
    expect(verifyDownload('exp_1', expires + 1, signature, 's'.repeat(40), now)).toBe(false);
    expect(verifyDownload('exp_1', expires, signature, 's'.repeat(40), new Date(expires + 1))).toBe(false);
  });
});
