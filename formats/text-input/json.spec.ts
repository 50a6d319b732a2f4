import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANONICAL_DECIMAL, decimalFitsCanonical } from './decimal.ts';
import { hasLongNumberRun, MAX_JSON_DEPTH, parseJson, parseJsonOrLines } from './json.ts';
import { exactInDouble, JsonDecimal, plainDecimal } from './json-number.ts';
import { refusal } from './test-support.ts';

describe('parseJson: nesting', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} at the bracket, with the pointer`, () => {
    expect(() => parseJson('test', `${'['.repeat(64)}${']'.repeat(64)}`)).not.toThrow();
    const error = refusal(`{"a": [1, {"b\\"/~": ${'['.repeat(63)}${']'.repeat(63)}}]}`);
    expect(error.location).toBe('line 1, column 82');
    expect(error.message).toMatch(/deeper than 64 levels \(at \/a\/1\/b"~1~0\/0\/0\//);
  });

  it('brackets inside strings, escaped quotes included, are text', () => {
    const value = parseJson('test', JSON.stringify({ s: `\\"${'['.repeat(1000)}` }));
    expect(value).toEqual({ s: `\\"${'['.repeat(1000)}` });
  });

  it('a string that ends in escaped backslashes ends at its quote: what follows is counted', () => {
    // One, two and three escaped backslashes (`\\`) before the closing quote.
    for (const escaped of [1, 2, 3]) {
      const key = `k${'\\\\'.repeat(escaped)}`;
      const error = refusal(`{"${key}": ${'['.repeat(64)}${']'.repeat(64)}}`);
      expect(error.message).toMatch(/deeper than 64 levels/);
    }
    expect(parseJson('test', '["\\\\", "\\"[", 1]')).toEqual(['\\', '"[', 1]);
  });

  it('JSON lines: each line is scanned, errors keep the line', () => {
    const text = `{"a":1}\n${'['.repeat(65)}${']'.repeat(65)}\n`;
    expect(() => parseJsonOrLines('test', text)).toThrow(/^test: line 2, column 65: JSON nested deeper/);
  });
});

describe('parseJson: numbers', () => {
  it('keeps numbers a double holds as numbers, others as JsonDecimal with their source', () => {
    const value = parseJson(
      'test',
      '[12.5, 9007199254740991, 9007199254740993, 1e400, 1e-400, 0.1000000000000000055, 1e25]',
    );
    expect(value).toEqual([
      12.5,
      9007199254740991,
      new JsonDecimal('9007199254740993'),
      new JsonDecimal('1e400'),
      new JsonDecimal('1e-400'),
      new JsonDecimal('0.1000000000000000055'),
      new JsonDecimal('1e25'),
    ]);
    expect(JSON.stringify(value)).toBe(
      '[12.5,9007199254740991,"9007199254740993","1e400","1e-400","0.1000000000000000055","1e25"]',
    );
  });

  it('finds a lone number a double does not hold wherever it stands in a document (the quick check reads every 8th character)', () => {
    for (let offset = 0; offset < 24; offset++) {
      const pad = 'x'.repeat(offset);
      for (const source of [
        '9007199254740993',
        '0.1000000000000000055',
        '-12345678901234567',
        '1e400',
        '2E+400',
      ]) {
        const value = parseJson('test', `{"pad":"${pad}","n":${source},"m":[1.5,${offset}]}`);
        expect(value, `${source} after ${offset}`).toEqual({
          pad,
          n: new JsonDecimal(source),
          m: [1.5, offset],
        });
      }
      expect(parseJson('test', `{"pad":"${pad}","n":123456789012345,"t":"2024-01-01T00:00:00Z"}`)).toEqual({
        pad,
        n: 123456789012345,
        t: '2024-01-01T00:00:00Z',
      });
    }
  });

  it('hasLongNumberRun: 16 digits and points in a row at any position, not 15', () => {
    for (let offset = 0; offset < 20; offset++) {
      const pad = 'a'.repeat(offset);
      expect(hasLongNumberRun(`${pad}${'1'.repeat(16)}`), `16 after ${offset}`).toBe(true);
      expect(hasLongNumberRun(`${pad}${'1'.repeat(16)}b`), `16 after ${offset}`).toBe(true);
      expect(hasLongNumberRun(`${pad}1234567.89012345b`), `point after ${offset}`).toBe(true);
      expect(hasLongNumberRun(`${pad}${'1'.repeat(15)}b${'2'.repeat(15)}`), `15 after ${offset}`).toBe(false);
      expect(hasLongNumberRun(`${pad}${'1'.repeat(8)}-${'2'.repeat(8)}`), `split after ${offset}`).toBe(
        false,
      );
    }
  });

  it('exactInDouble: 15 digits always, exponents when exact, never past 2^53 for whole numbers', () => {
    expect(exactInDouble('123456789012345')).toBe(true);
    expect(exactInDouble('1.5e3')).toBe(true);
    expect(exactInDouble('0.30000000000000004')).toBe(true);
    expect(exactInDouble('0.3000000000000000444')).toBe(false);
    expect(exactInDouble('9007199254740992')).toBe(false);
    expect(exactInDouble('1e400')).toBe(false);
  });

  it('plainDecimal: exact expansion within decimal(24, 6), a reason otherwise', () => {
    expect(plainDecimal('1.5e3')).toEqual({ value: '1500' });
    expect(plainDecimal('-12.50')).toEqual({ value: '-12.5' });
    expect(plainDecimal('1.23e-4')).toEqual({ value: '0.000123' });
    expect(plainDecimal('0e999999')).toEqual({ value: '0' });
    expect(plainDecimal('1.23e-7')).toEqual({
      problem: '1.23e-7 has 9 decimal places; at most 6 are kept exactly',
    });
    expect(plainDecimal('1e18')).toEqual({
      problem: '1e18 has 19 digits before the decimal point; at most 18 fit',
    });
  });
});

describe('the canonical decimal bound', () => {
  it('is what Money.avsc and Quantity.avsc declare', () => {
    for (const name of ['Money', 'Quantity']) {
      const schema = JSON.parse(
        readFileSync(join(import.meta.dirname, '../../schemas/common', `${name}.avsc`), 'utf8'),
      ) as { fields: Array<{ type: { logicalType?: string; precision?: number; scale?: number } }> };
      const decimal = schema.fields.find((f) => f.type.logicalType === 'decimal')!.type;
      expect({ precision: decimal.precision, scale: decimal.scale }).toEqual(CANONICAL_DECIMAL);
    }
  });

  it('decimalFitsCanonical counts significant digits only', () => {
    expect(decimalFitsCanonical('000123456789012345678.123456000')).toBe(true);
    expect(decimalFitsCanonical('1234567890123456789')).toBe(false);
    expect(decimalFitsCanonical('0,1234567')).toBe(false);
    expect(decimalFitsCanonical('-.5')).toBe(true);
  });
});
