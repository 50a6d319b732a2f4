import { describe, expect, it } from 'vitest';
import { createRng } from './prng.ts';
import { generateVat, isValidVat } from './vat.ts';

// Shapes from the EU VIES documentation and HMRC, written independently of vat.ts.
const SHAPES = {
  DE: /^DE[1-9]\d{8}$/,
  FR: /^FR[0-9A-HJ-NP-Z]{2}\d{9}$/,
  GB: /^GB\d{9}$/,
  NL: /^NL\d{9}B\d{2}$/,
  IT: /^IT\d{11}$/,
  ES: /^ES[A-Z0-9]\d{7}[A-Z0-9]$/,
} as const;

describe('VAT ids', () => {
  it('accepts published valid examples (python-stdnum test numbers)', () => {
    for (const vat of [
      'DE136695976',
      'FR40303265045',
      'GB980780684',
      'IT00743110157',
      'NL004495445B01',
      'ESA13585625',
    ]) {
      expect(isValidVat(vat), vat).toBe(true);
    }
  });

  it('rejects a changed digit', () => {
    expect(isValidVat('DE136695977')).toBe(false);
    expect(isValidVat('FR40303265046')).toBe(false);
    expect(isValidVat('IT00743110158')).toBe(false);
  });

  it('generates the right shape with valid check digits for every VAT country, none for the US', () => {
    const rng = createRng(7);
    for (const [country, shape] of Object.entries(SHAPES)) {
      for (let i = 0; i < 200; i++) {
        const vat = generateVat(rng, country as keyof typeof SHAPES);
        expect(vat).toMatch(shape);
        expect(isValidVat(vat!), vat).toBe(true);
      }
    }
    expect(generateVat(rng, 'US')).toBeUndefined();
  });
});
