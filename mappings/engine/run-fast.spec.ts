import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
