/**
 * VAT identification numbers with each country's shape and check digits, so that a matcher which
 * validates VAT ids (as real MDM tools do) accepts the clean ones. The US has no VAT: none is produced.
 */

import type { CountryCode } from './locales/types.ts';
import type { Rng } from './prng.ts';

const digitsOf = (s: string): number[] => [...s].map(Number);

/** Luhn check digit for a string of digits (used by the French SIREN and the Italian partita IVA). */
function luhnCheckDigit(payload: string): number {
  let sum = 0;
  const ds = digitsOf(payload).reverse();
  for (let i = 0; i < ds.length; i++) {
    let d = ds[i]!;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** ISO 7064 MOD 11,10, the German USt-IdNr check digit. */
function germanCheckDigit(payload: string): number {
  let product = 10;
  for (const d of digitsOf(payload)) {
    let sum = (d + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  const check = 11 - product;
  return check === 10 ? 0 : check;
}

function frenchKey(siren: string): string {
  return String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, '0');
}

/** UK: weights 8..2 over seven digits; the two check digits bring the sum to a multiple of 97. */
function britishCheck(payload: string): string {
  const sum = digitsOf(payload).reduce((acc, d, i) => acc + d * (8 - i), 0);
  return String((97 - (sum % 97)) % 97).padStart(2, '0');
}

/** Dutch "elfproef": weights 9..2 over eight digits, check = sum mod 11 (10 is not allowed). */
function dutchCheck(payload: string): number {
  return digitsOf(payload).reduce((acc, d, i) => acc + d * (9 - i), 0) % 11;
}

/** Spanish CIF control: odd positions doubled (digit sum), even positions added. */
function spanishCifControl(digits7: string): number {
  let sum = 0;
  digitsOf(digits7).forEach((d, i) => {
    if (i % 2 === 0) {
      const doubled = d * 2;
      sum += Math.floor(doubled / 10) + (doubled % 10);
    } else sum += d;
  });
  return (10 - (sum % 10)) % 10;
}

export function generateVat(rng: Rng, country: CountryCode): string | undefined {
  switch (country) {
    case 'DE': {
      const payload = String(rng.int(1, 9)) + rng.digits(7);
      return `DE${payload}${germanCheckDigit(payload)}`;
    }
    case 'FR': {
      const base = String(rng.int(3, 9)) + rng.digits(7);
      const siren = base + luhnCheckDigit(base);
      return `FR${frenchKey(siren)}${siren}`;
    }
    case 'GB': {
      const payload = String(rng.int(1, 9)) + rng.digits(6);
      return `GB${payload}${britishCheck(payload)}`;
    }
    case 'NL': {
      for (;;) {
        const payload = rng.digits(8);
        const check = dutchCheck(payload);
        if (check !== 10) return `NL${payload}${check}B${rng.pick(['01', '01', '01', '02'])}`;
      }
    }
    case 'IT': {
      const payload = rng.digits(7) + String(rng.int(1, 100)).padStart(3, '0');
      return `IT${payload}${luhnCheckDigit(payload)}`;
    }
    case 'ES': {
      const digits7 = rng.digits(7);
      return `ES${rng.pick(['A', 'B', 'B'])}${digits7}${spanishCifControl(digits7)}`;
    }
    case 'US':
      return undefined;
  }
}

/** Checks shape and check digits of a VAT id as generated above (compact form, no spaces). */
export function isValidVat(vat: string): boolean {
  const country = vat.slice(0, 2);
  const body = vat.slice(2);
  switch (country) {
    case 'DE':
      return /^[1-9]\d{8}$/.test(body) && germanCheckDigit(body.slice(0, 8)) === Number(body[8]);
    case 'FR':
      return (
        /^\d{11}$/.test(body) &&
        luhnCheckDigit(body.slice(2, 10)) === Number(body[10]) &&
        frenchKey(body.slice(2)) === body.slice(0, 2)
      );
    case 'GB':
      return /^\d{9}$/.test(body) && britishCheck(body.slice(0, 7)) === body.slice(7);
    case 'NL':
      return /^\d{9}B\d{2}$/.test(body) && dutchCheck(body.slice(0, 8)) === Number(body[8]);
    case 'IT':
      return /^\d{11}$/.test(body) && luhnCheckDigit(body.slice(0, 10)) === Number(body[10]);
    case 'ES':
      return /^[AB]\d{8}$/.test(body) && spanishCifControl(body.slice(1, 8)) === Number(body[8]);
    default:
      return false;
  }
}
