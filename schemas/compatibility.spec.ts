import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalSchemas, loadSchema } from './catalog.ts';
import { compatibilityProblems, formatProblems, readerIncompatibilities } from './compatibility.ts';
import { checkSchema, releasedVersions, releaseSchemas } from './release.ts';

const base = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN', 'SHIPPED'] } },
  ],
};
const withField = (field: { name: string; [key: string]: unknown }) => ({
  ...base,
  fields: [...base.fields, field] as Array<{ name: string }>,
});

describe('compatibility with reasons that name the field', () => {
  it('BACKWARD: a new field without default breaks, with a default it does not', () => {
    const problems = compatibilityProblems(
      withField({ name: 'currency', type: 'string' }),
      [base],
      'BACKWARD',
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'currency', direction: 'backward', version: 1 }),
    ]);
    expect(
      compatibilityProblems(
        withField({ name: 'currency', type: 'string', default: 'EUR' }),
        [base],
        'BACKWARD',
      ),
    ).toEqual([]);
  });

  it('FORWARD: removing a field without default breaks old readers', () => {
    const removed = { ...base, fields: base.fields.filter((f) => f.name !== 'qty') };
    expect(compatibilityProblems(removed, [base], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(removed, [base], 'FORWARD')).toEqual([
      expect.objectContaining({ path: 'qty', direction: 'forward' }),
    ]);
  });

  it('FULL checks both directions; NONE checks nothing', () => {
    const changed = { ...base, fields: [{ name: 'id', type: 'long' }, ...base.fields.slice(1)] };
    const full = compatibilityProblems(changed, [base], 'FULL');
    expect(full.map((p) => p.direction).sort()).toEqual(['backward', 'forward']);
    expect(full[0]!.path).toBe('id');
    expect(compatibilityProblems(changed, [base], 'NONE')).toEqual([]);
  });

  it('type promotions follow the Avro spec: int is read as long, not the reverse', () => {
    const asLong = { ...base, fields: [base.fields[0]!, { name: 'qty', type: 'long' }, base.fields[2]!] };
    expect(compatibilityProblems(asLong, [base], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(asLong, [base], 'FORWARD')[0]).toMatchObject({ path: 'qty' });
  });

  it('an enum losing a symbol breaks readers unless it has a default', () => {
    const fewer = {
      ...base,
      fields: [
        ...base.fields.slice(0, 2),
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN'] } },
      ],
    };
    expect(readerIncompatibilities(fewer, base)[0]!.message).toMatch(/lacks symbol\(s\) SHIPPED/);
    const withDefault = {
      ...base,
      fields: [
        ...base.fields.slice(0, 2),
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN'], default: 'OPEN' } },
      ],
    };
    expect(readerIncompatibilities(withDefault, base)).toEqual([]);
  });

  it('TRANSITIVE levels judge every earlier version, plain levels only the latest', () => {
    const v2 = withField({ name: 'note', type: 'string', default: '' });
    const v3 = {
      ...v2,
      fields: v2.fields.map((f) => (f.name === 'note' ? { name: 'note', type: 'string' } : f)),
    };
    expect(compatibilityProblems(v3, [base, v2], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(v3, [base, v2], 'BACKWARD_TRANSITIVE')).toEqual([
      expect.objectContaining({ path: 'note', version: 1 }),
    ]);
    expect(compatibilityProblems(v3, [base, v2], 'FULL_TRANSITIVE').length).toBeGreaterThan(0);
    expect(compatibilityProblems(v3, [base, v2], 'FORWARD_TRANSITIVE')).toEqual([]);
  });

  it('paths reach into nested records and arrays of the canonical schemas', () => {
    const order = canonicalSchemas.find((s) => s.name === 'SalesOrderEvent')!;
    const current = loadSchema(order.file) as { fields: Array<Record<string, unknown>> };
    const broken = structuredClone(current) as typeof current;
    const salesOrder = broken.fields.find((f) => f.name === 'salesOrder')!.type as {
      fields: Array<Record<string, unknown>>;
    };
    const lines = salesOrder.fields.find((f) => f.name === 'lines')!.type as {
      items: { fields: Array<Record<string, unknown>> };
    };
    lines.items.fields.push({ name: 'hazardClass', type: 'string' });
    const result = checkSchema(order, broken);
    expect(result.problems.map((p) => p.path)).toEqual(['salesOrder.lines[].hazardClass']);
  });

  it('the working canonical schemas are compatible with their released versions', () => {
    for (const schema of canonicalSchemas) expect(checkSchema(schema).problems).toEqual([]);
  });

  it('every working canonical schema is released: a change not recorded by `eai schemas release` fails here', () => {
    // `schemas check` passes a changed, compatible schema (it is what a change looks like before its release); a
    // change committed without its release would be judged, at the next change, against a version older than the
    // one the registry got from the hub, so the registry could refuse at publish what the offline check passed.
    const unreleased = canonicalSchemas
      .map((schema) => checkSchema(schema))
      .filter((check) => check.changed)
      .map((check) => `${check.schema} changed since v${check.versions}: run npx eai schemas release`);
    expect(unreleased).toEqual([]);
  });

  it('each released version reads data of the one before it, and those versions really differ', () => {
    let pairs = 0;
    for (const schema of canonicalSchemas) {
      const versions = releasedVersions(schema);
      for (let i = 1; i < versions.length; i++) {
        const [older, newer] = [versions[i - 1]!, versions[i]!];
        expect(JSON.stringify(newer)).not.toBe(JSON.stringify(older));
        expect(compatibilityProblems(newer as never, [older as never], 'BACKWARD')).toEqual([]);
        // The working schema judged against the older version alone: a real comparison, not one with itself.
        const check = checkSchema(schema, loadSchema(schema.file) as object);
        expect(check.versions).toBeGreaterThan(1);
        expect(compatibilityProblems(loadSchema(schema.file) as never, [older as never], 'BACKWARD')).toEqual(
          [],
        );
        pairs++;
      }
    }
    // SalesOrderEvent v1 → v2 and ShipmentEvent v1 → v2 at least.
    expect(pairs).toBeGreaterThanOrEqual(2);
  });

  it('a changed released-vs-working pair is judged: v2 of ShipmentEvent without its new defaults breaks v1', () => {
    const shipment = canonicalSchemas.find((s) => s.name === 'ShipmentEvent')!;
    const [v1, v2] = releasedVersions(shipment) as [object, object];
    // Every field v2 added has a default; strip the defaults and v2 can no longer read v1's data.
    const stripped = JSON.parse(JSON.stringify(v2), (key, value) => (key === 'default' ? undefined : value));
    const problems = compatibilityProblems(stripped, [v1 as never], 'BACKWARD');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => /missing in the writer's schema and has no default/.test(p.message))).toBe(
      true,
    );
    // And the other way round a v1 reader reads v2 data (v2 only added fields): FORWARD holds too.
    expect(compatibilityProblems(v2 as never, [v1 as never], 'FORWARD')).toEqual([]);
  });
});

