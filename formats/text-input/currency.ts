/** ISO 4217 codes as Node's ICU knows them (active and historic), so no table is kept by hand. */
const codes = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return codes.has(code);
}
