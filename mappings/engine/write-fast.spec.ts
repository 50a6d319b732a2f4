import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { makeOrder, seededRandom } from '../../formats/shopify-order/fixtures/large.ts';
import { avroWriter, type ValueEncoder } from '../../schemas/avro-writer.ts';
import { shippedInboundMapping } from '../index.ts';
import { startBudget } from './budget.ts';
import { type CompiledMapping, compileMapping } from './compile.ts';
import { type CanonicalRecord, mapDocument } from './run.ts';
import { mapFast } from './run-fast.ts';
import { loadMappingFile } from './spec.ts';
import { withDefaults } from './values.ts';
import { writeFast, writesFast } from './write-fast.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-write-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mappingOf(name: string, fields: string[]): CompiledMapping {
  const file = join(dir, `${name}.to-canonical.yaml`);
  writeFileSync(
    file,
    [
      'description: records written straight from the mapping',
      'input: shopify-order',
      'output: eai.canonical.SalesOrderEvent',
      'fixtures:',
      '  inputs: fixtures',
      '  expected: expected',
      'fields:',
      ...fields,
      '',
    ].join('\n'),
  );
  return compileMapping(loadMappingFile(file));
}

const doc = { format: 'shopify-order', kind: 'order', id: 'd1', receivedAt: '2026-12-06T00:00:00.000Z' };
const buf = Buffer.alloc(1 << 16);
const frame = (body: (b: Buffer, p: number) => number) => Buffer.from(buf.subarray(5, body(buf, 5)));

/** The tree's record as the three passes write it (built, defaults, the schema's writer) and as writeFast does. */
function bothWays(mapping: CompiledMapping, tree: unknown): { passes: string; fused: string } {
  const type = mapping.outputType!;
  let passes: string;
  try {
    const [record] = mapFast(mapping, tree, doc, startBudget({}), true);
    const filled = withDefaults(type, record!.built) as Record<string, unknown>;
    const key = mapping.schema.key(filled);
    const write = avroWriter(type);
    passes = `${key} ${Buffer.from(buf.subarray(0, write(filled, buf, 0))).toString('hex')}`;
  } catch {
    passes = 'refused';
  }
  let fused: string;
  try {
    const [record] = writeFast(mapping, tree, doc, startBudget({}), frame);
    fused = `${record!.key} ${record!.encoded.toString('hex')}`;
  } catch {
    fused = 'refused';
  }
  return { passes, fused };
}

const ORDER = [
  `  changeType: "'CREATED'"`,
  `  occurredAt: "'2026-01-01T00:00:00Z'"`,
  '  origin:',
  `    system: "'shop'"`,
  '    documentId: id',
  '  salesOrder:',
  '    orderId: id',
  `    orderNumber: "'n-' & id"`,
  `    currency: "'EUR'"`,
  `    status: "'OPEN'"`,
  '    customer:',
  '      name: name',
  '    shipTo:',
  '      $from: ship',
  '      name: name',
  '    billTo:',
  `      name: "'billing'"`,
  '    lines:',
  '      $each: items',
  '      lineNumber: n',
  '      item:',
  '        description: d',
  '      quantity:',
  '        value: q',
  `        unitCode: "'C62'"`,
  '    totalAmount:',
  '      $from: total',
  '      amount: amount',
  `      currency: "'EUR'"`,
  '    notes: note',
  `    extensions: "$merge([{'shop.id': id}, tags.{'shop.tag.' & $: 'yes'}])"`,
];

const item = (n: string, q = '1') => ({ n, d: `item ${n}`, q });

