import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader, writer } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one, refusal } = fixtureSupport(reader, fixtures);
const tree = (name: string) => one(name).tree;

describe('hubspot-batch-upsert reader and writer', () => {
  it('reads inputs with their id property and string values', () => {
    const doc = one('single-by-email.json');
    expect([doc.kind, doc.id]).toEqual(['contacts/batch/upsert', 'ada@example.com']);
    expect(doc.tree.inputs[0]).toEqual({
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
    for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.json'))) {
      const original = tree(name);
      expect(reader.parse(writer.write(original))[0]!.tree).toEqual(original);
    }
  });
});

describe('hubspot-batch-upsert broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 44$/,
    'missing-id.json': /^\/inputs\/0\/id$/,
    'nested-property-value.json': /^\/inputs\/0\/properties\/address$/,
    'wrong-structure.json': /^\/inputs$/,
    'empty-inputs.json': /^\/inputs$/,
  });
  // HubSpot's batch endpoints take at most 100 inputs a call (issue 16 §2: enforce the systems' own caps).
  it('reads 100 inputs and refuses 101 at /inputs', () => {
    const body = (n: number) =>
      Buffer.from(
        JSON.stringify({
          inputs: Array.from({ length: n }, (_, i) => ({
            idProperty: 'email',
            id: `c${i}@example.com`,
            properties: { firstname: `C${i}` },
          })),
        }),
      );
    expect(reader.parse(body(100))[0]!.tree.inputs).toHaveLength(100);
    expect(refusal(body(101))).toMatchObject({ location: '/inputs' });
    expect(refusal(body(101)).message).toMatch(/inputs must hold 1 to 100 items/);
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB body within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.inputs).toHaveLength(100),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
