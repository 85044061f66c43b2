import type { VatRateChange } from '../vat.model';
import { decideVat, normaliseVatNumber, rateInForce, vatAmountCents, vatNumberProblem } from '../vat.rules';

const france = { country: 'FR', euMember: true, vatNumberPrefix: 'FR', standardRates: [{ effectiveFrom: '2014-01-01', rateBasisPoints: 2000 }] };
const germany = { country: 'DE', euMember: true, vatNumberPrefix: 'DE', standardRates: [{ effectiveFrom: '2021-01-01', rateBasisPoints: 1900 }] };
const at = new Date('2026-11-23T09:00:00.000Z');

describe('VAT rules', () => {
  it('[BIL-02] a buyer in France pays 20 % French VAT, with or without a VAT number', () => {
    expect(decideVat({ seller: france, buyerCountry: 'FR', buyer: france, vatNumber: null, at })).toEqual({
      treatment: 'DOMESTIC',
      rateBasisPoints: 2000,
    });
    expect(decideVat({ seller: france, buyerCountry: 'FR', buyer: france, vatNumber: 'FR12345678901', at })).toEqual({
      treatment: 'DOMESTIC',
      rateBasisPoints: 2000,
    });
  });

  it('[BIL-02] an EU business with a VAT number is reverse-charged: no VAT invoiced', () => {
    expect(decideVat({ seller: france, buyerCountry: 'DE', buyer: germany, vatNumber: 'DE123456789', at })).toEqual({
      treatment: 'REVERSE_CHARGE',
      rateBasisPoints: 0,
    });
  });

  it('[BIL-02] an EU buyer without a VAT number pays the VAT of its own country', () => {
    expect(decideVat({ seller: france, buyerCountry: 'DE', buyer: germany, vatNumber: null, at })).toEqual({
      treatment: 'DESTINATION_RATE',
      rateBasisPoints: 1900,
    });
  });

  it('[BIL-02] a buyer outside the EU pays no EU VAT', () => {
    expect(decideVat({ seller: france, buyerCountry: 'US', buyer: null, vatNumber: null, at })).toEqual({
      treatment: 'OUT_OF_SCOPE',
      rateBasisPoints: 0,
    });
  });

  it('[BIL-02] VAT is added at the rate in force on the day of the sale', () => {
    const estonia: VatRateChange[] = [
      { effectiveFrom: '2025-07-01', rateBasisPoints: 2400 },
      { effectiveFrom: '2024-01-01', rateBasisPoints: 2200 },
    ];
    expect(rateInForce(estonia, new Date('2025-06-30T23:59:59.000Z'))).toBe(2200);
    expect(rateInForce(estonia, new Date('2025-07-01T00:00:00.000Z'))).toBe(2400);
    expect(() => rateInForce(estonia, new Date('2023-12-31T12:00:00.000Z'))).toThrow(/no VAT rate in force/);
  });

  it('[BIL-02] VAT is computed in integer cents, rounded half up', () => {
    expect(vatAmountCents(6500, 2000)).toBe(1300);
    expect(vatAmountCents(1, 2000)).toBe(0);
    expect(vatAmountCents(3, 2000)).toBe(1);
    expect(vatAmountCents(10_001, 2550)).toBe(2550);
  });

  it('VAT numbers are normalised and must carry the buyer country prefix', () => {
    expect(normaliseVatNumber(' fr 12.345-678 901 ')).toBe('FR12345678901');
    expect(vatNumberProblem('FR12345678901', france)).toBeNull();
    expect(vatNumberProblem('DE123456789', france)).toMatch(/must start with FR/);
    expect(vatNumberProblem('12', france)).toMatch(/not a VAT number/);
    expect(vatNumberProblem('EL123456789', { vatNumberPrefix: 'EL' })).toBeNull();
  });

  it.each([
    ['FR12345678901', 'FR', '[A-HJ-NP-Z0-9]{2}\\d{9}', null],
    ['FR12ABC', 'FR', '[A-HJ-NP-Z0-9]{2}\\d{9}', 'is not a well-formed FR VAT number'],
    ['DE123456789', 'DE', '\\d{9}', null],
    ['DE12', 'DE', '\\d{9}', 'is not a well-formed DE VAT number'],
    ['NL123456789B01', 'NL', '\\d{9}B\\d{2}', null],
    ['ATU12345678', 'AT', 'U\\d{8}', null],
  ])('[BIL-02] %s against the %s national format (%s): %s', (vatNumber, prefix, format, problem) => {
    expect(vatNumberProblem(vatNumber, { vatNumberPrefix: prefix }, format)).toBe(problem);
  });
});
