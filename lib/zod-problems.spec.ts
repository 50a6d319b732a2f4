import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keysAt, meant, nearest, strippedKeys, zodProblems, zodProblemText } from './zod-problems.ts';

const schema = z
  .object({
    name: z.string(),
    config: z
      .object({
        pattern: z.string().default('*'),
        signature: z
          .discriminatedUnion('scheme', [
            z.object({ scheme: z.literal('hmac'), secret: z.string(), header: z.string().optional() }),
            z.object({ scheme: z.literal('bearer'), token: z.string() }),
          ])
          .optional(),
        routes: z.array(z.object({ topic: z.string() }).strict()).optional(),
      })
      .prefault({}),
  })
  .strict();

describe('zod problems in words', () => {
  it('finds the keys an object schema has at a path, through defaults, optionals, arrays and unions', () => {
    expect(keysAt(schema, [])).toEqual(['name', 'config']);
    expect(keysAt(schema, ['config'])).toEqual(['pattern', 'signature', 'routes']);
    expect(keysAt(schema, ['config', 'signature']).sort()).toEqual(['header', 'scheme', 'secret', 'token']);
    expect(keysAt(schema, ['config', 'routes', 0])).toEqual(['topic']);
    expect(keysAt(schema, ['config', 'pattern'])).toEqual([]);
    expect(keysAt(schema, ['nowhere'])).toEqual([]);
  });

  it('names the key meant for a slip of a letter or two, any case, and nothing for a word far from all', () => {
    expect(meant('patern', ['pattern', 'dir'])).toBe('did you mean "pattern"?');
    expect(meant('STABLEms', ['stableMs', 'dir'])).toBe('did you mean "stableMs"?');
    expect(meant('colour', ['pattern', 'dir'])).toBeUndefined();
    expect(meant('x', [])).toBeUndefined();
    // Two letters of a short word are another word, not a slip (a CSV's Title is no French ville, Tags no pays); two
    // letters swapped are one slip.
    expect(meant('title', ['ville', 'city'])).toBeUndefined();
    expect(meant('tags', ['pays', 'land'])).toBeUndefined();
    expect(meant('nmae', ['name', 'type'])).toBe('did you mean "name"?');
    expect(meant('mandt', ['handy', 'plz'])).toBeUndefined();
  });

  it('names the nearest few of a long list, nearest first', () => {
    const known = [
      'edi/x12-850.to-canonical.yaml',
      'edi/x12-856.to-canonical.yaml',
      'sap/idoc.yaml',
      'csv/a.yaml',
    ];
    expect(nearest('edi/x12-850.yaml', known, 2)).toEqual([
      'edi/x12-850.to-canonical.yaml',
      'edi/x12-856.to-canonical.yaml',
    ]);
    expect(nearest('x', [])).toEqual([]);
  });

  it('adds the hint to an unknown key, at any depth, when given the schema', () => {
    const result = schema.safeParse({
      name: 'a',
      nmae: 'b',
      config: { routes: [{ topik: 't', topic: 't' }] },
    });
    expect(result.success).toBe(false);
    expect(zodProblemText(result.error!, '', schema)).toBe(
      'config.routes[0].topik: unknown key; did you mean "topic"?; nmae: unknown key; did you mean "name"?',
    );
    expect(zodProblemText(result.error!)).not.toContain('did you mean');
  });

  it('names each of several unknown keys at its own path, with the key meant where there is one', () => {
    const result = schema.safeParse({ name: 'a', nmae: 'b', colour: 'red' });
    expect(result.success).toBe(false);
    expect(zodProblems(result.error!, 'connector', schema)).toEqual([
      { path: 'connector.nmae', message: 'unknown key; did you mean "name"?' },
      { path: 'connector.colour', message: 'unknown key' },
    ]);
  });

  it('says a field left out is missing and what it takes, and keeps zod’s words for a wrong value', () => {
    const wanted = z.object({
      dir: z.string(),
      count: z.number(),
      on: z.boolean(),
      tags: z.array(z.string()),
    });
    const left = wanted.safeParse({ on: 'yes', tags: [] });
    expect(zodProblems(left.error!, 'config')).toEqual([
      { path: 'config.dir', message: 'missing: a string is required' },
      { path: 'config.count', message: 'missing: a number is required' },
      { path: 'config.on', message: 'Invalid input: expected boolean, received string' },
    ]);
    expect(zodProblemText(schema.safeParse({ config: {} }).error!)).toBe(
      'name: missing: a string is required',
    );
  });
});

describe('strippedKeys', () => {
  it("names the keys a schema dropped, the names of Object.prototype's members too (toString, constructor)", () => {
    const schema = z.object({ dir: z.string(), nested: z.object({ a: z.number() }) });
    const input = { dir: 'x', toString: 1, constructor: 2, nested: { a: 1, hasOwnProperty: 3 } };
    expect(strippedKeys(input, schema.parse(input))).toEqual([
      ['toString'],
      ['constructor'],
      ['nested', 'hasOwnProperty'],
    ]);
  });
});
