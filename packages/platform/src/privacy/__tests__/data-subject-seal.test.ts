import { SealedPayloadError, openDataSubjectPayload, sealDataSubjectPayload } from '../data-subject-seal';

describe('sealed data-subject payloads (PRV-05: personal data never in clear on the stream)', () => {
  const key = 'k'.repeat(40);

  it('opens what it sealed, and the sealed text does not contain the data', () => {
    const value = { email: 'jane@acme.example', nested: [1, 2] };
    const sealed = sealDataSubjectPayload(value, key);
    expect(sealed).not.toContain('jane');
    expect(openDataSubjectPayload(sealed, key)).toEqual(value);
  });

  it('refuses another key, an altered payload and garbage', () => {
    const sealed = sealDataSubjectPayload({ a: 1 }, key);
    expect(() => openDataSubjectPayload(sealed, 'x'.repeat(40))).toThrow(SealedPayloadError);
    const parts = sealed.split('.');
    const altered = [parts[0], parts[1], parts[2], `${parts[3]?.slice(0, -2) ?? ''}AA`].join('.');
    expect(() => openDataSubjectPayload(altered, key)).toThrow(SealedPayloadError);
    expect(() => openDataSubjectPayload('hello', key)).toThrow(SealedPayloadError);
  });
});
