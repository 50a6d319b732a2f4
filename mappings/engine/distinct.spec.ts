import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { threadCpuTimer } from '../../tests/thread-cpu.ts';
import { difference, distinct } from './functions.ts';

/** JSONata's own $distinct on `input`, and the replacement bound over it, on the same expression. */
async function both(expression: string, input: unknown): Promise<[unknown, unknown]> {
  const own = await jsonata(expression).evaluate(input);
  const replaced = jsonata(expression);
  replaced.assign('distinct', distinct);
  return [own, await replaced.evaluate(input)];
}

describe('$distinct (linear)', () => {
  it.each([
    ['$distinct(list)', { list: ['a', 'b', 'a', 1, '1', 1, true, null, null, false, true] }],
    ['$distinct(items.k)', { items: [{ k: 'x' }, { k: 'y' }, { k: 'x' }] }],
    ['$distinct(items.k)', { items: [{ k: 'x' }] }],
    [
      '$distinct(items)',
      {
        items: [
          { a: 1, b: [1, 2] },
          { b: [1, 2], a: 1 },
          { a: 1, b: [2, 1] },
        ],
      },
    ],
    ['$distinct([[1, 2], [1, 2], [2, 1]])', {}],
    ['$distinct(missing)', {}],
    ['$distinct("one")', {}],
    ['$count($distinct(items.k))', { items: [{ k: 'x' }, { k: 'x' }] }],
  ])('gives what JSONata gives for %s', async (expression, input) => {
    const [own, replaced] = await both(expression, input);
    expect(replaced).toEqual(own);
  });

  it('removes duplicates from 20,000 names in linear time', () => {
    const names = Array.from({ length: 40_000 }, (_, i) => `Field${i % 20_000}__c`);
    const cpuMs = threadCpuTimer();
    const out = distinct(names) as string[];
    expect(out).toHaveLength(20_000);
    expect(out[19_999]).toBe('Field19999__c');
    expect(cpuMs()).toBeLessThan(500);
  });
});

describe('$difference', () => {
  it('keeps the values not excluded, in order, and leaves an absent list absent', () => {
    expect(difference(['a', 'b', 'c', 'b'], ['b'])).toEqual(['a', 'c']);
    expect(difference('a', undefined)).toEqual(['a']);
    expect(difference(undefined, ['a'])).toBeUndefined();
  });

  it('matches values[$not($ in excluded)] in a mapping expression', async () => {
    const input = { values: ['x', 'y', 'z'], excluded: ['y'] };
    const expression = jsonata('$difference(values, excluded)');
    expression.assign('difference', difference);
    const scanned = (await jsonata('values[$not($ in $$.excluded)]').evaluate(input)) as string[];
    expect(await expression.evaluate(input)).toEqual([...scanned]);
  });
});
