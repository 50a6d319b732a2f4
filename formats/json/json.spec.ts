import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRefused } from '../each-document.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { shown } from '../text-input/pointer.ts';
import { makeLargeDocument, makeOrderLine, seededRandom } from './fixtures/large.ts';
import { type JsonTree, reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, parse, one, refusal } = fixtureSupport(reader, fixtures);
// biome-ignore lint/suspicious/noExplicitAny: a tree read back by the sender's own field names
type Json = Record<string, any>;

const read = (text: string) => reader.parse(Buffer.from(text));
const refused = (text: string) => refusal(Buffer.from(text));

describe('json reader', () => {
  it('reads one object as one document: keys as sent, $loc the JSON pointer of each object, values as they came', () => {
    const doc = one('woocommerce-order-processing-us.json');
    expect([doc.format, doc.kind, doc.source]).toEqual(['json', 'object', 'json']);
    expect(doc.id).toMatch(/^[0-9a-f]{16}$/);
    const tree = doc.tree as JsonTree & Json;
    expect(tree).toMatchObject({
      $loc: '',
      id: 4182,
      number: '4182',
      date_created_gmt: '2025-03-14T13:12:37',
      prices_include_tax: false,
      date_completed: null,
      total: '109.40',
    });
    expect(tree.billing).toMatchObject({ $loc: '/billing', first_name: 'Dana', company: '' });
    expect(tree.line_items[0]).toMatchObject({ $loc: '/line_items/0', price: 71.1, quantity: 1 });
    expect(tree.line_items[0].taxes[0]).toEqual({
      $loc: '/line_items/0/taxes/0',
      id: 4,
      total: '4.44375',
      subtotal: '4.9375',
    });
    expect(tree.line_items[0].meta_data[0].$loc).toBe('/line_items/0/meta_data/0');
    expect(tree._links.self[0]).toEqual({
      $loc: '/_links/self/0',
      href: 'https://shop.example.com/wp-json/wc/v3/orders/4182',
    });
    // Nothing renamed, nothing dropped: the tree is the document, each object with its $loc first.
    const original = JSON.parse(fixture('woocommerce-order-processing-us.json').toString('utf8'));
    expect(JSON.parse(JSON.stringify(tree, (k, v) => (k === '$loc' ? undefined : v)))).toEqual(original);
  });

  it('reads an array (a list answer) as one document per object, each at its index', () => {
    const docs = parse('woocommerce-orders-page-eur.json');
    expect(docs.map((d) => [(d.tree as Record<string, unknown>).id, d.tree.$loc])).toEqual([
      [8817, '/0'],
      [8822, '/1'],
    ]);
    expect((docs[1]!.tree as Json).line_items[0].$loc).toBe('/1/line_items/0');
    expect(new Set(docs.map((d) => d.id)).size).toBe(2);
  });

  it('reads JSON lines as one document per non-empty line (CRLF too), a line holding an array one per object', () => {
    const docs = read('{"n":1}\r\n\n  {"n":2}\r\n[{"n":3},{"n":4}]\n');
    expect(docs.map((d) => [(d.tree as Record<string, unknown>).n, d.tree.$loc])).toEqual([
      [1, '/0'],
      [2, '/1'],
      [3, '/2/0'],
      [4, '/2/1'],
    ]);
  });

  it('names a document by its content: the same object keeps its id as a file, an array element or a line', () => {
    const order = JSON.parse(fixture('woocommerce-order-processing-us.json').toString('utf8'));
    const id = one('woocommerce-order-processing-us.json').id;
    expect(read(JSON.stringify(order))[0]!.id).toBe(id);
    expect(read(`[{"other":1},${JSON.stringify(order)}]`)[1]!.id).toBe(id);
    expect(read(`{"other":1}\n${JSON.stringify(order)}\n`)[1]!.id).toBe(id);
    expect(read(JSON.stringify({ ...order, status: 'completed' }))[0]!.id).not.toBe(id);
  });

  it('keeps a number no double holds exactly as the digits that were sent, and a __proto__ key as data', () => {
    const [doc] = read(
      '{"id": 12345678901234567890, "rate": 0.1000000000000000055, "n": 7, "__proto__": {"x": 1}}',
    );
    const tree = doc!.tree as Record<string, unknown>;
    expect(tree.id).toBe('12345678901234567890');
    expect(tree.rate).toBe('0.1000000000000000055');
    expect(tree.n).toBe(7);
    expect(Object.keys(tree)).toEqual(['$loc', 'id', 'rate', 'n', '__proto__']);
    expect(Object.getPrototypeOf(tree)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(tree, '__proto__')?.value).toEqual({ $loc: '/__proto__', x: 1 });
  });

  it('refuses malformed text at its line and column, also on a line of JSON lines', () => {
    expect(refused('{\n  "id": 1,\n  "name": "x"\n  "total": "1.00"\n}').location).toBe('line 4, column 3');
    const error = refused('{"n":1}\n{"n":2\n{"n":3}\n');
    expect(error.location).toMatch(/^line 2, column \d+$/);
    expect(error.message).toMatch(/malformed JSON/);
    expect(refused('').message).toBe('json: line 1, column 1: empty document');
  });

  it('refuses what is not an object, or holds nothing, at its JSON pointer', () => {
    expect(refused('"order 4182"').message).toBe(
      `json: (document root): a document is a JSON object, got a string: ${shown('order 4182')}`,
    );
    expect(refused('[{"id": 1}, 42]').message).toBe(
      `json: /1: a document is a JSON object, got a number: ${shown(42)}`,
    );
    expect(refused('[{"id": 1}, [{"id": 2}]]').message).toMatch(/^json: \/1: .* got an array: /);
    expect(refused('{"n":1}\nnull\n').message).toBe(
      `json: /1: a document is a JSON object, got null: ${shown(null)}`,
    );
    expect(refused('{"n":1}\n{}\n').message).toBe('json: /1: an empty object: nothing to map');
    expect(refused('[]').message).toBe('json: (document root): an empty array: no documents in it');
    expect(refused('{"a": {"b": [{"$loc": "x"}]}}').message).toBe(
      'json: /a/b/0/$loc: "$loc" is reserved for the location the hub adds to each object',
    );
  });

  it('reads each document on its own (parseEach): a bad element is refused alone, the others are read', () => {
    const results = reader.parseEach!(Buffer.from('[{"id": 1}, "x", {"id": 3}]'));
    expect(results.map((r) => (isRefused(r) ? r.refused.location : r.tree.$loc))).toEqual(['/0', '/1', '/2']);
    expect(results.map(isRefused)).toEqual([false, true, false]);
  });

  it('refuses nesting deeper than 64 levels before reading it, with the pointer', () => {
    const error = refused(`{"a": ${'['.repeat(100)}${']'.repeat(100)}}`);
    expect(error.location).toBe('line 1, column 70');
    expect(error.message).toMatch(/JSON nested deeper than 64 levels \(at \/a\/0\/0/);
  });

  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': { location: /^line 1, column \d+$/, message: /malformed JSON/ },
    'invalid-utf8.json': { location: /^byte 40$/, message: /invalid UTF-8/ },
    'not-an-object.json': { location: /^\(document root\)$/, message: /a document is a JSON object/ },
    'empty-array.json': { location: /^\(document root\)$/, message: /no documents/ },
    'reserved-loc-key.json': { location: /^\/line_items\/0\/\$loc$/, message: /reserved/ },
  });

  itHandlesLargeInputWithin10s(
    'reads a 5 MB order within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect((reader.parse(input)[0]!.tree as Json).line_items.length).toBeGreaterThan(5_000),
  );
  itHandlesLargeInputWithin10s(
    'reads 5 MB of JSON lines (2,000 orders) within 10 s',
    () => {
      const random = seededRandom(3);
      return Buffer.from(Array.from({ length: 2_000 }, (_, i) => makeOrderLine(random, i)).join('\n'));
    },
    (input) => expect(reader.parse(input)).toHaveLength(2_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
