import { describe, expect, it } from 'vitest';
import { asJsonb } from './jsonb.ts';

/** jsonb's key order (shorter first, then bytewise) applied to what JSON.parse(JSON.stringify(v)) gives. */
function viaJson(value: unknown): unknown {
  const order = (a: string, b: string) =>
    Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b));
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort(order)
        .map((k) => [k, walk((v as Record<string, unknown>)[k])]),
    );
  };
  return walk(JSON.parse(JSON.stringify(value)));
}
/** Equal values (undefined told from null), in the same key order (toStrictEqual ignores the order). */
function same(a: unknown, b: unknown) {
  expect(a).toStrictEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

describe('asJsonb', () => {
  it('gives what a jsonb column gives back: JSON text rules, keys shorter first then bytewise', () => {
    const inputs: unknown[] = [
      {
        partyType: 'PERSON',
        person: { givenName: 'Sören', familyName: 'Müller', middle: undefined },
        zz: 1,
        ä: 2,
        b: 3,
        emails: [{ address: 'a@b.c', use: undefined }],
        fn: () => 1,
        sym: Symbol('x'),
        list: [undefined, () => 1, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 0.1 + 0.2],
        // biome-ignore lint/suspicious/noSparseArray: a hole becomes null in JSON
        sparse: [1, , 3],
        '10': 'integer-like key',
        '2': 'another',
        empty: {},
        nested: { n: null, deeper: [{ y: 1, x: undefined }] },
      },
      // Not plain data: JSON's own rules (toJSON, boxed values, a Map's own properties).
      { updatedAt: new Date(0), extensions: { website: 'x.example' } },
      { boxed: new String('boxed'), map: new Map([['a', 1]]) },
      [1, 'a', { b: undefined, a: [] }],
      {},
    ];
    for (const input of inputs) same(asJsonb(input), viaJson(input));
    expect(asJsonb({ n: -0 }).n).toBe(0);
    expect(Object.is(asJsonb({ n: -0 }).n, 0)).toBe(true);
  });

  it('fails as JSON does on what it cannot write', () => {
    expect(() => asJsonb({ n: 1n })).toThrow(TypeError);
    expect(() => asJsonb(undefined)).toThrow(SyntaxError);
  });

  it('gives a copy: changing the input afterwards changes nothing', () => {
    const input = { a: { b: [1] } };
    const out = asJsonb(input);
    input.a.b.push(2);
    expect(out).toEqual({ a: { b: [1] } });
  });
});
