import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { type CompiledMapping, compileMapping } from './compile.ts';
import { mapDocument, verifyFastPathWhile } from './run.ts';
import { loadMappingFile } from './spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-let-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Trial: with the SAP mapping's `netValue` moved below `currency` (which calls it), an IDoc with NETWR and no CURCY
 * failed with JSONata's "Attempted to invoke a non-function", while the compiled form called the function anyway
 * (an IDoc without amounts mapped there, to XXX). A let sees only the lets above it, in every path.
 */
function mappingOf(lets: string[]): CompiledMapping {
  const file = join(dir, 'order.to-canonical.yaml');
  writeFileSync(
    file,
    [
      'description: an order whose currency is derived from its items',
      'input: json',
      'output: eai.canonical.SalesOrderEvent',
      'onlyByName: true',
      'fixtures: {inputs: fixtures, expected: order.expected}',
      'let:',
      ...lets,
      'fields:',
      `  changeType: "'CREATED'"`,
      "  occurredAt: $timestamp('2024-03-05')",
      `  origin: {system: "'shop'", documentId: "$doc.id"}`,
      '  salesOrder:',
      '    orderId: id',
      '    orderNumber: id',
      '    currency: $currency',
      `    customer: {name: "'x'"}`,
      '    lines: "[]"',
      `    status: "'OPEN'"`,
      '',
    ].join('\n'),
  );
  return compileMapping(loadMappingFile(file));
}

const netValue = `  netValue: "function($item) { $item.NETWR ? $item : $item.amounts[QUALF = '003'][0] }"`;
const currency = `  currency: "header.CURCY ? header.CURCY : $count(items[$netValue($)]) = 0 ? 'XXX' : 'EUR'"`;

describe('a let reads only the lets above it', () => {
  it('refuses at load a let that reads one defined below it, naming both and their lines', () => {
    // line 7: currency, line 8: netValue
    expect(() => mappingOf([currency, netValue])).toThrow(
      /order\.to-canonical\.yaml:7: let\.currency: reads \$netValue, let\.netValue \(.*order\.to-canonical\.yaml:8\), defined below it: a let sees only the lets above it; move let\.netValue above let\.currency/,
    );
    // A function let calling a later one is refused too (its closure sees only the lets above it).
    expect(() =>
      mappingOf([`  a: "function($x) { $b($x) }"`, `  b: "function($x) { $x }"`, `  currency: "$a('EUR')"`]),
    ).toThrow(/:7: let\.a: reads \$b, let\.b .*defined below it/);
    expect(() => mappingOf([`  currency: "$currency"`])).toThrow(
      /:7: let\.currency: reads \$currency, itself: .*a let cannot call itself/,
    );
  });

  it('a name the let binds itself is its own, not the later let', () => {
    expect(() => mappingOf([`  currency: "($netValue := 'EUR'; $netValue)"`, netValue])).not.toThrow();
  });

  it('in order, maps the same in the compiled form and in JSONata', async () => {
    const mapping = mappingOf([netValue, currency]);
    const reader = findReader('json');
    for (const [body, want] of [
      [{ id: 'A', items: [{ NETWR: '10' }] }, 'EUR'],
      [{ id: 'B', items: [{ VPREI: '1' }] }, 'XXX'],
      [{ id: 'C', header: { CURCY: 'USD' }, items: [] }, 'USD'],
    ] as const) {
      const [document] = reader.parse(Buffer.from(JSON.stringify(body)));
      const [checked] = await verifyFastPathWhile(() => mapDocument(mapping, document!));
      expect((checked!.value.salesOrder as { currency: string }).currency).toBe(want);
    }
  });
});
