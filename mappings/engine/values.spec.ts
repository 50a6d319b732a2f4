import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { withDefaults } from './values.ts';

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
