import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroType, canonicalSchemas, entitySchemaFiles, loadSchema } from './catalog.ts';
import { exampleJson } from './examples.ts';
import { logicalTypes, normalizeDecimal } from './logical-types.ts';
import { renderTypes } from './typescript.ts';

type Field = { name: string; doc?: string; type: unknown };

function everyNamedType(schema: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(schema)) {
    for (const s of schema) everyNamedType(s, visit);
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  visit(node);
  for (const key of ['type', 'items', 'values']) everyNamedType(node[key], visit);
  for (const field of (node.fields as Field[] | undefined) ?? []) everyNamedType(field.type, visit);
}

/** Reference: Java's BigInteger.toByteArray, written independently with BigInt. */
function javaBytes(n: bigint): Buffer {
  const hex = (n < 0n ? (1n << BigInt(8 * 16)) + n : n).toString(16).padStart(32, '0');
  let bytes = Buffer.from(hex, 'hex');
  while (
    bytes.length > 1 &&
    ((bytes[0] === 0 && bytes[1]! < 0x80) || (bytes[0] === 0xff && bytes[1]! >= 0x80))
  ) {
    bytes = bytes.subarray(1);
  }
  return bytes;
}

/** Reference reading of a decimal string as exact BigInt arithmetic: the unscaled value, or undefined if invalid. */
function referenceUnscaled(text: string, scale: number, precision: number): bigint | undefined {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > scale) return undefined;
  const unscaled = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  if (unscaled.toString().length > precision) return undefined;
  return sign ? -unscaled : unscaled;
}