describe('compatibility: nullable fields, decimals, unions, fixed and aliases', () => {
  it('adding a nullable field with default null is compatible; without the default it is not', () => {
    const nullable = withField({ name: 'note', type: ['null', 'string'], default: null });
    expect(compatibilityProblems(nullable, [base], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(nullable, [base], 'FULL')).toEqual([]);
    const noDefault = withField({ name: 'note', type: ['null', 'string'] });
    expect(compatibilityProblems(noDefault, [base], 'BACKWARD')).toEqual([
      expect.objectContaining({ path: 'note', direction: 'backward' }),
    ]);
  });

  const money = (precision: number, scale: number) =>
    withField({ name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision, scale } });

  it('a narrowed decimal precision or a changed scale is flagged; a widened precision reads old data', () => {
    expect(readerIncompatibilities(money(10, 2), money(12, 2))).toEqual([
      { path: 'amount', message: 'decimal(12,2) cannot be read as decimal(10,2)' },
    ]);
    expect(readerIncompatibilities(money(12, 2), money(12, 4))).toEqual([
      { path: 'amount', message: 'decimal(12,4) cannot be read as decimal(12,2)' },
    ]);
    expect(readerIncompatibilities(money(12, 4), money(12, 2))).toHaveLength(1);
    expect(readerIncompatibilities(money(14, 2), money(12, 2))).toEqual([]);
    expect(readerIncompatibilities(money(12, 2), money(12, 2))).toEqual([]);
    // A decimal is not read as plain bytes, nor the reverse.
    expect(readerIncompatibilities(money(12, 2), withField({ name: 'amount', type: 'bytes' }))).toHaveLength(
      1,
    );
    expect(compatibilityProblems(money(10, 2), [money(12, 2)], 'FORWARD')).toEqual([]);
    expect(compatibilityProblems(money(10, 2), [money(12, 2)], 'BACKWARD')).toHaveLength(1);
  });

  it('fixed decimals and fixed sizes', () => {
    const fixedDecimal = (size: number, precision: number) =>
      withField({
        name: 'amount',
        type: { type: 'fixed', name: 'Amount', size, logicalType: 'decimal', precision, scale: 2 },
      });
    expect(readerIncompatibilities(fixedDecimal(8, 10), fixedDecimal(8, 12))).toHaveLength(1);
    expect(readerIncompatibilities(fixedDecimal(8, 12), fixedDecimal(8, 12))).toEqual([]);
    const hash = (size: number) => withField({ name: 'hash', type: { type: 'fixed', name: 'Hash', size } });
    expect(readerIncompatibilities(hash(16), hash(32))).toEqual([
      { path: 'hash', message: 'fixed size changed from 32 to 16' },
    ]);
    expect(readerIncompatibilities(hash(16), hash(16))).toEqual([]);
  });

  it('unions: a writer branch the reader lacks breaks, promotions and named records match across unions', () => {
    const field = (type: unknown) => withField({ name: 'ref', type, default: null });
    // Writer may write an int; the reader's union has no branch for it.
    expect(readerIncompatibilities(field(['null', 'string']), field(['null', 'string', 'int']))).toEqual([
      {
        path: 'ref',
        message: "the reader's union [null, string] has no branch for the writer's int",
      },
    ]);
    // Fewer writer branches, or an int read by a long branch: fine.
    expect(readerIncompatibilities(field(['null', 'string', 'int']), field(['null', 'string']))).toEqual([]);
    expect(readerIncompatibilities(field(['null', 'long']), field(['null', 'int']))).toEqual([]);
    expect(readerIncompatibilities(field(['null', 'int']), field(['null', 'long']))).toHaveLength(1);
    // A plain type read into a union, and a union read into a plain type (each writer branch must fit).
    expect(readerIncompatibilities(field(['null', 'string']), field('string'))).toEqual([]);
    expect(readerIncompatibilities(field('string'), field(['null', 'string']))).toHaveLength(1);
    // Records in unions are matched by name, then checked field by field.
    const addr = (fields: unknown[]) => ({ type: 'record', name: 'Address', fields });
    const other = { type: 'record', name: 'Other', fields: [] };
    const city = { name: 'city', type: 'string' };
    const zip = { name: 'zip', type: 'string' };
    expect(readerIncompatibilities(field(['null', addr([city])]), field(['null', addr([city])]))).toEqual([]);
    expect(readerIncompatibilities(field(['null', other]), field(['null', addr([city])]))).toHaveLength(1);
    expect(
      readerIncompatibilities(field(['null', addr([city, zip])]), field(['null', addr([city])])),
    ).toEqual([expect.objectContaining({ path: 'ref.zip' })]);
  });

  it('aliases: a renamed field reads the old name through its alias, and only then', () => {
    const renamed = {
      ...base,
      fields: [{ name: 'orderId', type: 'string', aliases: ['id'] }, ...base.fields.slice(1)],
    };
    expect(readerIncompatibilities(renamed, base)).toEqual([]);
    const withoutAlias = { ...base, fields: [{ name: 'orderId', type: 'string' }, ...base.fields.slice(1)] };
    expect(readerIncompatibilities(withoutAlias, base)).toEqual([
      expect.objectContaining({ path: 'orderId' }),
    ]);
    // The alias leads to the old field's type, which must still fit.
    const renamedAsInt = {
      ...base,
      fields: [{ name: 'orderId', type: 'int', aliases: ['id'] }, ...base.fields.slice(1)],
    };
    expect(readerIncompatibilities(renamedAsInt, base)).toEqual([
      expect.objectContaining({
        path: 'orderId',
        message: expect.stringMatching(/type changed from string to int/),
      }),
    ]);
  });

  it('a renamed record, enum or fixed breaks, as the registry judges it, unless it lists the old name as an alias', () => {
    const named = (type: object) => withField({ name: 'named', type });
    const address = (name: string, extra = {}) => ({ type: 'record', name, fields: [], ...extra });
    expect(readerIncompatibilities(named(address('PostalAddress')), named(address('Address')))).toEqual([
      {
        path: 'named',
        message:
          'record Address was renamed to PostalAddress; a reader matches named types by name (add "aliases": ["Address"])',
      },
    ]);
    expect(
      readerIncompatibilities(
        named(address('PostalAddress', { aliases: ['eai.canonical.Address'] })),
        named(address('Address')),
      ),
    ).toEqual([]);
    // A namespace of its own is no rename: Avro matches the unqualified name.
    expect(readerIncompatibilities(named(address('other.Address')), named(address('Address')))).toEqual([]);
    const status = (name: string) => named({ type: 'enum', name, symbols: ['OPEN'] });
    expect(readerIncompatibilities(status('State'), status('Status'))).toEqual([
      expect.objectContaining({ path: 'named', message: expect.stringMatching(/^enum Status was renamed/) }),
    ]);
    const hash = (name: string) => named({ type: 'fixed', name, size: 16 });
    expect(readerIncompatibilities(hash('Digest'), hash('Hash'))).toHaveLength(1);
    // The top-level record too: `Order` renamed is a new type to a registry.
    expect(compatibilityProblems({ ...base, name: 'PurchaseOrder' }, [base], 'BACKWARD')).toEqual([
      expect.objectContaining({ path: '(root)', direction: 'backward' }),
    ]);
  });
});

