import { describe, expect, it } from 'vitest';
import { isoMillis } from '../../formats/text-input/calendar.ts';
import {
  decimal,
  decimalDiv,
  decimalMul,
  decimalSum,
  htmlText,
  makeLookupCode,
  timestamp,
  trimZeros,
  wrap,
} from './functions.ts';

// Each case here is chosen so a plausible wrong change to functions.ts fails it (issue 16 §3): the fast paths
// that the broader engine spec leaves untested.

describe('$decimal and friends: exact digits, whatever side the fraction is on', () => {
  it('reads a number written without its leading zero', () => {
    expect(decimal('.5')).toBe('0.5');
    expect(decimal('-.5')).toBe('-0.5');
    expect(decimal('.50-')).toBe('-0.5');
    expect(decimal('+.05')).toBe('0.05');
    expect(decimal('5.')).toBe('5');
    expect(() => decimal('.')).toThrow(/not a number/);
    expect(() => decimal('+')).toThrow(/not a number/);
  });

  it('reads a base-10 exponent (an X12 R value, 1E2) as the plain decimal it stands for, exactly', () => {
    expect(decimal('1E2')).toBe('100');
    expect(decimal('4.8E1')).toBe('48');
    expect(decimal('325E-2')).toBe('3.25');
    expect(decimal('-2.5E-3')).toBe('-0.0025');
    expect(decimal('.14E2')).toBe('14');
    expect(decimal('0E5')).toBe('0');
    expect(decimal('1.5e+4')).toBe('15000');
    expect(decimal('123456789012345678E-6')).toBe('123456789012.345678');
    expect(() => decimal('1E')).toThrow(/not a number/);
    expect(() => decimal('E2')).toThrow(/not a number/);
    expect(() => decimal('1E99999')).toThrow(/not a number/);
  });

  it('reads plain digits (the common case, read without regular expressions) to the same normal form', () => {
    for (const [text, normal] of [
      ['34.90', '34.9'],
      ['007', '7'],
      ['000', '0'],
      ['0.0', '0'],
      ['000.00100', '0.001'],
      ['10.000', '10'],
      ['120', '120'],
      [' 8.000 ', '8'],
      ['12345678901234567890.5', '12345678901234567890.5'],
      // With a leading sign: `-` kept unless the number is zero, `+` dropped.
      ['-1', '-1'],
      ['-12.50', '-12.5'],
      ['-007.10', '-7.1'],
      ['-0', '0'],
      ['-0.000', '0'],
      ['+2.50', '2.5'],
      ['+0', '0'],
      [' -3.0 ', '-3'],
    ])
      expect(decimal(text), text).toBe(normal);
    expect(() => decimal('1.2.3')).toThrow(/not a number/);
    expect(() => decimal('1,5')).toThrow(/not a number/);
    for (const text of ['-', '--1', '-+1', '+-1', '-1.', '-.', '- 1', '1-1', '-1.2.3'])
      if (text === '-1.') expect(decimal(text), text).toBe('-1');
      else expect(() => decimal(text), text).toThrow(/not a number/);
  });

  it('reads JS numbers exactly, exponents included, and refuses what is not finite', () => {
    expect(decimal(0.5)).toBe('0.5');
    expect(decimal(1e-7)).toBe('0.0000001');
    expect(decimal(-12)).toBe('-12');
    expect(() => decimal(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
    expect(() => decimal(Number.NaN)).toThrow(/not a finite number/);
  });

  it('multiplies with the result scale the sum of both operand scales', () => {
    expect(decimalMul('0.5', '0.5')).toBe('0.25');
    expect(decimalMul('1.25', '0.2')).toBe('0.25');
    expect(decimalMul('0.001', '0.001')).toBe('0.000001');
    expect(decimalMul('12.34', '5.6')).toBe('69.104');
    expect(decimalMul('-0.5', '0.5')).toBe('-0.25');
    expect(decimalMul('-0.5', '-0.5')).toBe('0.25');
    expect(decimalMul('.5', '.5')).toBe('0.25');
    expect(decimalMul('0.5', '0')).toBe('0');
    expect(decimalMul('99999999999999999.99', '0.01')).toBe('999999999999999.9999');
    // Products at and past 2^53 in last-place units, where doubles stop being exact: BigInts take over.
    expect(decimalMul('9490626.5', '9490626.5')).toBe('90071991362502.25');
    expect(decimalMul('9490626.7', '9490626.7')).toBe('90071995158752.89');
    expect(decimalMul('94906265.62', '94906265.62')).toBe('9007199253933993.9844');
    expect(decimalMul('999999999999999', '999999999999999')).toBe('999999999999998000000000000001');
    expect(decimalMul('-0.5', '0')).toBe('0');
    expect(decimalMul('34.90', 3)).toBe('104.7');
    expect(decimalMul(undefined, '2')).toBeUndefined();
    expect(decimalMul('2', undefined)).toBeUndefined();
  });

  it('sums operands of different scales without losing digits', () => {
    expect(decimalSum(['0.5', '0.25', '0.125'])).toBe('0.875');
    expect(decimalSum(['1.5', '-0.05'])).toBe('1.45');
    expect(decimalSum(['-0.5'])).toBe('-0.5');
    expect(decimalSum('2.50')).toBe('2.5');
    expect(decimalSum([undefined, '0.1'])).toBe('0.1');
    expect(decimalSum([])).toBeUndefined();
  });
});

describe('$decimalMul, $decimalSum and $decimalDiv read their common operands without strings made', () => {
  // The exact answer, in BigInts from the digits alone: what the functions must give whichever way they compute.
  const scaled = (text: string) => {
    const [whole = '', fraction = ''] = text.replace(/^[+-]/, '').split('.');
    return {
      units: BigInt(`${whole || '0'}${fraction}`) * (text.startsWith('-') ? -1n : 1n),
      scale: fraction.length,
    };
  };
  const written = (units: bigint, scale: number) => {
    const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
    const body = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
      .replace(/\.?0*$/, '')
      .replace(/^$/, '0');
    return units < 0n && body !== '0' ? `-${body}` : body;
  };
  const product = (a: string, b: string) => {
    const x = scaled(a);
    const y = scaled(b);
    return written(x.units * y.units, x.scale + y.scale);
  };
  const sum = (values: string[]) => {
    const scale = Math.max(...values.map((v) => scaled(v).scale));
    return written(
      values.reduce((total, v) => total + scaled(v).units * 10n ** BigInt(scale - scaled(v).scale), 0n),
      scale,
    );
  };
  // Signs, leading and trailing zeros, 15 and 16 digits, places up to 15, products and sums across 2^53.
  const operands = [
    '0',
    '-0',
    '+0',
    '0.00',
    '-0.00',
    '1',
    '-1',
    '+2.50',
    '007',
    '0.001',
    '-0.05',
    '34.90',
    '99.99',
    '1.000000',
    '0.000000000000001',
    '-0.123456789012345',
    '999999999999999',
    '-999999999999999',
    '9999999999999999',
    '94906265.62',
    '9490626.7',
    '4503599627370496',
    '9007199254740991',
    '123456789.123456',
  ];

  it('multiplies as the exact product, in normal form', () => {
    for (const a of operands)
      for (const b of operands) expect(decimalMul(a, b), `${a} × ${b}`).toBe(product(a, b));
    expect(decimalMul(2, '-1')).toBe('-2');
    expect(decimalMul(9007199254740991, 2)).toBe('18014398509481982');
    expect(decimalMul(-0, '5.5')).toBe('0');
    expect(decimalMul(2.5, 2)).toBe('5');
  });

  it('sums as the exact total, in normal form', () => {
    for (const a of operands)
      for (const b of operands) {
        expect(decimalSum([a, b]), `${a} + ${b}`).toBe(sum([a, b]));
        expect(decimalSum([a, undefined, b, null, '-0.5']), `${a} + ${b} - 0.5`).toBe(sum([a, b, '-0.5']));
      }
    expect(decimalSum([undefined, null])).toBeUndefined();
    expect(decimalSum([4503599627370496, 4503599627370496])).toBe('9007199254740992');
  });

  it('reads the other forms the general way, as before', () => {
    expect(decimalMul(' 2.5 ', '2')).toBe('5');
    expect(decimalMul('1E2', '0.5')).toBe('50');
    expect(decimalMul('2.500-', '2')).toBe('-5');
    expect(decimalSum(['1e-2', '2.500-', ' 3 '])).toBe('0.51');
    expect(decimalSum(['', '1.5'])).toBe('1.5');
    expect(() => decimalMul('1.2.3', '1')).toThrow(/is not a number/);
    expect(() => decimalSum(['5.', 'x'])).toThrow(/is not a number/);
    expect(decimalMul('.5', '5.')).toBe('2.5');
  });

  it('divides as the exact quotient rounded half away from zero', () => {
    for (const a of operands)
      for (const b of operands) {
        const y = scaled(b);
        if (y.units === 0n) continue;
        const x = scaled(a);
        // a / b to 7 places, truncated, then rounded on the 7th: the canonical decimal's 6 places.
        const shift = 7 + y.scale - x.scale;
        const tenfold =
          shift >= 0
            ? (x.units * 10n ** BigInt(shift)) / y.units
            : x.units / (y.units * 10n ** BigInt(-shift));
        const rounded = (tenfold + (tenfold < 0n ? -5n : 5n)) / 10n;
        const expected =
          b
            .replace(/^[+]/, '')
            .replace(/^0*(?=\d)/, '')
            .replace(/\.0*$/, '') === '1'
            ? decimalDiv(a, '1')
            : written(rounded, 6);
        expect(decimalDiv(a, b), `${a} ÷ ${b}`).toBe(expected);
      }
  });
});

describe('$decimalDiv', () => {
  it('divides exactly to the canonical 6 places, rounding half away from zero', () => {
    expect(decimalDiv('178.90', '2')).toBe('89.45');
    expect(decimalDiv('178.90', '3')).toBe('59.633333');
    expect(decimalDiv('2', '3')).toBe('0.666667');
    expect(decimalDiv('-2', '3')).toBe('-0.666667');
    expect(decimalDiv('0.0000005', '1')).toBe('0.000001');
    expect(decimalDiv('0.00000049', '1')).toBe('0');
    expect(decimalDiv('-0.0000005', '1')).toBe('-0.000001');
    expect(decimalDiv('1', '0.0003')).toBe('3333.333333');
    expect(decimalDiv('0.12345678', '0.001')).toBe('123.45678');
    expect(decimalDiv('99999999999999999.99', '7')).toBe('14285714285714285.712857');
    expect(decimalDiv('10', 4)).toBe('2.5');
    expect(decimalDiv('149.08', '1')).toBe('149.08');
    expect(decimalDiv('-0.1234565', '1')).toBe('-0.123457');
    expect(decimalDiv('7.50', '1.0')).toBe('7.5');
    expect(decimalDiv(undefined, '2')).toBeUndefined();
    expect(decimalDiv('2', undefined)).toBeUndefined();
  });

  it('refuses a division by zero', () => {
    expect(() => decimalDiv('1', '0.00')).toThrow(/divided by zero/);
    expect(() => decimalDiv('-12345678901234', '-0')).toThrow(/divided by zero/);
  });
});

// $decimalSum and $decimalDiv work in doubles while every value and partial result is an integer below 2^53, and in
// BigInts otherwise: both against plain BigInt arithmetic written here, on random decimals of 1 to 17 digits and
// 0 to 8 places, either sign (doubles' limit inside the range, so both paths and the switch between them are run).
describe('$decimalSum and $decimalDiv against BigInt arithmetic', () => {
  let seed = 54;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const randomDecimal = () => {
    const digits = 1 + Math.floor(random() * 17);
    const places = Math.min(digits, Math.floor(random() * 9));
    let text = '';
    for (let i = 0; i < digits; i++) text += Math.floor(random() * 10);
    const whole = text.slice(0, digits - places).replace(/^0+(?=\d)/, '') || '0';
    const body = places ? `${whole}.${text.slice(digits - places)}` : whole;
    return random() < 0.3 ? `-${body}` : body;
  };
  const scaled = (v: string) => {
    const [w, f = ''] = v.replace('-', '').split('.');
    return { units: BigInt(w + f) * (v.startsWith('-') ? -1n : 1n), scale: f.length };
  };
  const text = (units: bigint, scale: number) => {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
    const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '') : digits;
    return body === '0' ? '0' : negative ? `-${body}` : body;
  };
  const sum = (values: string[]) => {
    const scale = Math.max(...values.map((v) => scaled(v).scale));
    const total = values.reduce((t, v) => t + scaled(v).units * 10n ** BigInt(scale - scaled(v).scale), 0n);
    return text(total, scale);
  };
  const quotient = (a: string, b: string) => {
    const p = scaled(a);
    const q = scaled(b);
    // a / b in units of 10^-7, truncated; then rounded half away from zero to 10^-6.
    const tenfold = (p.units * 10n ** BigInt(7 + q.scale)) / (q.units * 10n ** BigInt(p.scale));
    return text((tenfold + (tenfold < 0n ? -5n : 5n)) / 10n, 6);
  };

  it('sums as BigInts do', () => {
    for (let i = 0; i < 20_000; i++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 4) }, randomDecimal);
      expect(decimalSum(values), values.join(' + ')).toBe(sum(values));
    }
  });

  it('divides as BigInts do, near every rounding edge', () => {
    for (let i = 0; i < 20_000; i++) {
      const a = randomDecimal();
      const b = i % 4 === 0 ? String(1 + Math.floor(random() * 12)) : randomDecimal();
      if (/^-?0(\.0*)?$/.test(b)) continue;
      expect(decimalDiv(a, b), `${a} / ${b}`).toBe(quotient(a, b));
    }
    // Quotients a hair off an integer number of 10^-7 and exactly half way, where the double's guess is rounded.
    for (const [a, b] of [
      ['9007199.254740991', '3'],
      ['900719925.4740991', '0.0000003'],
      ['0.00000015', '1'],
      ['-0.00000025', '1'],
      ['-0.000000249999999', '1'],
      ['8999999.9999999', '0.9999999'],
      ['123456789.012345', '-0.000007'],
    ] as const)
      expect(decimalDiv(a, b), `${a} / ${b}`).toBe(quotient(a, b));
  });
});

