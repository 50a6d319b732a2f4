/** The largest decimals canonical Money and Quantity carry (schemas/common/Money.avsc, Quantity.avsc: decimal(24, 6)). */
export const CANONICAL_DECIMAL = { precision: 24, scale: 6 } as const;

/**
 * Whether a well-formed decimal fits a canonical decimal (CANONICAL_DECIMAL: 18 digits before the point, 6 after;
 * trailing fractional zeros and leading zeros do not count). A longer one would fail later in the mapping, far
 * from its segment; the readers refuse it at the element.
 */
export function decimalFitsCanonical(value: string): boolean {
  // One pass without allocation: the EDI readers call this for every quantity and amount of a large file.
  let whole = 0;
  let fraction = 0;
  let zerosAtEnd = 0;
  let leading = true;
  let inFraction = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46 || c === 44) inFraction = true;
    else if (c >= 48 && c <= 57) {
      if (inFraction) {
        fraction++;
        zerosAtEnd = c === 48 ? zerosAtEnd + 1 : 0;
      } else if (!leading || c !== 48) {
        leading = false;
        whole++;
      }
    }
  }
  return (
    whole <= CANONICAL_DECIMAL.precision - CANONICAL_DECIMAL.scale &&
    fraction - zerosAtEnd <= CANONICAL_DECIMAL.scale
  );
}

/** A decimal with a base-10 exponent (`1E2`, `-2.5E-3`, `1.5e+4`); at most four exponent digits. */
const EXPONENT_FORM = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d{1,4})$/;

/**
 * A decimal written with a base-10 exponent as the plain decimal it stands for (`1E2` → `100`, `-2.5E-3` →
 * `-0.0025`), by moving its point in the digits (never through a float); undefined for text of another form or an
 * exponent of more than four digits (a number no canonical decimal holds).
 */
export function withoutExponent(value: string): string | undefined {
  const m = EXPONENT_FORM.exec(value);
  const intDigits = m?.[2] ?? '';
  const digits = `${intDigits}${m?.[3] ?? ''}`;
  if (!m || digits === '') return undefined;
  const point = intDigits.length + Number(m[4]);
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '0';
    fraction = `${'0'.repeat(-point)}${digits}`;
  } else if (point >= digits.length) {
    whole = `${digits}${'0'.repeat(point - digits.length)}`;
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return m[1] === '-' && /[1-9]/.test(body) ? `-${body}` : body;
}
