import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { reader, writer } from './index.ts';

const fixture = readFileSync(new URL('fixtures/two-lines.json', import.meta.url));

describe('logistics-despatch-request', () => {
  it('reads a despatch request, quantities as whole-number strings and absent fields as null', () => {
    const [document] = reader.parse(fixture);
    expect(document).toMatchObject({ kind: 'despatch-request', id: '0000004711' });
    expect(document!.tree.lines[1]).toEqual({
      $loc: '/lines/1',
      lineNumber: 20,
      sku: 'MAT-900001',
      gtin: null,
      description: null,
      quantity: '2',
    });
    expect(document!.tree.shipTo.region).toBeNull();
  });

  it('writes a body that reads back to an equal tree, without nulls', () => {
    const tree = reader.parse(fixture)[0]!.tree;
    const written = writer.write(tree);
    expect(reader.parse(written)[0]!.tree).toEqual(tree);
    expect(JSON.parse(written.toString()).lines[1]).toEqual({
      lineNumber: 20,
      sku: 'MAT-900001',
      quantity: 2,
    });
  });

  it('writes "12.000000" as 12 and refuses a fractional quantity, naming the line', () => {
    const tree = reader.parse(fixture)[0]!.tree;
    tree.lines[0]!.quantity = '12.000000';
    expect(JSON.parse(writer.write(tree).toString()).lines[0].quantity).toBe(12);
    tree.lines[1]!.quantity = '2.5';
    expect(() => writer.write(tree)).toThrow(FormatError);
    expect(() => writer.write(tree)).toThrow(/\/lines\/1\/quantity: quantity must be a whole number/);
  });

  it('refuses a body without what the provider needs, naming the field, and leaves lengths and codes to it', () => {
    const body = JSON.parse(fixture.toString());
    const bad = (patch: (b: typeof body) => void) => {
      const copy = structuredClone(body);
      patch(copy);
      return () => reader.parse(Buffer.from(JSON.stringify(copy)));
    };
    expect(bad((b) => delete b.shipTo.city)).toThrow(/\/shipTo\/city: city must be a non-empty string/);
    expect(bad((b) => (b.shipTo = 'x'))).toThrow(/\/shipTo: shipTo must be an object/);
    expect(bad((b) => (b.lines = []))).toThrow(/\/lines: lines must hold 1 to 200/);
    expect(bad((b) => delete b.lines[0].sku)).toThrow(/\/lines\/0\/sku: sku must be a non-empty string/);
    expect(bad((b) => (b.lines[0].quantity = 0))).toThrow(/\/lines\/0\/quantity: /);
    expect(bad((b) => (b.shipTo.name = 'N'.repeat(61)))).not.toThrow();
  });
});
