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