describe('compatibility: promotions, maps, named references and messages', () => {
  const one = (type: unknown) => ({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });

  it('follows the Avro promotion table exactly, each way', () => {
    const promotable: Record<string, string[]> = {
      int: ['long', 'float', 'double'],
      long: ['float', 'double'],
      float: ['double'],
      string: ['bytes'],
      bytes: ['string'],
    };
    const primitives = ['int', 'long', 'float', 'double', 'string', 'bytes', 'boolean'];
    for (const writer of primitives) {
      for (const reader of primitives) {
        const fits = writer === reader || (promotable[writer] ?? []).includes(reader);
        const problems = readerIncompatibilities(one(reader), one(writer));
        expect(problems.length, `${writer} read as ${reader}`).toBe(fits ? 0 : 1);
        // Promotions hold inside unions too.
        expect(
          readerIncompatibilities(one(['null', reader]), one(writer)).length,
          `${writer} → [null, ${reader}]`,
        ).toBe(fits ? 0 : 1);
      }
    }
    expect(readerIncompatibilities(one('long'), one('string'))).toEqual([
      { path: 'v', message: 'type changed from string to long; a string cannot be read as long' },
    ]);
  });

  it('maps: values are checked, with {} in the path', () => {
    expect(
      readerIncompatibilities(one({ type: 'map', values: 'long' }), one({ type: 'map', values: 'int' })),
    ).toEqual([]);
    expect(
      readerIncompatibilities(one({ type: 'map', values: 'int' }), one({ type: 'map', values: 'long' })),
    ).toEqual([expect.objectContaining({ path: 'v{}' })]);
    expect(
      readerIncompatibilities(one({ type: 'map', values: 'int' }), one({ type: 'array', items: 'int' })),
    ).toEqual([expect.objectContaining({ path: 'v', message: expect.stringMatching(/from array to map/) })]);
  });

  it('named types referenced by name (short or full, in arrays, maps and unions) are resolved and checked', () => {
    const schema = (zipType: string) => ({
      type: 'record',
      name: 'Order',
      namespace: 'eai.test',
      fields: [
        {
          name: 'shipTo',
          type: { type: 'record', name: 'Address', fields: [{ name: 'zip', type: zipType }] },
        },
        { name: 'billTo', type: 'eai.test.Address' },
        { name: 'others', type: { type: 'array', items: 'Address' } },
        { name: 'byRole', type: { type: 'map', values: ['null', 'Address'] } },
        { name: 'size', type: { type: 'fixed', name: 'Size', size: 4 } },
        { name: 'size2', type: 'Size' },
      ],
    });
    expect(readerIncompatibilities(schema('string'), schema('string'))).toEqual([]);
    expect(
      readerIncompatibilities(schema('long'), schema('int'))
        .map((p) => p.path)
        .sort(),
    ).toEqual([]);
    expect(
      readerIncompatibilities(schema('int'), schema('long'))
        .map((p) => p.path)
        .sort(),
    ).toEqual(['billTo.zip', 'byRole{}.zip', 'others[].zip', 'shipTo.zip']);
  });

  it('a recursive record is checked once per path, not forever', () => {
    const node = (valueType: string) => ({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'value', type: valueType },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    });
    expect(readerIncompatibilities(node('long'), node('int'))).toEqual([]);
    expect(readerIncompatibilities(node('int'), node('long'))).toEqual([
      expect.objectContaining({ path: 'value' }),
    ]);
  });

  it('names the types it could not match: named, logical and union', () => {
    const rec = { type: 'record', name: 'Address', fields: [] };
    const date = { type: 'int', logicalType: 'date' };
    expect(readerIncompatibilities(one(['null', 'string']), one(rec))[0]!.message).toBe(
      "the reader's union [null, string] has no branch for the writer's record Address",
    );
    expect(readerIncompatibilities(one('string'), one(date))[0]!.message).toBe(
      'type changed from int (date) to string; a int (date) cannot be read as string',
    );
    expect(readerIncompatibilities('string', 'int')).toEqual([
      { path: '(root)', message: 'type changed from int to string; a int cannot be read as string' },
    ]);
    const enums = (symbols: string[]) => one({ type: 'enum', name: 'Status', symbols });
    expect(readerIncompatibilities(enums(['A']), enums(['A', 'B', 'C']))[0]!.message).toBe(
      'enum Status lacks symbol(s) B, C that the writer can write, and has no default',
    );
  });

  it('no earlier version, or level NONE, means no problems; problems format with direction and version', () => {
    const broken = withField({ name: 'x', type: 'string' });
    expect(compatibilityProblems(broken, [], 'BACKWARD')).toEqual([]);
    expect(compatibilityProblems(broken, [base], 'NONE')).toEqual([]);
    expect(formatProblems(compatibilityProblems(broken, [base], 'BACKWARD'))).toBe(
      'x: field "x" is missing in the writer\'s schema and has no default, so old data cannot be read (backward, against version 1)',
    );
    expect(
      formatProblems([
        { path: 'a', message: 'm1', direction: 'forward', version: 2 },
        { path: 'b', message: 'm2', direction: 'backward', version: 3 },
      ]),
    ).toBe('a: m1 (forward, against version 2); b: m2 (backward, against version 3)');
  });
});

