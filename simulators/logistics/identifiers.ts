import type { Rng } from '../generator/prng.ts';

/** GS1 mod-10 check digit (GTIN, GLN, SSCC): weights 3,1,3… from the rightmost data digit. */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** SSCC-18: extension digit, GS1 company prefix, serial reference, check digit. */
export function sscc(companyPrefix: string, serial: number, extension = 0): string {
  const body = `${extension}${companyPrefix}${String(serial).padStart(16 - companyPrefix.length, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
}

/** The EPC URI of an SSCC: company prefix, then extension digit + serial reference (check digit dropped). */
export function ssccUrn(code: string, companyPrefixLength: number): string {
  const prefix = code.slice(1, 1 + companyPrefixLength);
  const serial = `${code[0]}${code.slice(1 + companyPrefixLength, 17)}`;
  return `urn:epc:id:sscc:${prefix}.${serial}`;
}

/** UPS 1Z tracking number: letters count as (code - 63) mod 10, odd positions once, even ones twice. */
export function upsTracking(rng: Rng): string {
  const body = `${rng.chars('ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6)}03${rng.digits(7)}`;
  let sum = 0;
  [...body].forEach((char, i) => {
    const value = /\d/.test(char) ? Number(char) : (char.charCodeAt(0) - 63) % 10;
    sum += i % 2 === 1 ? value * 2 : value;
  });
  return `1Z${body}${(10 - (sum % 10)) % 10}`;
}

/** FedEx 12-digit tracking number: weights 1,3,7 from the right, sum mod 11 mod 10. */
export function fedexTracking(rng: Rng): string {
  const body = `7${rng.digits(10)}`;
  const weights = [1, 3, 7];
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * weights[i % 3]!;
  return `${body}${(sum % 11) % 10}`;
}

/** DHL Express waybill: 9 digits and their value mod 7. */
export function dhlTracking(rng: Rng): string {
  const body = `${rng.int(1, 9)}${rng.digits(8)}`;
  return `${body}${Number(body) % 7}`;
}

export const CARRIERS = [
  { scac: 'UPSN', name: 'UPS', tracking: upsTracking },
  { scac: 'FDEG', name: 'FedEx Ground', tracking: fedexTracking },
  { scac: 'DHLC', name: 'DHL Express', tracking: dhlTracking },
] as const;

/** A stable small number from a text (partner names, request ids) to seed choices. */
export function hashOf(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash;
}
