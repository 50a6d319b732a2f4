import { describe, expect, it } from 'vitest';
import { isValidSalesforceId, salesforceId, salesforceIdSuffix, sapKunnr, toSalesforceId18 } from './ids.ts';

/** The suffix as commonly written in Apex: reverse each block, read upper-case flags as binary. */
function referenceSuffix(id15: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let out = '';
  for (let block = 0; block < 3; block++) {
    const bits = [...id15.slice(block * 5, block * 5 + 5)]
      .reverse()
      .map((c) => (c >= 'A' && c <= 'Z' ? '1' : '0'))
      .join('');
    out += alphabet[Number.parseInt(bits, 2)];
  }
  return out;
}

describe('Salesforce ids', () => {
  it('appends the documented case-checksum suffix', () => {
    expect(toSalesforceId18('001D000000IRFma')).toBe('001D000000IRFmaIAH');
    expect(salesforceIdSuffix('003000000000000')).toBe('AAA');
  });

  it('mints 18-character ids with the object prefix and a suffix matching a reference implementation', () => {
    for (const sequence of [0, 61, 62, 916_132_831, 123_456_789_012]) {
      const id = salesforceId('Contact', sequence);
      expect(id).toMatch(/^003[0-9A-Za-z]{15}$/);
      expect(id.slice(15)).toBe(referenceSuffix(id.slice(0, 15)));
      expect(isValidSalesforceId(id, 'Contact')).toBe(true);
      expect(isValidSalesforceId(id, 'Account')).toBe(false);
    }
  });

  it('gives distinct sequences distinct ids, and rejects a tampered suffix', () => {
    expect(salesforceId('Account', 1000)).not.toBe(salesforceId('Account', 1001));
    const id = salesforceId('Account', 62 ** 5 + 17);
    expect(isValidSalesforceId(`${id.slice(0, 15)}AAA`)).toBe(id.slice(15) === 'AAA');
    expect(() => salesforceId('Account', 62 ** 9)).toThrow(RangeError);
  });
});

describe('SAP customer numbers', () => {
  it('pads to ten digits with leading zeros', () => {
    expect(sapKunnr(100234)).toBe('0000100234');
    expect(() => sapKunnr(10_000_000_000)).toThrow(RangeError);
  });
});
