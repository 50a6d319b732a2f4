import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, isGln } from './gs1.ts';

describe('GS1 check digits', () => {
  it("gives GS1's worked example (GTIN-13 629104150021, check digit 3) and the GLN of the EPCIS standard's examples", () => {
    expect(gs1CheckDigit('629104150021')).toBe('3');
    expect(gs1CheckDigit('061414100777')).toBe('6');
  });

  it('takes a GLN: 13 digits, the last the check digit of the others (a partner sample, a GS1 Germany prefix)', () => {
    for (const gln of ['4250159300001', '4399901760448', '0614141007776', '4012345000009'])
      expect(isGln(gln), gln).toBe(true);
  });

  it('refuses a wrong check digit, another length, other characters and nothing', () => {
    for (const value of ['4250159300002', '0614141007777', '425015930000', '42501593000011', '425015930000A'])
      expect(isGln(value), value).toBe(false);
    for (const value of [undefined, null, 4250159300001, ' 4250159300001']) expect(isGln(value)).toBe(false);
  });
});
