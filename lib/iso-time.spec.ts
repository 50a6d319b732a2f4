import { describe, expect, it } from 'vitest';
import { isoTimestamp, lastIsoTimestamp } from './iso-time.ts';

describe('isoTimestamp', () => {
  it('writes what Date#toISOString writes, at the edges of days, months, leap years and the supported years', () => {
    const edges = [
      0,
      -1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      Date.UTC(2023, 1, 28, 12),
      Date.UTC(2000, 1, 29),
      Date.UTC(1900, 2, 1) - 1,
      Date.UTC(2100, 1, 28, 23, 59, 59, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(1000, 0, 1),
      Date.UTC(1000, 0, 1) - 1,
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1,
      Date.UTC(-50, 5, 5),
      8.64e15,
      -8.64e15,
    ];
    for (const millis of edges) expect(isoTimestamp(millis)).toBe(new Date(millis).toISOString());
    // Every day of five centuries around now, at a varying time of day.
    for (let day = -200 * 365; day < 300 * 365; day++) {
      const millis = day * 86_400_000 + ((day * 7_919_123) % 86_400_000);
      expect(isoTimestamp(millis)).toBe(new Date(millis).toISOString());
    }
  });

  it('leaves fractional and invalid millis to the Date (truncated, or its RangeError)', () => {
    expect(isoTimestamp(1.7)).toBe(new Date(1.7).toISOString());
    expect(() => isoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => isoTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('lastIsoTimestamp', () => {
  it('answers what isoTimestamp answers, for an instant repeated or changed, and still refuses NaN', () => {
    const write = lastIsoTimestamp();
    for (const millis of [0, 0, Date.UTC(2024, 1, 29), Date.UTC(2024, 1, 29), 1, 0, -1, -1])
      expect(write(millis)).toBe(isoTimestamp(millis));
    expect(() => write(Number.NaN)).toThrow(RangeError);
    expect(() => write(Number.NaN)).toThrow(RangeError);
    expect(write(5)).toBe(isoTimestamp(5));
  });
});
