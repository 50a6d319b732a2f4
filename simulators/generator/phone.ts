/**
 * Phone numbers kept as parts, rendered in the formats people and systems of each country use,
 * so the same number appears as +49 30 1234567, 030/1234567 or 0049301234567.
 */
import type { CountryCode } from './locales/types.ts';

export interface PhoneNumber {
  country: CountryCode;
  countryCode: string;
  trunkPrefix: string;
  /** Area code or mobile prefix, as dialled after the trunk prefix. */
  area: string;
  subscriber: string;
}

/** E.164 without spaces: the canonical form a matcher should normalise to. */
export function toE164(phone: PhoneNumber): string {
  return `+${phone.countryCode}${phone.area}${phone.subscriber}`;
}

const groups = (digits: string, sizes: number[]): string => {
  const out: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    out.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) out.push(digits.slice(at));
  return out.join(' ');
};

const pairs = (digits: string): string => digits.match(/.{1,2}/g)?.join(' ') ?? digits;

type Formatter = (p: PhoneNumber) => string;

/** Local renderings per country; the first is the international form with spaces. */
const FORMATS: Record<CountryCode, Formatter[]> = {
  DE: [
    (p) => `+49 ${p.area} ${p.subscriber}`,
    (p) => `0${p.area} ${p.subscriber}`,
    (p) => `0${p.area}/${p.subscriber}`,
    (p) => `0${p.area}-${p.subscriber}`,
    (p) => `+49 (0)${p.area} ${p.subscriber}`,
    (p) => `0049${p.area}${p.subscriber}`,
  ],
  FR: [
    (p) => `+33 ${p.area} ${pairs(p.subscriber)}`,
    (p) => `0${p.area} ${pairs(p.subscriber)}`,
    (p) => pairs(`0${p.area}${p.subscriber}`).replace(/ /g, '.'),
    (p) => `0${p.area}${p.subscriber}`,
    (p) => `+33 (0)${p.area} ${pairs(p.subscriber)}`,
  ],
  GB: [
    (p) => `+44 ${p.area} ${groups(p.subscriber, [p.subscriber.length - 4])}`,
    (p) => `0${p.area} ${groups(p.subscriber, [p.subscriber.length - 4])}`,
    (p) => `(0${p.area}) ${groups(p.subscriber, [p.subscriber.length - 4])}`,
    (p) => `0${p.area}${p.subscriber}`,
    (p) => `+44 (0)${p.area} ${p.subscriber}`,
  ],
  US: [
    (p) => `+1 ${p.area} ${p.subscriber.slice(0, 3)} ${p.subscriber.slice(3)}`,
    (p) => `(${p.area}) ${p.subscriber.slice(0, 3)}-${p.subscriber.slice(3)}`,
    (p) => `${p.area}-${p.subscriber.slice(0, 3)}-${p.subscriber.slice(3)}`,
    (p) => `${p.area}.${p.subscriber.slice(0, 3)}.${p.subscriber.slice(3)}`,
    (p) => `1-${p.area}-${p.subscriber.slice(0, 3)}-${p.subscriber.slice(3)}`,
  ],
  NL: [
    (p) => `+31 ${p.area} ${groups(p.subscriber, [3])}`,
    (p) => `0${p.area}-${p.subscriber}`,
    (p) => `0${p.area} ${groups(p.subscriber, [3])}`,
    (p) => `(0${p.area}) ${p.subscriber}`,
    (p) => `+31(0)${p.area}${p.subscriber}`,
  ],
  IT: [
    (p) => `+39 ${p.area} ${groups(p.subscriber, [4])}`,
    (p) => `${p.area} ${p.subscriber}`,
    (p) => `${p.area}/${p.subscriber}`,
    (p) => `${p.area}-${p.subscriber}`,
    (p) => `0039 ${p.area} ${p.subscriber}`,
  ],
  ES: [
    (p) => `+34 ${groups(p.area + p.subscriber, [3, 3, 3])}`,
    (p) => groups(p.area + p.subscriber, [3, 3, 3]),
    (p) => `${p.area} ${groups(p.subscriber, [p.subscriber.length === 7 ? 3 : 2, 2, 2])}`,
    (p) => `${p.area}${p.subscriber}`,
    (p) => `0034 ${p.area}${p.subscriber}`,
  ],
};

export function phoneFormatCount(country: CountryCode): number {
  return FORMATS[country].length;
}

/** Renders the number in format `style` (0 is international with spaces, the canonical display form). */
export function formatPhone(phone: PhoneNumber, style = 0): string {
  const formats = FORMATS[phone.country];
  const format = formats[style % formats.length]!;
  return format(phone);
}

/** Digits a matcher would compare (country code plus national significant number), from any format above. */
export function phoneDigits(text: string, countryCode: string, trunkPrefix: string): string {
  const digits = text.replace(/\(0\)/g, '').replace(/\D/g, '');
  if (text.trim().startsWith('+')) return digits;
  if (digits.startsWith('00')) return digits.slice(2);
  if (countryCode === '1' && digits.length === 11 && digits.startsWith('1')) return digits;
  return (
    countryCode + (trunkPrefix && digits.startsWith(trunkPrefix) ? digits.slice(trunkPrefix.length) : digits)
  );
}
