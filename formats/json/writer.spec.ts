import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findWriter } from '../index.ts';
import { FormatError } from '../types.ts';
import { eachJsonDocument, type JsonTree, reader } from './index.ts';
import { type JsonWriteTree, writeJson } from './writer.ts';

/** The value without the reader's `$loc` keys, as it was sent. */
function unlocated(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unlocated);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== '$loc')
      .map(([k, v]) => [k, unlocated(v)]),
  );
}

function refusal(tree: unknown): string {
  try {
    writeJson(tree as JsonWriteTree);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('json writer', () => {
  it('is the writer of format json', () => {
    expect(findWriter('json').write).toBe(writeJson);
  });

  it('writes one object per document, indented by two spaces with a final line break, as the other JSON writers', () => {
    expect(writeJson({ $loc: '', id: 'K-1', name: 'Müller' }).toString('utf8')).toBe(
      '{\n  "id": "K-1",\n  "name": "Müller"\n}\n',
    );
  });

  it('reads back as one document with the same values: quotes, line breaks, umlauts, nesting, lists, null', () => {
    const tree = {
      customerNumber: '0000100234',
      name: 'Café "Zur Linde", KG; Müller & Söhne',
      street: 'Am Markt 1\r\nEingang Nord\tHof',
      names: ['佐藤-Ñúñez Ørsted', 'Grüße'],
      address: { city: 'Köln', lines: [{ text: 'a' }, { text: 'b' }] },
      creditLimit: '25000.00',
      active: true,
      rank: 3,
      closedAt: null,
    };
    const documents = reader.parse(writeJson(tree));
    expect(documents).toHaveLength(1);
    expect(unlocated(documents[0]!.tree)).toEqual(tree);
    // UTF-8, no byte-order mark.
    const bytes = writeJson(tree);
    expect(bytes[0]).toBe('{'.charCodeAt(0));
    expect(bytes.includes(Buffer.from('Müller', 'utf8'))).toBe(true);
  });

  it('writes a tree the reader read as the object that was sent (without $loc), keeping a key __proto__ as data', () => {
    const input = readFileSync(new URL('fixtures/woocommerce-order-processing-us.json', import.meta.url));
    const [document] = eachJsonDocument(input);
    const tree = (document as { tree: JsonTree }).tree;
    expect(JSON.parse(writeJson(tree).toString('utf8'))).toEqual(JSON.parse(input.toString('utf8')));
    const proto = JSON.parse('{"__proto__": {"x": 1}, "id": "1"}') as JsonTree;
    expect(writeJson(proto).toString('utf8')).toContain('"__proto__": {');
  });

  it('refuses what the reader would not read back, at its JSON pointer', () => {
    expect(refusal(['a'])).toBe('json: (document root): a json document is an object');
    expect(refusal({ $loc: '' })).toBe('json: (document root): an empty object: nothing to write');
    expect(refusal({ amount: Number.NaN })).toBe('json: /amount: NaN is not a number JSON can hold');
    expect(refusal({ lines: [{ qty: Number.POSITIVE_INFINITY }] })).toBe(
      'json: /lines/0/qty: Infinity is not a number JSON can hold',
    );
  });
});