describe('canonical schemas', () => {
  it('TypeScript types are generated from the .avsc files and not stale', () => {
    const committed = readFileSync(new URL('./types.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderTypes());
  });

  it('document every record, enum and field', () => {
    for (const file of [...canonicalSchemas.map((s) => s.file), ...entitySchemaFiles]) {
      everyNamedType(loadSchema(file), (node) => {
        if (node.type === 'record' || node.type === 'enum')
          expect(node.doc, `${file} ${String(node.name)}`).toBeTruthy();
        for (const field of (node.fields as Field[] | undefined) ?? [])
          expect(field.doc, `${file} ${String(node.name)}.${field.name}`).toBeTruthy();
      });
    }
  });

  it('every example value is valid and keeps its decimals and timestamps exactly', () => {
    for (const schema of canonicalSchemas) {
      const type = avroType(schema.file);
      const example = exampleJson(schema.name);
      const paths: string[] = [];
      expect(
        type.isValid(example, { errorHook: (p) => paths.push(p.join('.')) }),
        `${schema.name}: ${paths}`,
      ).toBe(true);
      expect(JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(example))))).toEqual(example);
    }
  });

  it('decimals: exact, normalized, and refused instead of rounded', () => {
    const type = avro.Type.forSchema(
      {
        type: 'record',
        name: 'M',
        fields: [{ name: 'a', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } }],
      },
      { logicalTypes },
    );
    expect(type.fromBuffer(type.toBuffer({ a: '-1234.50' }))).toEqual({ a: '-1234.5' });
    expect(type.fromBuffer(type.toBuffer({ a: '0.10' }))).toEqual({ a: '0.1' });
    expect(type.fromBuffer(type.toBuffer({ a: '99999999.99' }))).toEqual({ a: '99999999.99' });
    expect(type.isValid({ a: '1.005' })).toBe(false);
    expect(type.isValid({ a: 1.5 })).toBe(false);
    expect(type.isValid({ a: '12abc' })).toBe(false);
    expect(type.isValid({ a: '999999999.99' })).toBe(false);
    expect(normalizeDecimal('007.500')).toBe('7.5');
  });

  it("decimals: minimal two's complement bytes on both the small-number and the BigInt path", () => {
    const type = avro.Type.forSchema(
      { type: 'bytes', logicalType: 'decimal', precision: 24, scale: 0 },
      { logicalTypes },
    );
    const edges = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 32767n, 32768n, -32768n, -32769n];
    for (let bits = 16n; bits <= 70n; bits += 1n)
      edges.push((1n << bits) - 1n, 1n << bits, -(1n << bits), -(1n << bits) - 1n);
    edges.push(99_999_999_999_999n, -99_999_999_999_999n, 100_000_000_000_000n);
    for (const n of edges) {
      const written = type.toBuffer(n.toString());
      // avsc prefixes bytes with their zig-zag length (one byte here); the rest must be exactly Java's encoding.
      expect(written.length, `${n}`).toBe(1 + javaBytes(n).length);
      expect(written.subarray(written.length - javaBytes(n).length).equals(javaBytes(n)), `${n}`).toBe(true);
      expect(type.fromBuffer(written)).toBe(n.toString());
    }
  });

  it('decimals: the fast reader agrees with exact BigInt arithmetic on edge and random strings', () => {
    const cases = [
      '0',
      '-0',
      '00.00',
      '1.',
      '.5',
      '-',
      '',
      '1..2',
      '1.2.3',
      '+1',
      ' 1.5 ',
      '1e5',
      '1,5',
      '-.5',
    ];
    cases.push('99999999999999', '100000000000000', '0.0000000000001', '12.3400000000000000000');
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => String(random(10))).join('');
    for (let i = 0; i < 3000; i++) {
      const whole = digits(1 + random(17));
      const fraction = random(3) === 0 ? '' : `.${digits(1 + random(7))}`;
      cases.push(`${random(4) === 0 ? '-' : ''}${whole}${fraction}`);
    }
    for (const [scale, precision] of [
      [0, 10],
      [2, 12],
      [4, 18],
      [6, 24],
    ] as const) {
      const type = avro.Type.forSchema(
        { type: 'bytes', logicalType: 'decimal', precision, scale },
        { logicalTypes },
      );
      for (const text of cases) {
        const expected = referenceUnscaled(text, scale, precision);
        expect(type.isValid(text), `${text} (scale ${scale}, precision ${precision})`).toBe(
          expected !== undefined,
        );
        if (expected === undefined) continue;
        const written = type.toBuffer(text);
        expect(written.subarray(1).equals(javaBytes(expected)), `${text} (scale ${scale})`).toBe(true);
      }
    }
  });

  it('timestamps: the fast ISO reader agrees with Date.parse, and fields that do not exist are refused', () => {
    const type = avro.Type.forSchema({ type: 'long', logicalType: 'timestamp-millis' }, { logicalTypes });
    const cases = ['2026-11-23T10:00:00Z', '2026-11-23T10:00:00.123Z', '2024-02-29T23:59:59.999Z'];
    cases.push(
      '2023-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
    );
    cases.push(
      '2026-11-23T24:00:00Z',
      '2026-11-23T23:60:00Z',
      '2026-11-23T23:59:60Z',
      '0099-01-01T00:00:00Z',
    );
    cases.push(
      '2026-11-23T10:00:00.12Z',
      '2026-11-23T10:00:00',
      '2026-11-23 10:00:00Z',
      '2026-1-23T10:00:00.000Z',
    );
    cases.push('2026-11-23T10:00:00+01:00', '2026-11-23T10:00:00.000z');
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 3000; i++) {
      const date = `${1900 + random(300)}-${two(random(14))}-${two(random(33))}`;
      const time = `${two(random(26))}:${two(random(62))}:${two(random(62))}`;
      cases.push(`${date}T${time}${random(2) ? `.${String(random(1000)).padStart(3, '0')}` : ''}Z`);
    }
    cases.push('2026-03-29T02:30:00+02:00', '2026-02-30T10:00:00+01:00', '2026-11-23T10:00+01:00');
    for (const text of cases) {
      // Reference: Date.parse, but only where it did not roll impossible fields over (02-30 into March).
      const parsed = Date.parse(text);
      const zoned = /T.*(?:Z|[+-]\d\d:?\d\d)$/.test(text) && !Number.isNaN(parsed);
      const offset = /([+-])(\d\d):(\d\d)$/.exec(text);
      const shift = offset
        ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000
        : 0;
      const local = zoned ? new Date(parsed + shift).toISOString() : '';
      const expected = zoned && local.slice(0, 16) === text.slice(0, 16) ? parsed : undefined;
      expect(type.isValid(text), text).toBe(expected !== undefined);
      if (expected !== undefined) expect(type.fromBuffer(type.toBuffer(text)).getTime(), text).toBe(expected);
    }
  });

  it('timestamps need a zone; dates are calendar days', () => {
    const type = avroType('CustomerPartyMaster.avsc');
    const base = { customerId: 'x:1' };
    expect(type.isValid({ ...base, createdAt: '2026-01-01T10:00:00+02:00' })).toBe(true);
    expect(type.isValid({ ...base, createdAt: '2026-01-01 10:00:00' })).toBe(false);
    expect(type.isValid({ ...base, birthDate: '1980-02-29' })).toBe(true);
    expect(type.isValid({ ...base, birthDate: '1981-02-29' })).toBe(false);
    const decoded = type.fromBuffer(
      type.toBuffer({ ...base, createdAt: '2026-01-01T10:00:00+02:00', birthDate: '1980-02-29' }),
    );
    expect(decoded.createdAt.toISOString()).toBe('2026-01-01T08:00:00.000Z');
    expect(decoded.birthDate).toBe('1980-02-29');
  });
});
