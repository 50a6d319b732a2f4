import { randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Key prefixes of the objects the simulator knows (the first three characters of every id). */
export const KEY_PREFIX = {
  Account: '001',
  Contact: '003',
  Case: '500',
  Order: '801',
  User: '005',
  Organization: '00D',
} as const;

/**
 * The 3-character suffix that makes a 15-character id case-insensitive: for each 5-character chunk,
 * a 5-bit number whose bit i is set when character i is an upper-case letter.
 */
export function caseChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i] ?? '';
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

export function to18(id: string): string {
  return id.length === 15 ? id + caseChecksum(id) : id;
}

/** A well-formed 15- or 18-character id whose suffix, if present, matches. */
export function isValidId(id: string): boolean {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-5]{3})?$/.test(id)) return false;
  return id.length === 15 || caseChecksum(id.slice(0, 15)) === id.slice(15).toUpperCase();
}

/** A new 18-character id: prefix, a 2-character pod, a reserved 0, nine random base-62 characters. */
export function newId(prefix: string, pod = '5g'): string {
  let body = '';
  for (let i = 0; i < 9; i++) body += BASE62[randomInt(62)];
  return to18(`${prefix}${pod}0${body}`);
}
