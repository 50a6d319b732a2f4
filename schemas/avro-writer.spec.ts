import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../lib/errors.ts';
import { AvroWriteError, avroWriter, avscClone, avscMessage, MapEntries } from './avro-writer.ts';
import { avroType, canonicalSchemas, entitySchemaFiles } from './catalog.ts';
import { exampleJson } from './examples.ts';
import { avroOptions } from './logical-types.ts';

/** avsc's bytes for the value, or `refused` where its encoder throws. */
function avscBytes(type: avro.Type, value: unknown): Buffer | 'refused' {
  try {
    return type.toBuffer(value);
  } catch {
    return 'refused';
  }
}

/** The compiled writer's bytes for the value (at an offset, as the serde writes after the wire header), or `refused`. */
function compiledBytes(type: avro.Type, value: unknown): Buffer | 'refused' {
  const buf = Buffer.alloc(1 << 20);
  try {
    return Buffer.from(buf.subarray(5, avroWriter(type)(value, buf, 5)));
  } catch (error) {
    expect(error).toBeInstanceOf(AvroWriteError);
    return 'refused';
  }
}

/** Each value written to avsc's bytes, or refused where avsc refuses it. */
function expectAvscBytes(type: avro.Type, values: unknown[]): void {
  values.forEach((value, i) => {
    const theirs = avscBytes(type, value);
    const ours = compiledBytes(type, value);
    const same = typeof theirs === 'string' ? ours === theirs : Buffer.isBuffer(ours) && ours.equals(theirs);
    if (!same)
      expect.fail(
        `${type.typeName} value ${i} (${shown(value)}): avsc ${theirs.toString('hex')}, compiled ${ours.toString('hex')}`,
      );
  });
}

function shown(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return typeof value;
  }
}

const typeOf = (schema: unknown) => avro.Type.forSchema(schema as avro.Schema, avroOptions());

const record = (fields: unknown[]) => typeOf({ type: 'record', name: 'R', fields });

