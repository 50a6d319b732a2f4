import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { reader, writer } from './index.ts';

const fixture = readFileSync(new URL('fixtures/two-lines.json', import.meta.url));

describe('logistics-return-authorization', () => {
  it('reads a return authorization, quantities as whole-number strings and absent fields as null', () => {
    const [document] = reader.parse(fixture);
    expect(document).toMatchObject({ kind: 'return-authorization', id: 'RMA-00001000' });
    expect(document!.tree.returnFrom).toBeNull();
    expect(document!.tree.lines[1]).toEqual({
      $loc: '/lines/1',
      lineNumber: 20,
      sku: 'MAT-100235',
      gtin: null,
      quantity: '1',
      reason: null,
    });
  });

  it('writes a body that reads back to an equal tree, without nulls', () => {
    const tree = reader.parse(fixture)[0]!.tree;
    const written = writer.write(tree);
    expect(reader.parse(written)[0]!.tree).toEqual(tree);
    expect(JSON.parse(written.toString())).not.toHaveProperty('returnFrom');
    expect(JSON.parse(written.toString()).lines[1]).toEqual({
      lineNumber: 20,
      sku: 'MAT-100235',
      quantity: 1,
    });
  });

  it('refuses a fractional quantity and a missing RMA number, naming the field', () => {
    const tree = reader.parse(fixture)[0]!.tree;
    tree.lines[0]!.quantity = '1.5';
    expect(() => writer.write(tree)).toThrow(/\/lines\/0\/quantity: quantity must be a whole number/);
    const noRma = { ...JSON.parse(fixture.toString()), rmaNumber: '' };
    expect(() => reader.parse(Buffer.from(JSON.stringify(noRma)))).toThrow(FormatError);
  });
});