describe('$timestamp of a date without a time', () => {
  it('is midnight UTC in every zone, as the canonical schemas write a date, and $localDate reads it back as that day', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Auckland']) {
      expect(timestamp('20261203', undefined, zone)).toBe('2026-12-03T00:00:00.000Z');
      expect(timestamp('2026-12-03', '', zone)).toBe('2026-12-03T00:00:00.000Z');
    }
    // With a time it is an instant of the zone.
    expect(timestamp('20261203', '0000', 'Europe/Berlin')).toBe('2026-12-02T23:00:00.000Z');
  });
});

describe('$timestamp across daylight saving changes (Europe/Berlin)', () => {
  // Spring 2024: clocks go 02:00 CET → 03:00 CEST on 31 March, at 01:00Z.
  it('reads the hour before the spring change in winter time', () => {
    // One pass of the offset reads 01:30 at +02:00 (the offset at 01:30Z) and gives 23:30Z the day before.
    expect(timestamp('20240331', '0130', 'Europe/Berlin')).toBe('2024-03-31T00:30:00.000Z');
    expect(timestamp('20240331', '0059', 'Europe/Berlin')).toBe('2024-03-30T23:59:00.000Z');
    expect(timestamp('2024-03-31 01:59:59', undefined, 'Europe/Berlin')).toBe('2024-03-31T00:59:59.000Z');
  });

  it('reads the hour after the spring change in summer time', () => {
    expect(timestamp('20240331', '0300', 'Europe/Berlin')).toBe('2024-03-31T01:00:00.000Z');
    expect(timestamp('20240331', '0330', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
  });

  it('places a wall-clock time that does not exist (inside the skipped hour) after the change', () => {
    // 02:30 is never shown on 31 March; read at the winter offset it is 01:30Z, i.e. 03:30 CEST.
    expect(timestamp('20240331', '0230', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
  });

  // Autumn 2024: clocks go 03:00 CEST → 02:00 CET on 27 October, at 01:00Z; 02:00-02:59 happens twice.
  it('reads the hour before the autumn overlap in summer time', () => {
    // One pass reads 01:30 at +01:00 (the offset at 01:30Z) and gives 00:30Z, an hour late.
    expect(timestamp('20241027', '0130', 'Europe/Berlin')).toBe('2024-10-26T23:30:00.000Z');
    expect(timestamp('20241027', '0000', 'Europe/Berlin')).toBe('2024-10-26T22:00:00.000Z');
  });

  it('reads a time in the repeated hour once, deterministically, and the hour after in winter time', () => {
    const repeated = timestamp('20241027', '0230', 'Europe/Berlin');
    expect(['2024-10-27T00:30:00.000Z', '2024-10-27T01:30:00.000Z']).toContain(repeated);
    expect(timestamp('20241027', '0230', 'Europe/Berlin')).toBe(repeated);
    expect(timestamp('20241027', '0330', 'Europe/Berlin')).toBe('2024-10-27T02:30:00.000Z');
  });

  it('is an hour apart either side of the change for zones west of UTC too (America/New_York)', () => {
    // 10 March 2024: 02:00 EST → 03:00 EDT at 07:00Z.
    expect(timestamp('20240310', '0130', 'America/New_York')).toBe('2024-03-10T06:30:00.000Z');
    expect(timestamp('20240310', '0330', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
    // 3 November 2024: 02:00 EDT → 01:00 EST at 06:00Z.
    expect(timestamp('20241103', '0030', 'America/New_York')).toBe('2024-11-03T04:30:00.000Z');
    expect(timestamp('20241103', '0330', 'America/New_York')).toBe('2024-11-03T08:30:00.000Z');
  });

  it('refuses hour 24, minute 60 and second 60', () => {
    expect(() => timestamp('20240115', '2400', 'Europe/Berlin')).toThrow(/not a valid date and time/);
    expect(() => timestamp('20240115', '1260')).toThrow(/not a valid date and time/);
    expect(() => timestamp('20240115', '120060')).toThrow(/not a valid date and time/);
    expect(timestamp('20240115', '235959')).toBe('2024-01-15T23:59:59.000Z');
  });
});

describe('absent inputs stay absent, malformed ones are refused', () => {
  it('$decimal: undefined, null and blanks are absent; signs on both sides, letters and empty digits refused', () => {
    expect(decimal(null)).toBeUndefined();
    expect(decimal('   ')).toBeUndefined();
    expect(decimal(' 7 ')).toBe('7');
    expect(decimal('-3')).toBe('-3');
    expect(decimal('3-')).toBe('-3');
    expect(decimal('-0.0')).toBe('0');
    expect(() => decimal('+3-')).toThrow(/"\+3-".? is not a number/);
    // An exponent is a number's (X12 R, EDIFACT syntax 4, JSON): read exactly; see the exponent test above.
    expect(decimal('1e3')).toBe('1000');
    expect(() => decimal('1e3-')).toThrow(/not a number/);
    expect(() => decimal('x')).toThrow(/not a number/);
    expect(() => decimal('-')).toThrow(/not a number/);
  });

  it('$decimalMul and $decimalSum keep signs and carry exact digits', () => {
    expect(decimalMul('-2', '3')).toBe('-6');
    expect(decimalMul('2', '-3')).toBe('-6');
    expect(decimalMul('-0.25', '4')).toBe('-1');
    expect(decimalMul('-0.01', '0.5')).toBe('-0.005');
    expect(decimalSum(['-1', '-0.5'])).toBe('-1.5');
    expect(decimalSum(['-0.001', '0'])).toBe('-0.001');
  });

  it('$wrap breaks at spaces within the width, cuts a longer word, counts characters not bytes, and refuses more lines than allowed', () => {
    expect(wrap('Müller Maschinenbau und Anlagentechnik GmbH', 20)).toEqual([
      'Müller Maschinenbau',
      'und Anlagentechnik',
      'GmbH',
    ]);
    expect(wrap('Short name', 35)).toEqual(['Short name']);
    expect(wrap('  spaced   out  ', 35)).toEqual(['spaced out']);
    expect(wrap('Donaudampfschifffahrtsgesellschaft', 10)).toEqual([
      'Donaudampf',
      'schifffahr',
      'tsgesellsc',
      'haft',
    ]);
    expect(wrap('ÄÖÜ äöü', 3)).toEqual(['ÄÖÜ', 'äöü']);
    expect(wrap(undefined, 35)).toBeUndefined();
    expect(wrap('', 35)).toEqual([]);
    expect(() => wrap('a b c', 1, 2)).toThrow(
      '$wrap: a text of 5 characters needs 3 lines of 1; the field holds 2 (2 characters)',
    );
    expect(() => wrap('a', 0)).toThrow('$wrap: the width must be a whole number above 0, got 0');
  });

  it('$trimZeros drops leading zeros only, keeps one zero, and leaves absent absent', () => {
    expect(trimZeros('000010')).toBe('10');
    expect(trimZeros('0000')).toBe('0');
    expect(trimZeros(' 0100 ')).toBe('100');
    expect(trimZeros('A0001')).toBe('A0001');
    expect(trimZeros(7)).toBe('7');
    expect(trimZeros('')).toBeUndefined();
    expect(trimZeros(' ')).toBeUndefined();
    expect(trimZeros(undefined)).toBeUndefined();
    expect(trimZeros(null)).toBeUndefined();
  });

  it('$timestamp reads an ISO timestamp with its zone as Date.parse does (its own reader for the common form)', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    let seed = 7;
    const next = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const texts = [
      '2024-02-29T23:59:59.999+14:00',
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '0099-01-01T00:00:00Z',
      '2024-01-01T00:00:00.1234Z',
      '2024-01-01T00:00:00.Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00-00:60',
      '2024-01-01T00:00:00+05:30x',
    ];
    for (let i = 0; i < 3000; i++) {
      const fraction = ['', '.5', '.25', '.125', '.1250'][next(5)];
      const zone = next(4) === 0 ? 'Z' : `${next(2) ? '+' : '-'}${pad(next(25))}:${pad(next(61))}`;
      texts.push(
        `${pad(next(2100) + 50, 4)}-${pad(next(14))}-${pad(next(33))}T${pad(next(25))}:${pad(next(61))}:${pad(next(61))}${fraction}${zone}`,
      );
    }
    let read = 0;
    for (const text of texts) {
      const parsed = Date.parse(text);
      if (Number.isNaN(parsed)) expect(() => timestamp(text), text).toThrow(/^\$timestamp: /);
      else {
        read++;
        expect(timestamp(text), text).toBe(new Date(parsed).toISOString());
      }
    }
    expect(read).toBeGreaterThan(1000);
  });

  it('$timestamp: absent, zoned, UTC, fractions and malformed input', () => {
    expect(timestamp(undefined)).toBeUndefined();
    expect(timestamp(null)).toBeUndefined();
    expect(timestamp('  ')).toBeUndefined();
    // A timestamp with its own zone ignores the zone argument, with or without a colon in the offset, or a space.
    expect(timestamp('2024-01-15T10:00:00+0530', undefined, 'Europe/Berlin')).toBe(
      '2024-01-15T04:30:00.000Z',
    );
    expect(timestamp('2024-01-15 10:00:00Z', '2300', 'Europe/Berlin')).toBe('2024-01-15T10:00:00.000Z');
    expect(() => timestamp('2024-13-45T10:00:00Z')).toThrow(/"2024-13-45T10:00:00Z".? is not a timestamp/);
    // Without a zone of its own the time is local to `zone`.
    expect(timestamp('2024-01-15T10:00', undefined, 'Europe/Berlin')).toBe('2024-01-15T09:00:00.000Z');
    // A date alone is midnight UTC whatever the zone (the canonical convention for a date without a time).
    expect(timestamp('20240115', null, 'Europe/Berlin')).toBe('2024-01-15T00:00:00.000Z');
    expect(timestamp('20240115', ' 1015 ', 'UTC')).toBe('2024-01-15T10:15:00.000Z');
    expect(timestamp('20240115', '1015', 'Z')).toBe('2024-01-15T10:15:00.000Z');
    expect(timestamp('20240115', '1015', null)).toBe('2024-01-15T10:15:00.000Z');
    expect(timestamp('20240115', '101530.25')).toBe('2024-01-15T10:15:30.250Z');
    expect(timestamp('20240115', '10:15:30,1234')).toBe('2024-01-15T10:15:30.123Z');
    expect(timestamp('2024-02-29', '00:00:00')).toBe('2024-02-29T00:00:00.000Z');
    expect(() => timestamp('x20240115')).toThrow(/"x20240115".? is not a date/);
    expect(() => timestamp('202401150')).toThrow(/is not a date/);
    expect(() => timestamp('20240115', 'x1015')).toThrow(/"x1015".? is not a time/);
    expect(() => timestamp('20240115', '10155')).toThrow(/is not a time/);
    expect(() => timestamp('20240115', '101530.x')).toThrow(/is not a time/);
    expect(() => timestamp('20230229')).toThrow(/"20230229 ".? is not a valid date/);
    expect(() => timestamp('20241301')).toThrow(/not a valid date/);
    expect(() => timestamp('20240431')).toThrow(/not a valid date/);
    expect(() => timestamp('20240115', '1015', 'Mars/Olympus')).toThrow(
      /"Mars\/Olympus" is not a time zone name/,
    );
  });
});

// $timestamp reads the common zoned form itself (isoMillis) and leaves any other text to Date.parse: a fast path
// that wrongly gave up would still answer right, only slowly, so what it reads and what it leaves are pinned here.
describe('$timestamp: the zoned ISO form read without the general parser', () => {
  it('reads YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|±HH:MM) to what Date.parse gives', () => {
    for (const text of [
      '2024-03-12T10:15:30Z',
      '2024-03-12T10:15:30.5Z',
      '2024-03-12T10:15:30.25+01:00',
      '2024-03-12T10:15:30.125-05:30',
      '2024-02-29T23:59:59-00:00',
      '2024-12-31T00:00:00+23:59',
      '0100-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999+14:00',
      '1987-06-05T04:03:02.001Z',
    ])
      expect(isoMillis(text), text).toBe(Date.parse(text));
  });

  it('leaves every other text, and impossible dates and times, to the general reading', () => {
    for (const text of [
      '2024-03-12T10:15:30',
      '2024-03-12 10:15:30Z',
      '2024-03-12T10:15:30.1234Z',
      '2024-03-12T10:15:30.Z',
      '2024-03-12T10:15:30.5',
      '2024-03-12T24:00:00Z',
      '2024-03-12T10:60:00Z',
      '2024-03-12T10:15:60Z',
      '2024-02-30T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2024-13-01T10:00:00Z',
      '2024-00-01T10:00:00Z',
      '2024-01-00T10:00:00Z',
      '0099-01-01T00:00:00Z',
      '2024-03-12T10:15:30+24:00',
      '2024-03-12T10:15:30+01:60',
      '2024-03-12T10:15:30+0100',
      '2024-03-12T10:15:30+01-00',
      '2024-03-12T10:15:30Zjunk',
      '2024/03-12T10:15:30Z',
      '2024-03/12T10:15:30Z',
      '2024-03-12X10:15:30Z',
      '2024-03-12T10-15:30Z',
      '2024-03-12T10:15-30Z',
      '2024-3-12T10:15:30Z',
      '2O24-03-12T10:15:30Z',
      '2024-03-12T1a:15:30Z',
      '2024-03-12T10:15:30.5a+01:00',
      '2024-03-12T10:15Z',
    ])
      expect(isoMillis(text), text).toBeUndefined();
  });

  it('gives the same instant from the cache as from the text, zoned or not', () => {
    for (let i = 0; i < 1030; i++) {
      const text = `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}+01:00`;
      expect(timestamp(text)).toBe(new Date(Date.parse(text)).toISOString());
      expect(timestamp(text)).toBe(new Date(Date.parse(text)).toISOString());
    }
    // The recent texts kept, and those pushed out, revisited in another order: each still its own instant.
    const texts = Array.from(
      { length: 40 },
      (_, i) => `2024-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:00:00-05:00`,
    );
    for (const order of [texts, [...texts].reverse(), texts.filter((_, i) => i % 3 === 0), texts])
      for (const text of order) expect(timestamp(text), text).toBe(new Date(Date.parse(text)).toISOString());
    expect(timestamp(' 2024-03-12T10:15:30+01:00 ')).toBe('2024-03-12T09:15:30.000Z');
    expect(timestamp('2024-03-12 10:15:30+01:00')).toBe('2024-03-12T09:15:30.000Z');
    // Texts that differ in one part each, read in turn from the cache of recent texts; an empty text has no time.
    const alike = [
      '2024-03-12T10:15:30Z',
      '2024-03-12T11:15:30Z',
      '2025-03-12T10:15:30Z',
      '2024-03-12T10:25:30Z',
    ];
    for (const text of [...alike, ...alike.reverse()])
      expect(timestamp(text), text).toBe(new Date(Date.parse(text)).toISOString());
    expect(timestamp('')).toBeUndefined();
  });
});

describe('$htmlText', () => {
  it('reads named and numeric character references as their characters, and leaves what is no reference alone', () => {
    expect(htmlText('Salt &amp; Pepper')).toBe('Salt & Pepper');
    expect(htmlText('Ship Your Idea &ndash; Color: Black')).toBe('Ship Your Idea \u2013 Color: Black');
    expect(htmlText('&#8220;Classic&#8221; &#x2013; M&#246;bel')).toBe(
      '\u201cClassic\u201d \u2013 M\u00f6bel',
    );
    // Written once: &amp;lt; is the text "&lt;", not "<".
    expect(htmlText('a &amp;lt; b')).toBe('a &lt; b');
    expect(htmlText('AT&T & Co &unknown; &#0; &#xD800; &#1114112;')).toBe(
      'AT&T & Co &unknown; &#0; &#xD800; &#1114112;',
    );
    expect(htmlText('Größe: L')).toBe('Größe: L');
    expect([htmlText(undefined), htmlText(null), htmlText(12)]).toEqual([undefined, undefined, '12']);
  });
});

describe('$lookupCode: a lookup table read backwards', () => {
  const lookupCode = makeLookupCode({
    levels: { CG: 'Ground', ND: 'Next Day Air', ON: 'Overnight', X1: 'Overnight', '*': 'Other' },
  });

  it("gives the code of a value, its first in the table's order, whatever its case and spaces", () => {
    expect(lookupCode('levels', 'Ground')).toBe('CG');
    expect(lookupCode('levels', ' next day air ')).toBe('ND');
    expect(lookupCode('levels', 'Overnight')).toBe('ON');
  });

  it('gives nothing for a value no code has (the "*" fallback is no code), or for nothing', () => {
    expect(lookupCode('levels', 'UPS GROUND')).toBeUndefined();
    expect(lookupCode('levels', 'Other')).toBeUndefined();
    expect(lookupCode('levels', undefined)).toBeUndefined();
    expect(() => lookupCode('nope', 'Ground')).toThrow(/no lookup table "nope"/);
  });
});