describe('schemas release', () => {
  const caseEvent = canonicalSchemas.find((s) => s.name === 'CaseEvent')!;
  /** A released folder holding what the repository released, in a temporary directory the release may write to. */
  function releasedCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'eai-released-'));
    cpSync(join(dirname(fileURLToPath(import.meta.url)), 'released'), dir, { recursive: true });
    return dir;
  }
  /**
   * CaseEvent with one more field; every other schema as released, so a change in progress in the working tree (a
   * field added, not yet released) does not count as one more schema this release writes.
   */
  const withField = (field: object) => (schema: (typeof canonicalSchemas)[number]) => {
    if (schema !== caseEvent) return releasedVersions(schema).at(-1) ?? (loadSchema(schema.file) as object);
    const now = loadSchema(schema.file) as { fields: Array<{ type: { fields?: object[] } }> };
    const copy = structuredClone(now) as { fields: Array<{ name: string; type: { fields: object[] } }> };
    copy.fields.find((f) => f.name === 'case')!.type.fields.push(field);
    return copy;
  };

  it('refuses an incompatible change with why, and writes nothing for it; releases a compatible one', () => {
    const dir = releasedCopy();
    const versions = releasedVersions(caseEvent, dir).length;
    const breaking = releaseSchemas(dir, withField({ name: 'intakeChannel', type: 'string', doc: 'x' }));
    expect(breaking.written).toEqual([]);
    expect(breaking.refused.map((r) => [r.schema, r.problems.map((p) => p.path)])).toEqual([
      ['CaseEvent', ['case.intakeChannel']],
    ]);
    expect(releasedVersions(caseEvent, dir)).toHaveLength(versions);
    const fine = releaseSchemas(
      dir,
      withField({ name: 'intakeChannel', type: ['null', 'string'], default: null, doc: 'x' }),
    );
    expect(fine).toEqual({ written: [join(dir, 'CaseEvent', `v${versions + 1}.avsc`)], refused: [] });
  });

  it('names a field named twice instead of judging it as a change of type', () => {
    const check = checkSchema(caseEvent, withField({ name: 'channel', type: 'string', doc: 'x' })(caseEvent));
    expect(check.problems).toEqual([
      {
        path: 'case.channel',
        message: 'field "channel" is named twice (Avro names each field once)',
        version: releasedVersions(caseEvent).length + 1,
        direction: 'syntax',
      },
    ]);
    expect(formatProblems(check.problems)).toBe(
      'case.channel: field "channel" is named twice (Avro names each field once)',
    );
  });
});

