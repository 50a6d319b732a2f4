import { describe, expect, it } from 'vitest';
import { alpha2Country } from './iso3166.ts';

describe('ISO 3166-1 alpha-3 → alpha-2', () => {
  it('reads alpha-3 codes in any case, and keeps anything else as sent', () => {
    expect(['USA', 'CAN', 'mex', 'DEU', 'GBR', 'ALA', 'CUW'].map(alpha2Country)).toEqual([
      'US',
      'CA',
      'MX',
      'DE',
      'GB',
      'AX',
      'CW',
    ]);
    expect(['US', 'XXX', 'UK', '', 'Germany'].map(alpha2Country)).toEqual(['US', 'XXX', 'UK', '', 'Germany']);
  });

  it("agrees with the region names Node's ICU knows for every alpha-2 code it maps to", () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ['USA', 'FRA', 'JPN', 'BRA', 'ZAF', 'NZL', 'CHE', 'KOR']) {
      const alpha2 = alpha2Country(code);
      expect(alpha2).toMatch(/^[A-Z]{2}$/);
      expect(names.of(alpha2)).not.toBe(alpha2);
    }
  });
});
