/**
 * GS1 keys (GTIN, SSCC, GLN) end in a check digit over the digits before it: GS1 General Specifications' mod-10
 * (from the right, digits weighted 3, 1, 3, …; the check digit brings the sum to a multiple of ten).
 */
export function gs1CheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

const THIRTEEN_DIGITS = /^\d{13}$/;

/** Whether `value` is a GLN (Global Location Number): 13 digits, the last the GS1 check digit of the 12 before it. */
export function isGln(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    THIRTEEN_DIGITS.test(value) &&
    gs1CheckDigit(value.slice(0, 12)) === value[12]
  );
}
