import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { fastExpression } from './fast-path.ts';

describe('fast path for literals and plain paths', () => {
  const inputs: unknown[] = [
    { a: 1, $loc: '/X[1]' },
    { a: [1] },
    { a: [1, 2] },
    { a: [] },
    { a: null },
    { a: { b: 1 } },
    { a: { b: [1] } },
    { a: { b: null } },
    { a: [{ b: 1 }] },
    { a: [{ b: [1] }] },
    { a: [{ b: [1, 2] }, { b: 3 }, { c: 4 }] },
    { a: [{ b: { c: 'x' } }, { b: [{ c: 'y' }, { c: ['z'] }] }] },
    [{ a: 1 }, { a: 2 }],
    [{ a: 1 }],
    [{ a: [1] }],
    [],
    'text',
    null,
  ];
  const expressions = [
    'a',
    'a.b',
    'a.b.c',
    'x',
    '$v.a',
    '$v.a.b',
    '$missing.a',
    "'CREATED'",
    '42',
    'true',
    'null',
  ];

  it('gives exactly what JSONata gives, on every input shape', async () => {
    let compared = 0;
    for (const source of expressions) {
      const expression = jsonata(source);
      const fast = fastExpression(expression.ast() as never);
      expect(fast, source).toBeDefined();
      for (const input of inputs) {
        const bindings = { v: input };
        const expected = await expression.evaluate(input, bindings);
        const actual = fast!(input, bindings);
        // JSONata marks its result sequences with extra properties; compare as JSON values.
        expect(JSON.stringify(actual), `${source} on ${JSON.stringify(input)}`).toBe(
          JSON.stringify(expected),
        );
        compared++;
      }
    }
    expect(compared).toBe(expressions.length * inputs.length);
  });

  it('leaves everything else to JSONata', () => {
    for (const source of [
      'a[0]',
      'a[b = 1]',
      '$lookup(a)',
      'a & b',
      '$',
      '$$.a',
      'a.$string()',
      'a[]',
      'a.b[0]',
      'a ? b',
    ]) {
      expect(fastExpression(jsonata(source).ast() as never), source).toBeUndefined();
    }
  });
});
