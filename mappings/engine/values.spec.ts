import avro from 'avsc';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { MapEntries } from '../../schemas/avro-writer.ts';
import { fastExpression } from './fast-path.ts';
import { plainForEncoding, withDefaults } from './values.ts';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'Outer',
  fields: [
    { name: 'code', type: 'string', default: 'X' },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    {
      name: 'groups',
      type: ['null', { type: 'array', items: { type: 'array', items: 'string' } }],
      default: null,
    },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'notes', type: { type: 'array', items: 'string' }, default: [] },
          ],
        },
      },
      default: [],
    },
  ],
});

describe('withDefaults', () => {
  it('fills defaults (a fresh copy of an object default each time) and wraps lone values, inside arrays too', () => {
    const first = withDefaults(type, { groups: [['a'], 'b', ['c', 'd']], lines: [{ id: '1' }] });
    expect(first).toEqual({
      code: 'X',
      tags: [],
      groups: [['a'], ['b'], ['c', 'd']],
      lines: [{ id: '1', notes: [] }],
    });
    expect(type.isValid(first)).toBe(true);
    const second = withDefaults(type, {}) as { tags: unknown[] };
    expect(second.tags).not.toBe((first as { tags: unknown[] }).tags);
    expect(withDefaults(type, { tags: 'lone' })).toMatchObject({ tags: ['lone'] });
  });

  it('keeps values that need nothing as they are: arrays of strings, records filled in place', () => {
    const tags = ['a', 'b'];
    const line = { id: '1', notes: ['n'] };
    const lines = [line];
    const value = withDefaults(type, { code: 'Y', tags, lines }) as { tags: unknown; lines: unknown[] };
    expect(value.tags).toBe(tags);
    expect(value.lines).toBe(lines);
    expect(value.lines[0]).toBe(line);
  });
});

describe("withDefaults and plainForEncoding of a $merge field's entries (for the bus's writer)", () => {
  const withMap = avro.Type.forSchema({
    type: 'record',
    name: 'WithMap',
    fields: [
      { name: 'extensions', type: { type: 'map', values: 'string' }, default: {} },
      { name: 'items', type: { type: 'map', values: { type: 'array', items: 'string' } }, default: {} },
      {
        name: 'inner',
        type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'a', type: 'string' }] }],
      },
    ],
  });
  const entries = (source: string, input: unknown) =>
    fastExpression(jsonata(source).ast() as never)!.entries!(input, {}) as MapEntries;

  it('keeps entries of plain values for a map, fills their values in place, and makes them an object elsewhere', () => {
    const extensions = entries("$merge([{'a': id}, {'b': 'x'}])", { id: 'o-1' });
    expect(extensions).toBeInstanceOf(MapEntries);
    expect(plainForEncoding(extensions)).toBe(extensions);
    const items = new MapEntries([['one', 'lone']]);
    const inner = new MapEntries([['a', 'text']]);
    const value = withDefaults(withMap, { extensions, items, inner }) as Record<string, unknown>;
    expect(value.extensions).toBe(extensions);
    expect([...(value.items as MapEntries)]).toEqual([['one', ['lone']]]);
    expect(value.inner).toEqual({ a: 'text' });
    expect(withMap.isValid({ ...value, extensions: extensions.toObject(), items: { one: ['lone'] } })).toBe(
      true,
    );
  });

  it('makes entries holding an object or `$loc` the object plainForEncoding copies, without them', () => {
    const nested = entries("$merge([{'id': id}, {'line': lines[0]}])", {
      id: 7,
      lines: [{ $loc: '/l/0', n: 1 }],
    });
    expect(JSON.stringify(plainForEncoding(nested))).toBe('{"id":7,"line":{"n":1}}');
    const located = entries("$merge([$, {'k': 1}])", { $loc: '/order', id: 7 });
    expect(Object.keys(plainForEncoding(located) as object)).toEqual(['id', 'k']);
  });
});

describe('plainForEncoding of compiled $merge results', () => {
  const merged = (source: string, input: unknown) =>
    fastExpression(jsonata(source).ast() as never)!(input, {}) as Record<string, unknown>;

  it('keeps a result of plain values as it is, and copies one holding objects or `$loc` without them', () => {
    const input = { $loc: '/order', id: 7, lines: [{ $loc: '/order/lines/0', n: 1 }], note: null };
    const flat = merged("$merge([{'id': id}, lines.{'line.' & $string(n): n}, {'note': note}])", input);
    expect(plainForEncoding(flat)).toBe(flat);
    expect({ ...flat }).toEqual({ id: 7, 'line.1': 1, note: null });
    // The same shape of result, but the last one merged holds an object: copied, its `$loc` left out.
    const nested = merged("$merge([{'id': id}, {'line': lines[0]}])", input);
    expect(plainForEncoding(nested)).not.toBe(nested);
    expect(JSON.stringify(plainForEncoding(nested))).toBe('{"id":7,"line":{"n":1}}');
    // The input merged as it is (its `$loc` among the keys), and a constructor that names `$loc`.
    for (const source of [
      "$merge([$, {'k': 1}])",
      "$merge([{'k': 1}, {'$loc': 'x'}])",
      "$merge([{'k': 1}, $.{'$loc': id}])",
    ]) {
      const result = merged(source, { $loc: '/order', id: 7 });
      expect(Object.keys(result), source).toContain('$loc');
      expect(Object.keys(plainForEncoding(result) as object), source).not.toContain('$loc');
    }
  });
});
