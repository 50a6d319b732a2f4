import { describe, expect, it } from 'vitest';
import { isoTimestamp, lastIsoTimestamp, utcMillis } from './iso-time.ts';

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

  it('writes instants of days met in turn, and between them ones it leaves to the Date, each with its own day', () => {
    const days = [Date.UTC(2024, 1, 29), Date.UTC(2023, 11, 31), Date.UTC(-50, 5, 5), Date.UTC(2024, 1, 29)];
    for (let i = 0; i < 40; i++) {
      const millis = days[i % days.length]! + ((i * 7_919_123) % 86_400_000);
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

describe('utcMillis', () => {
  it('gives what Date.UTC gives for every day of the years 100–9999 around leap days and centuries, and of five centuries', () => {
    const check = (year: number, month: number, day: number, i: number) => {
      const [hour, minute, second, millis] = [i % 24, (i * 7) % 60, (i * 13) % 60, (i * 97) % 1000];
      expect(utcMillis(year, month, day, hour, minute, second, millis), `${year}-${month}-${day}`).toBe(
        Date.UTC(year, month - 1, day, hour, minute, second, millis),
      );
    };
    const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
    let i = 0;
    for (const year of [100, 101, 399, 400, 401, 1000, 1600, 1700, 1899, 1900, 1970, 2000, 2024, 2100, 9999])
      for (let month = 1; month <= 12; month++)
        for (let day = 1; day <= daysIn(year, month); day++) check(year, month, day, i++);
    for (let year = 1800; year < 2300; year++)
      for (let month = 1; month <= 12; month++) check(year, month, 1 + (year % daysIn(year, month)), i++);
    expect(utcMillis(1970, 1, 1, 0, 0, 0, 0)).toBe(0);
    expect(utcMillis(9999, 12, 31, 23, 59, 59, 999)).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  });
});
