import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MapEntries } from '../../schemas/avro-writer.ts';
import { startBudget } from './budget.ts';
import { type CompiledMapping, compileMapping, type FieldNode, type RecordNode } from './compile.ts';
import { fullyCompiled, mapFast, NEEDS_JSONATA } from './run-fast.ts';
import { loadMappingFile } from './spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-run-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The mapping with every expression called through its own function only (which fast-path.spec.ts checks against
 * JSONata): what the fields' shared context (`overContext`) must give the same as.
 */
function mappingOf(name: string, fields: string[]): CompiledMapping {
  const file = join(dir, `${name}.to-canonical.yaml`);
  const head = ['description: fields over one shared context', 'input: shopify-order'];
  const tail = [
    'output: eai.canonical.SalesOrderEvent',
    'fixtures:',
    '  inputs: fixtures',
    '  expected: expected',
  ];
  writeFileSync(file, [...head, ...tail, 'fields:', ...fields, ''].join('\n'));
  return compileMapping(loadMappingFile(file));
}

function ownFunctionsOnly(mapping: CompiledMapping): CompiledMapping {
  const strip = (node: RecordNode): RecordNode => ({
    ...node,
    fields: new Map<string, FieldNode>(
      [...node.fields].map(([name, child]): [string, FieldNode] => {
        if (child.kind === 'record') return [name, strip(child)];
        const fast = child.fast!;
        return [
          name,
          { ...child, fast: (input: unknown, bindings: Record<string, unknown>) => fast(input, bindings) },
        ];
      }),
    ),
  });
  return { ...mapping, root: strip(mapping.root) };
}

describe('the fields of a record evaluated over one shared context', () => {
  it('give what each expression gives on its own: `:=`, `$` and `$$`, $parent, array contexts, merges', () => {
    const mapping = mappingOf('orders', [
      `  changeType: "($x := id; $y := $x & '-' & $x; $y)"`,
      `  occurredAt: "$$.createdAt"`,
      '  origin:',
      `    system: "$.name"`,
      `    documentId: "($x := 'a'; ($x := 'b'; $x) & $x)"`,
      '  salesOrder:',
      '    lines:',
      '      $each: groups',
      `      lineNumber: "$[0] & '/' & $parent.id"`,
      `      item: "$"`,
      `      quantity: "($n := $[-1]; {'value': $n})"`,
      `    extensions: "$merge([{'id': id}, groups.{'g' & $: $}, name ? {'name': name}])"`,
    ]);
    expect(fullyCompiled(mapping)).toBe(true);
    const trees = [
      { id: 'o-1', name: 'N', createdAt: 'c', groups: [['a', 'b'], ['c'], []] },
      { id: 'o-2', groups: ['x', ['y', 'z']] },
      { id: 'o-3', name: '', groups: [] },
    ];
    const reference = ownFunctionsOnly(mapping);
    for (const tree of trees) {
      const doc = { format: 'shopify-order', id: tree.id };
      const shared = mapFast(mapping, tree, doc, startBudget({}));
      const own = mapFast(reference, tree, doc, startBudget({}));
      expect(JSON.stringify(shared), tree.id).toBe(JSON.stringify(own));
      expect(shared[0]!.built.changeType).toBe(`${tree.id}-${tree.id}`);
    }
  });

  it("keeps what one field binds with := to that field: another naming it is JSONata's to answer", () => {
    const mapping = mappingOf('binds', [`  changeType: "$x := id"`, '  occurredAt: $x']);
    let thrown: unknown;
    try {
      mapFast(mapping, { id: 'o-1' }, {}, startBudget({}));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(NEEDS_JSONATA);
  });

  it("for the bus's writer gives a field that is one $merge as the MapEntries of the same object", () => {
    const mapping = mappingOf('entries', [
      '  salesOrder:',
      `    extensions: "$merge([{'a': id}, groups.{'g' & $: $}, {'a': 'again'}, name ? {'name': name}, more])"`,
      `    notes: "[$merge([{'n': id}])]"`,
      '    lines:',
      '      $each: groups',
      `      notes: "$merge([{'n': $}])"`,
    ]);
    const trees = [
      { id: 'o-1', name: 'N', groups: ['x', 'y'], more: [{ b: null }, { b: 2 }] },
      { id: 'o-2', groups: ['x', 'x'], more: { 10: 'ten', 2: 'two', c: 'three' } },
      { id: 'o-3', groups: [], more: { nested: { deep: true } } },
    ];
    for (const tree of trees) {
      const doc = { format: 'shopify-order', id: tree.id };
      const objects = mapFast(mapping, tree, doc, startBudget({}))[0]!.built;
      const built = mapFast(mapping, tree, doc, startBudget({}), true)[0]!.built;
      const salesOrder = built.salesOrder as Record<string, unknown>;
      const lines = salesOrder.lines as Array<Record<string, unknown>>;
      // Entries where every value is plain; a value that is an object makes it the object (plainForEncoding's copy).
      expect(salesOrder.extensions instanceof MapEntries, tree.id).toBe(tree.id !== 'o-3');
      // A field's own `$merge` in a list's records too; not one inside a field's expression.
      expect(lines.every((line) => line.notes instanceof MapEntries)).toBe(true);
      expect((salesOrder.notes as unknown[])[0] instanceof MapEntries).toBe(false);
      const objectsOf = (value: unknown) => (value instanceof MapEntries ? value.toObject() : value);
      salesOrder.extensions = objectsOf(salesOrder.extensions);
      for (const line of lines) line.notes = objectsOf(line.notes);
      expect(JSON.stringify(built), tree.id).toBe(JSON.stringify(objects));
    }
  });
});
