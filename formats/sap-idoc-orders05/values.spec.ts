import { describe, expect, it } from 'vitest';
import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { sapTime } from './values.ts';
import type { XmlSegment } from './xml.ts';

// UZEIT / EZEIT as real IDocs write them, and the times no clock shows (small and fast: npm run test:mutation
// runs this file against each mutant of the time check).
const segment = (value: string | undefined): XmlSegment => ({
  name: 'E1EDK03',
  loc: '/ORDERS05/IDOC[1]/E1EDK03[1]',
  fields: value === undefined ? {} : { UZEIT: value },
  children: [],
});

describe('sapTime', () => {
  it('reads HHMMSS and HHMM, the day’s first and last second included', () => {
    expect(sapTime(segment('123000'), 'UZEIT', '2024-03-11')).toBe('12:30:00');
    expect(sapTime(segment('1230'), 'UZEIT', '2024-03-11')).toBe('12:30:00');
    expect(sapTime(segment('000000'), 'UZEIT', '2024-03-11')).toBe('00:00:00');
    expect(sapTime(segment('235959'), 'UZEIT', '2024-03-11')).toBe('23:59:59');
    expect(sapTime(segment(' 0905 '), 'UZEIT', '2024-03-11')).toBe('09:05:00');
  });

  it('gives no time without a date, or for a blank or missing field', () => {
    expect(sapTime(segment('1230'), 'UZEIT', null)).toBeNull();
    expect(sapTime(segment('   '), 'UZEIT', '2024-03-11')).toBeNull();
    expect(sapTime(segment(undefined), 'UZEIT', '2024-03-11')).toBeNull();
  });

  for (const value of ['2400', '240000', '2360', '235960', '12345', '1', 'ab12', '12:30']) {
    it(`refuses "${value}" at the field, saying what a time looks like`, () => {
      let error: unknown;
      try {
        sapTime(segment(value), 'UZEIT', '2024-03-11');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).location).toBe('/ORDERS05/IDOC[1]/E1EDK03[1]/UZEIT');
      expect((error as FormatError).message).toContain(
        `UZEIT is not a time (HHMMSS or HHMM): ${quotedValue(value)}`,
      );
    });
  }
});
