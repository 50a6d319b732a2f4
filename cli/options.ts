import { ConfigError } from '../lib/errors.ts';

/** A whole-number option above 0 (`--limit`), refused with one line naming it. */
export function positiveInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`${name} must be a positive integer`);
  return Number(value);
}
