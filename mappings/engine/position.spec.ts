import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { startBudget } from './budget.ts';
import { type CompiledMapping, compileMapping } from './compile.ts';
import { mapDocument, verifyFastPathWhile } from './run.ts';
import { fullyCompiled, mapFast } from './run-fast.ts';
import { loadMappingFile } from './spec.ts';
import { writeFast } from './write-fast.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-position-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Trial: a shop's lines have no number of their own; `lineNumber: "$string(%.items#$i)"` was JSONata's parent syntax
 * error and no binding gave the item's place. `$position` is the 1-based place of the item in the nearest `$each`.
 */
function mappingOf(extra: string[] = []): CompiledMapping {
  const file = join(dir, 'order.to-canonical.yaml');
  writeFileSync(
    file,
    [
      'description: a shop order whose lines have no number',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'fields:',
      `  changeType: "'CREATED'"`,
      "  occurredAt: $timestamp('2024-03-05')",
      `  origin: {system: "'shop'", documentId: "$doc.id"}`,
      '  salesOrder:',
      '    orderId: id',
      '    orderNumber: id',
      `    currency: "'EUR'"`,
      `    customer: {name: "'x'"}`,
      '    lines:',
      '      $each: items',
      '      lineNumber: $string($position)',
      '      item:',
      // A nested record keeps its item's place; a nested $each has its own, and the line's again after it.
      `        sellerItemId: "sku & '@' & $string($position)"`,
      '      quantity: {value: "\'1\'", unitCode: "\'C62\'"}',
      '      scheduleLines:',
      '        $each: parts',
      '        quantity: {value: "$string($position)", unitCode: "\'C62\'"}',
      '      notes: "[$string($position)]"',
      `    status: "'OPEN'"`,
      ...extra,
      '',
    ].join('\n'),
  );
  return compileMapping(loadMappingFile(file));
}

const order = {
  id: 'A-1',
  items: [
    { sku: 'X', parts: [{}, {}, {}] },
    { sku: 'Y', parts: [] },
    { sku: 'Z', parts: {} },
  ],
};

const expected = [
  { lineNumber: '1', sku: 'X@1', schedule: ['1', '2', '3'], notes: ['1'] },
  { lineNumber: '2', sku: 'Y@2', schedule: [], notes: ['2'] },
  { lineNumber: '3', sku: 'Z@3', schedule: ['1'], notes: ['3'] },
];

// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
function lines(salesOrder: any) {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return salesOrder.lines.map((l: any) => ({
    lineNumber: l.lineNumber,
    sku: l.item.sellerItemId,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    schedule: l.scheduleLines.map((s: any) => s.quantity.value),
    notes: l.notes,
  }));
}

describe('$position: the place of the item in the nearest $each', () => {
  const [document] = findReader('json').parse(Buffer.from(JSON.stringify(order)));
  const doc = { format: 'json', kind: document!.kind, id: 'd1', receivedAt: '2026-12-06T00:00:00.000Z' };

  it('numbers the items from 1 in the compiled walk, as JSONata does (each compiled result checked against it)', async () => {
    const mapping = mappingOf();
    expect(fullyCompiled(mapping)).toBe(true);
    const [fast] = mapFast(mapping, document!.tree, doc, startBudget({}));
    expect(lines(fast!.built.salesOrder)).toEqual(expected);
    const [checked] = await verifyFastPathWhile(() => mapDocument(mapping, document!));
    expect(lines(checked!.value.salesOrder)).toEqual(expected);
  });

  it('numbers them so in JSONata alone and in the writer for the bus too', async () => {
    // A field the compiled subset does not take (JSONata's parent operator) sends the document through run.ts.
    const slow = mappingOf(['    extensions: "{\'items\': $string($count(items.sku.%))}"']);
    expect(fullyCompiled(slow)).toBe(false);
    const [record] = await mapDocument(slow, document!);
    expect(lines(record!.value.salesOrder)).toEqual(expected);
    const mapping = mappingOf();
    const buf = Buffer.alloc(1 << 16);
    const [written] = writeFast(mapping, document!.tree, doc, startBudget({}), (body) =>
      Buffer.from(buf.subarray(5, body(buf, 5))),
    );
    const decoded = mapping.outputType!.fromBuffer(written!.encoded) as { salesOrder: unknown };
    expect(lines(decoded.salesOrder)).toEqual(expected);
  });
});

describe('a let named as a binding of the engine', () => {
  it('is refused when the mapping is compiled (eai map check too), naming the let and its line', () => {
    // Trial: a let `position` was hidden by `$position` inside every `$each` (and a let `doc` hid `$doc`), silently.
    for (const name of ['position', 'parent', 'record', 'doc', 'tree']) {
      expect(() => mappingOf([`let: {${name}: "'x'"}`])).toThrow(
        new RegExp(
          `order\\.to-canonical\\.yaml:26: let\\.${name}: \\$${name} is the engine's \\(\\$doc, \\$tree, \\$record, \\$parent, \\$position: no let may take one`,
        ),
      );
    }
    // Any other name is the let's.
    expect(() => mappingOf([`let: {place: "'x'"}`])).not.toThrow();
  });
});