describe('records written straight from the mapping (write-fast.ts)', () => {
  it('writes the bytes and key of the three passes, and refuses what they refuse', () => {
    const mapping = mappingOf('order', ORDER);
    expect(writesFast(mapping)).toBe(true);
    const trees: Array<[string, unknown]> = [
      [
        'every part',
        {
          id: '1',
          name: 'Ann',
          ship: { name: 'Bo' },
          items: [item('1'), item('2', '2.5')],
          total: { amount: '3.50' },
          note: 'ring twice',
          tags: ['a', 'b'],
        },
      ],
      [
        '$from null, $each one object, $from an empty list',
        { id: '2', ship: null, items: item('7'), total: [] },
      ],
      ['$from a list of one, $each null', { id: '3', ship: [{ name: 'Cy' }], items: null, tags: [] }],
      ['$each an empty list, $from nothing', { id: '4', items: [], note: ['a', 'b'] }],
      [
        '$from a list of two: JSONata decides',
        { id: '5', items: [], total: [{ amount: '1' }, { amount: '2' }] },
      ],
      ['no business key', { name: 'Dee', items: [] }],
      ['an empty business key', { id: '', items: [] }],
      ['a quantity that is no decimal', { id: '6', items: [item('1', 'lots')] }],
      ['a line without its number', { id: '7', items: [{ d: 'x', q: '1' }] }],
    ];
    const outcomes = trees.map(([what, tree]) => {
      const { passes, fused } = bothWays(mapping, tree);
      expect(fused, what).toBe(passes);
      return passes;
    });
    // Both kinds of outcome were compared.
    expect(outcomes.filter((o) => o === 'refused').length).toBeGreaterThanOrEqual(4);
    expect(outcomes.filter((o) => o !== 'refused').length).toBeGreaterThanOrEqual(4);
  });

  it('takes the key from a record an expression makes, and nested records that fit no place in the type', () => {
    const entity = mappingOf('expression-entity', [
      `  changeType: "'UPDATED'"`,
      `  occurredAt: "'2026-01-01T00:00:00Z'"`,
      '  origin:',
      `    system: "'shop'"`,
      '    documentId: id',
      `  salesOrder: "{'orderId': id, 'orderNumber': 'n', 'currency': 'EUR', 'status': 'OPEN', 'customer': {'name': name}, 'lines': [{'lineNumber': '1', 'item': {'description': 'x'}, 'quantity': {'value': '1', 'unitCode': 'C62'}}]}"`,
    ]);
    const lonely = mappingOf('lone-line', [
      `  changeType: "'UPDATED'"`,
      `  occurredAt: "'2026-01-01T00:00:00Z'"`,
      '  origin:',
      `    system: "'shop'"`,
      '    documentId: id',
      '  salesOrder:',
      '    orderId: id',
      `    orderNumber: "'n'"`,
      `    currency: "'EUR'"`,
      `    status: "'OPEN'"`,
      '    customer:',
      '      name: name',
      // A record where the type has a list of them: a list of one.
      '    lines:',
      '      lineNumber: id',
      '      item:',
      '        description: name',
      '      quantity:',
      `        value: "'1'"`,
      `        unitCode: "'C62'"`,
      // A plain nested record in a union with null.
      '    shipTo:',
      '      name: name',
    ]);
    for (const mapping of [entity, lonely])
      for (const tree of [{ id: '9', name: 'Eve' }, { name: 'no id' }, { id: '', name: 'empty id' }]) {
        const { passes, fused } = bothWays(mapping, tree);
        expect(fused, `${mapping.file} ${JSON.stringify(tree)}`).toBe(passes);
      }
    expect(bothWays(entity, { id: '9', name: 'Eve' }).fused.slice(0, 2)).toBe('9 ');
    expect(bothWays(lonely, { id: '9', name: 'Eve' }).fused.slice(0, 2)).toBe('9 ');
  });

  it('is what a framing encoder gets from mapDocument: the same records, their values read back from the bytes', async () => {
    const mapping = mappingOf('via-run', ORDER);
    const type = mapping.outputType!;
    const write = avroWriter(type);
    const plain: ValueEncoder = (value) => Buffer.from(buf.subarray(0, write(value, buf, 0)));
    let framed = 0;
    const fusing: ValueEncoder = (value) => plain(value);
    fusing.framed = (body) => {
      framed++;
      return Buffer.from(buf.subarray(0, body(buf, 5)));
    };
    const tree = {
      id: '1',
      name: 'Ann',
      ship: { name: 'Bo' },
      items: [item('1')],
      total: { amount: '2' },
      tags: ['x'],
    };
    const document = { format: 'shopify-order', kind: 'order', id: 'd1', source: 'web', tree };
    const [ours] = (await mapDocument(mapping, document, { encode: fusing })) as CanonicalRecord[];
    const [theirs] = (await mapDocument(mapping, document, { encode: plain })) as CanonicalRecord[];
    expect(framed).toBe(1);
    expect(ours!.encoded!.subarray(5).toString('hex')).toBe(theirs!.encoded!.toString('hex'));
    expect(ours!.key).toBe('1');
    expect(ours!.value).toEqual(type.fromBuffer(theirs!.encoded!));
    // A document the compiled expressions cannot map goes to JSONata, which says what is wrong.
    const unmapped = { ...document, tree: { ...tree, total: [{ amount: '1' }, { amount: '2' }] } };
    await expect(mapDocument(mapping, unmapped, { encode: fusing })).rejects.toThrow(/totalAmount/);
  });

  it('writes what the three passes write for generated Shopify orders with fields dropped, nulled and emptied', () => {
    const mapping = shippedInboundMapping('shopify-order');
    const reader = findReader('shopify-order');
    const random = seededRandom(7);
    const mutate = (value: unknown, depth = 0): void => {
      if (!value || typeof value !== 'object') return;
      const object = value as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        const r = random();
        if (r < 0.04) delete object[key];
        else if (r < 0.08) object[key] = null;
        else if (r < 0.1 && Array.isArray(object[key])) object[key] = [];
        else if (r < 0.11 && typeof object[key] === 'string') object[key] = '';
        else if (depth < 3) mutate(object[key], depth + 1);
      }
    };
    let written = 0;
    for (let i = 0; i < 600; i++) {
      const order = makeOrder(random, i);
      mutate(order);
      let document: ReturnType<typeof reader.parse>[number] | undefined;
      try {
        document = reader.parse(Buffer.from(JSON.stringify(order)))[0];
      } catch {
        continue; // a mutation the reader refuses: nothing to map
      }
      const { passes, fused } = bothWays(mapping, document!.tree);
      expect(fused, `order ${i}`).toBe(passes);
      if (passes !== 'refused') written++;
    }
    expect(written).toBeGreaterThan(150);
  });
});