describe('compiled Avro writer', () => {
  it('writes every primitive as avsc does, and refuses what avsc refuses', () => {
    const anything = [
      null,
      undefined,
      true,
      false,
      0,
      -1,
      1.5,
      NaN,
      '',
      'x',
      [],
      {},
      Buffer.from('ab'),
      new Date(0),
    ];
    expectAvscBytes(typeOf('null'), anything);
    expectAvscBytes(typeOf('boolean'), anything);
    expectAvscBytes(typeOf('int'), [
      ...anything,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      63,
      64,
      -64,
      -65,
      8191,
      8192,
    ]);
    const longs = [2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 2 ** 40 + 7, -(2 ** 52), 2 ** 53 - 2];
    expectAvscBytes(typeOf('long'), [...anything, ...longs, 9007199254740990, 9007199254740991, Infinity]);
    expectAvscBytes(typeOf('float'), [...anything, 3.25, -1e-3]);
    expectAvscBytes(typeOf('double'), [...anything, Math.PI, -1e300]);
    expectAvscBytes(typeOf('string'), [...anything, 'Müller', '€'.repeat(30), 'x'.repeat(500), '\ud800']);
    expectAvscBytes(typeOf('bytes'), [...anything, Buffer.alloc(0), Buffer.alloc(300, 7)]);
    expectAvscBytes(typeOf({ type: 'fixed', name: 'F', size: 2 }), [...anything, Buffer.from('abc')]);
  });

  it('writes enums, arrays, maps and records as avsc does, a record field left out as its default', () => {
    const symbols = ['RECEIVED', 'OPEN', 'CANCELLED', 'UNKNOWN'];
    const statuses = typeOf({ type: 'enum', name: 'E', symbols });
    expectAvscBytes(statuses, [...symbols, 'open', 3, null, '']);
    // avsc finds a symbol's index in a plain object, so it writes `toString` (found on Object.prototype) as a
    // garbage index: the writer refuses it.
    expect(compiledBytes(statuses, 'toString')).toBe('refused');
    const many = Array.from({ length: 70 }, (_, i) => `S${i}`);
    expectAvscBytes(typeOf({ type: 'enum', name: 'Many', symbols: many }), ['S0', 'S63', 'S64', 'S69']);
    const strings = typeOf({ type: 'array', items: 'string' });
    expectAvscBytes(strings, [[], ['a'], Array.from({ length: 100 }, String), [1], 'a', null, { 0: 'a' }]);
    const map = typeOf({ type: 'map', values: 'string' });
    const bare = Object.assign(Object.create(null), { 'shopify.tags': 'vip', b: '2' });
    expectAvscBytes(map, [{}, { a: '1', é: 'x' }, bare, { a: 1 }, ['a'], null, 'a', Buffer.alloc(0)]);
    const withDefaults = record([
      { name: 'id', type: 'string' },
      { name: 'status', type: { type: 'enum', name: 'S', symbols }, default: 'UNKNOWN' },
      { name: 'notes', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'extensions', type: { type: 'map', values: 'string' }, default: {} },
      { name: 'flag', type: 'boolean', default: true },
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    expectAvscBytes(withDefaults, [
      { id: 'a' },
      { id: 'a', status: 'OPEN', notes: ['n'], extensions: { k: 'v' }, flag: false, note: 'x' },
      { id: 'a', note: undefined, flag: undefined },
      { status: 'OPEN' },
      { id: 'a', status: 'open' },
      null,
      'a',
    ]);
  });

  it('writes MapEntries as avsc writes the object they stand for, array-index keys first as an object has them', () => {
    const map = typeOf({ type: 'map', values: ['null', 'string'] });
    const cases = [
      [],
      [
        ['shopify.line.1.sku', 'A-1'],
        ['shopify.tags', null],
        ['é', 'x'],
      ],
      [
        ['b', '1'],
        ['10', 'ten'],
        ['2', 'two'],
        ['01', 'not an index'],
        ['4294967295', 'not one either'],
      ],
      [['a', 1]],
    ] as Array<Array<[string, unknown]>>;
    for (const entries of cases) {
      const value = new MapEntries(entries);
      const object = Object.fromEntries(entries);
      expect(compiledBytes(map, value)).toEqual(avscBytes(map, object));
    }
    // A Map of the caller's own is no object's entries: avsc writes it as the empty object it is.
    expectAvscBytes(map, [new Map([['a', 'b']])]);
  });

  it('notices an array-index key among keys set one at a time, as the compiled $merge sets them', () => {
    const map = typeOf({ type: 'map', values: 'string' });
    const value = new MapEntries();
    value.set('shopify.tags', 'a');
    value.set('7', 'seven');
    value.set('b', 'c');
    expect(value.hasIndexKeys()).toBe(true);
    expect(compiledBytes(map, value)).toEqual(avscBytes(map, { 'shopify.tags': 'a', 7: 'seven', b: 'c' }));
    const none = new MapEntries();
    none.set('a', '1');
    none.set('0x', '2');
    expect(none.hasIndexKeys()).toBe(false);
    expect(new MapEntries([['b', '1']]).hasIndexKeys()).toBe(false);
  });

  it("picks a union's branch by the value's kind as avsc does, and refuses a value no branch (or two) takes", () => {
    const party = { type: 'record', name: 'P', fields: [{ name: 'name', type: ['null', 'string'] }] };
    const union = typeOf([
      'null',
      'string',
      'long',
      'boolean',
      'bytes',
      party,
      { type: 'array', items: 'long' },
    ]);
    expectAvscBytes(union, [
      null,
      'a',
      3,
      2 ** 40,
      true,
      Buffer.from('x'),
      { name: 'x' },
      {},
      [1, 2],
      [],
      1.5,
    ]);
    expectAvscBytes(union, [undefined, [1, 'a'], Symbol.for('s')]);
    expectAvscBytes(typeOf(['null', { type: 'map', values: 'long' }]), [null, { a: 1 }, { a: 'b' }, [], 'x']);
    const enumUnion = typeOf(['null', { type: 'enum', name: 'E', symbols: ['A', 'B'] }]);
    expectAvscBytes(enumUnion, [null, 'A', 'B', 'C', 1]);
    // A text both the string and the date branch take: avsc refuses it as ambiguous, and so does the writer.
    const ambiguous = typeOf(['null', 'string', { type: 'int', logicalType: 'date' }]);
    expectAvscBytes(ambiguous, [null, 'x', '2026-12-01', 5]);
    expect(compiledBytes(ambiguous, '2026-12-01')).toBe('refused');
  });

  it('writes the canonical logical types as avsc with them does: decimals, timestamps, dates, alone and nullable', () => {
    const decimal = { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 6 };
    const amounts = ['0', '12.5', '-12.50', '0.000001', '-0.000001', '127', '128', '-128', '-129', '1e3', ''];
    amounts.push('99999999.999999', '123456789012.123456', '999999999999.999999', '1000000000000', ' 7.1 ');
    amounts.push('1.0000001', '1.0000000', '+1', '.5', '5.', 'abc', '-', '--1');
    const invalid = [null, undefined, 12.5, 12, true, Buffer.from([1])];
    expectAvscBytes(typeOf(decimal), [...amounts, ...invalid]);
    expectAvscBytes(typeOf(['null', decimal]), [...amounts, ...invalid]);
    const timestamp = { type: 'long', logicalType: 'timestamp-millis' };
    const times = [
      '2026-12-01T08:00:00Z',
      '2026-12-01T08:00:00.123Z',
      '2026-12-01T09:00:00+01:00',
      '0099-01-01T00:00:00Z',
    ];
    times.push('2026-02-30T00:00:00Z', '2026-12-01T24:00:00Z', '2026-12-01T08:00:00', '2026-12-01', 'x', '');
    const instants = [
      new Date(0),
      new Date('2026-12-01T08:00:00Z'),
      new Date(Number.NaN),
      0,
      -1,
      2 ** 40,
      1.5,
    ];
    instants.push(Number.MAX_SAFE_INTEGER, 9007199254740990);
    expectAvscBytes(typeOf(timestamp), [...times, ...instants, ...invalid]);
    expectAvscBytes(typeOf(['null', timestamp]), [...times, ...instants, ...invalid]);
    const date = { type: 'int', logicalType: 'date' };
    const dates = ['2026-12-01', '1970-01-01', '1969-12-31', '2024-02-29', '2026-02-29', '2026-12-1', 'x', 0];
    expectAvscBytes(typeOf(date), [...dates, ...invalid]);
    expectAvscBytes(typeOf(['null', date]), [...dates, ...invalid]);
  });

  it("writes every canonical schema's example and random values to avsc's bytes", () => {
    for (const schema of canonicalSchemas) expectAvscBytes(avroType(schema.file), [exampleJson(schema.name)]);
    for (const file of [...canonicalSchemas.map((s) => s.file), ...entitySchemaFiles]) {
      const type = avroType(file);
      expectAvscBytes(
        type,
        Array.from({ length: 50 }, () => type.random()),
      );
    }
  });

  it('refuses a canonical value with a wrong field where avsc refuses it', () => {
    const type = avroType('SalesOrderEvent.avsc');
    const example = exampleJson('SalesOrderEvent') as { salesOrder: Record<string, unknown> };
    const wrong = (change: Record<string, unknown>) => ({
      ...example,
      salesOrder: { ...example.salesOrder, ...change },
    });
    const values = [
      wrong({ orderId: 7 }),
      wrong({ status: 'SHIPPED_SOMEWHERE' }),
      wrong({ orderDate: '2026-02-30T00:00:00Z' }),
      wrong({ lines: 'one line' }),
      wrong({ totalAmount: { amount: '1.1234567', currency: 'EUR' } }),
      wrong({ extensions: { a: 1 } }),
      wrong({ currency: undefined }),
    ];
    expectAvscBytes(type, values);
    for (const value of values) expect(compiledBytes(type, value)).toBe('refused');
  });

  it('into a buffer too small writes nothing past its end and returns the end it needs', () => {
    const type = avroType('SalesOrderEvent.avsc');
    const value = exampleJson('SalesOrderEvent');
    const whole = compiledBytes(type, value) as Buffer;
    for (const size of [0, 1, 7, 100, whole.length + 4]) {
      const buf = Buffer.alloc(size + 16, 0xee);
      const end = avroWriter(type)(value, buf.subarray(0, size), 5);
      expect(end).toBe(whole.length + 5);
      expect(buf.subarray(size).every((byte) => byte === 0xee)).toBe(true);
    }
    const fits = Buffer.alloc(whole.length + 5);
    expect(avroWriter(type)(value, fits, 5)).toBe(fits.length);
    expect(fits.subarray(5).equals(whole)).toBe(true);
  });
});

describe("avsc's and the writer's refusals quote the value as a document's value", () => {
  const refusal = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('nothing was thrown');
  };

  it("marks the datum of avsc's own words, keeping the schema that names the type", () => {
    const type = record([{ name: 'name', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } }]);
    const said = refusal(() => type.toBuffer({ name: 'Jane Roe' }));
    expect(said).toContain('Jane Roe');
    const marked = avscMessage(said);
    expect(withoutValueMarks(marked)).toBe(said);
    expect(withoutDocumentValues(marked)).toMatch(
      /^invalid \{"name":"Kind","type":"enum","symbols":\["A","B"\]\}: "…"$/,
    );
    const primitive = refusal(() => typeOf('int').toBuffer('Jane Roe'));
    expect(withoutDocumentValues(avscMessage(primitive))).toBe('invalid "int": "…"');
    expect(avscMessage('truncated buffer')).toBe('truncated buffer');
  });

  it("marks the datum of a copy avsc refuses (the mappings' clone of a record), as a value that cannot succeed", () => {
    const type = record([{ name: 'age', type: 'int' }]);
    let refused: unknown;
    try {
      avscClone(type, { age: 'Jane Roe' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AvroWriteError);
    const said = (refused as AvroWriteError).message;
    expect(withoutValueMarks(said)).toBe('invalid "int": "Jane Roe"');
    expect(withoutDocumentValues(said)).toBe('invalid "int": "…"');
    expect((refused as AvroWriteError).cause).toBeUndefined();
    expect(avscClone(type, { age: 42 })).toEqual({ age: 42 });
  });

  it('marks the value the compiled writer refuses', () => {
    const said = refusal(() => avroWriter(typeOf('int'))('Jane Roe', Buffer.alloc(64), 0));
    expect(withoutValueMarks(said)).toBe('invalid int: "Jane Roe"');
    expect(withoutDocumentValues(said)).toBe('invalid int: "…"');
  });
});
