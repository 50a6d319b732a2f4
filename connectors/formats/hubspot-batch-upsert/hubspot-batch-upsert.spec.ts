import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader, writer } from './index.ts';

const dir = join(import.meta.dirname, 'fixtures');
const tree = (name: string) => reader.parse(readFileSync(join(dir, name)))[0]!.tree;

function refusal(input: Buffer): FormatError {
  try {
    reader.parse(input);
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('hubspot-batch-upsert reader and writer', () => {
  it('reads inputs with their id property and string values', () => {
    const [doc] = reader.parse(readFileSync(join(dir, 'single-by-email.json')));
    expect([doc!.kind, doc!.id]).toEqual(['contacts/batch/upsert', 'ada@example.com']);
    expect(doc!.tree.inputs[0]).toEqual({
      $loc: '/inputs/0',
      idProperty: 'email',
      id: 'ada@example.com',
      properties: {
        $loc: '/inputs/0/properties',
        email: 'ada@example.com',
        firstname: 'Ada',
        lastname: 'Lovelace',
      },
    });
    expect(tree('several-contacts.json').inputs.map((i) => [i.id, i.properties.firstname])).toEqual([
      ['a@example.com', 'A'],
      ['b@example.com', 'B'],
    ]);
    expect(tree('custom-unique-property.json').inputs[0]!.idProperty).toBe('erp_customer_id');
    expect(tree('by-record-id.json').inputs[0]!.idProperty).toBeNull();
    expect(tree('clearing-properties.json').inputs[0]!.properties.phone).toBe('');
    expect(tree('number-and-boolean-values.json').inputs[0]!.properties).toMatchObject({
      numemployees: '250',
      hs_marketable_status: 'true',
    });
  });

  it('writes bodies that read back equal', () => {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const original = tree(name);
      expect(reader.parse(writer.write(original))[0]!.tree).toEqual(original);
    }
  });
});

describe('hubspot-batch-upsert broken input', () => {
  const expected: Record<string, RegExp> = {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 44$/,
    'missing-id.json': /^\/inputs\/0\/id$/,
    'nested-property-value.json': /^\/inputs\/0\/properties\/address$/,
    'wrong-structure.json': /^\/inputs$/,
    'empty-inputs.json': /^\/inputs$/,
  };
  it('has an expectation for every broken fixture', () => {
    expect(readdirSync(join(dir, 'broken')).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, location] of Object.entries(expected)) {
    it(`refuses ${name} with a location`, () => {
      expect(refusal(readFileSync(join(dir, 'broken', name))).location).toMatch(location);
    });
  }
  it('reads a 50 MB body within 10 s', () => {
    const input = makeLargeDocument(50_000_000);
    const started = performance.now();
    expect(reader.parse(input)[0]!.tree.inputs).toHaveLength(100);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