describe('compatibility: a FORWARD refusal is told from the new schema to the older one', () => {
  // Forward, the reader is the older version and the writer the new schema: "type changed from <writer> to <reader>",
  // "old data cannot be read" or "add aliases" to the new schema told it the wrong way round.
  const messages = (candidate: object, level: 'FORWARD' | 'FULL' = 'FORWARD') =>
    compatibilityProblems(candidate as never, [base as never], level)
      .filter((p) => p.direction === 'forward')
      .map((p) => `${p.path}: ${p.message}`);

  it('a widened type names the change old to new', () => {
    const asLong = { ...base, fields: [base.fields[0], { name: 'qty', type: 'long' }, base.fields[2]] };
    expect(messages(asLong)).toEqual([
      'qty: type changed from int to long; readers of the older schema cannot read a long as int',
    ]);
    expect(messages(asLong, 'FULL')).toEqual(messages(asLong));
  });

  it('a removed field breaks the readers of the older schema, not "old data"', () => {
    const removed = { ...base, fields: base.fields.filter((f) => f.name !== 'qty') };
    expect(messages(removed)).toEqual([
      'qty: field "qty" is gone from the new schema (removed or renamed) and has no default in the older one, so its readers cannot read new data',
    ]);
  });

  it('a new enum symbol, a renamed record, a narrower union and a wider decimal', () => {
    const status = { type: 'enum', name: 'Status', symbols: ['OPEN', 'SHIPPED', 'LOST'] };
    expect(
      messages({ ...base, fields: [base.fields[0], base.fields[1], { name: 'status', type: status }] }),
    ).toEqual([
      'status: enum Status gained symbol(s) LOST that readers of the older schema do not know, and its enum there has no default',
    ]);
    // An alias on the new schema does not help here: the older reader matches by its own name and aliases.
    expect(messages({ ...base, name: 'PurchaseOrder', aliases: ['Order'] })).toEqual([
      '(root): record Order was renamed to PurchaseOrder; readers of the older schema match named types by name and cannot read it (keep the name Order)',
    ]);
    const one = (type: unknown) => ({ type: 'record', name: 'R', fields: [{ name: 'v', type }] });
    expect(
      compatibilityProblems(
        one(['null', 'string', 'int']) as never,
        [one(['null', 'string']) as never],
        'FORWARD',
      ).map((p) => p.message),
    ).toEqual([
      "the older schema's union [null, string] has no branch for the new schema's int, so its readers cannot read new data",
    ]);
    const money = (precision: number) => one({ type: 'bytes', logicalType: 'decimal', precision, scale: 2 });
    expect(
      compatibilityProblems(money(14) as never, [money(12) as never], 'FORWARD').map((p) => p.message),
    ).toEqual([
      'decimal(12,2) changed to decimal(14,2); readers of the older schema cannot read it as decimal(12,2)',
    ]);
    // Backward keeps its wording.
    expect(
      compatibilityProblems(money(10) as never, [money(12) as never], 'BACKWARD').map((p) => p.message),
    ).toEqual(['decimal(12,2) cannot be read as decimal(10,2)']);
  });
});
