import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, mutant } from '../../tests/fuzz/mutate.ts';
import { fixtureSupport } from '../test-support.ts';
import { FormatError } from '../types.ts';
import { makeOrder, makeOrderLine, seededRandom } from './fixtures/large.ts';
import { reader } from './index.ts';
import { readOrderJson } from './record.ts';
import { scanOrder } from './scan.ts';

const formatDir = import.meta.dirname;
const { fixture } = fixtureSupport(reader, join(formatDir, 'fixtures'));

/**
 * The one-pass reader against the general way, on the same bytes: the tree it returns must be readOrderJson's,
 * key order and locations included (compared as JSON text), and where readOrderJson refuses, it must give up.
 * Returns whether it read the bytes itself (UTF-8, as the reader hands it only such bytes).
 */
function sameAsGeneral(input: Buffer, what: string): boolean {
  // Bytes that are not UTF-8 are refused before either way reads them (decodeUtf8).
  if (!isUtf8(input)) return false;
  const text = new TextDecoder().decode(input);
  let general: string;
  try {
    general = JSON.stringify(readOrderJson(text));
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    general = `refused: ${error.message}`;
  }
  const scanned = scanOrder(input, text);
  if (scanned === undefined) return false;
  expect(JSON.stringify(scanned), what).toBe(general);
  return true;
}

describe('shopify-order one-pass reader', () => {
  it('reads generated orders, compact and pretty-printed, exactly as the general way does', () => {
    const random = seededRandom(11);
    for (let seq = 0; seq < 300; seq++) {
      const order = makeOrder(random, seq);
      expect(sameAsGeneral(Buffer.from(JSON.stringify(order)), `order ${seq}`)).toBe(true);
      expect(sameAsGeneral(Buffer.from(JSON.stringify(order, null, '\t')), `pretty order ${seq}`)).toBe(true);
    }
  });

  it('reads the webhook and GET fixtures itself', () => {
    expect(sameAsGeneral(fixture('paid-unfulfilled-webhook.json'), 'paid')).toBe(true);
    expect(sameAsGeneral(fixture('engraved-line-item-properties.json'), 'engraved')).toBe(true);
    expect(sameAsGeneral(fixture('cancelled-refunded-guest-digital.json'), 'cancelled')).toBe(true);
    expect(sameAsGeneral(fixture('get-order-partially-fulfilled-eur.json'), 'GET')).toBe(true);
    // Fulfillments, refunds (their amounts JSON numbers with a fraction) and money sets are read in one pass too.
    expect(sameAsGeneral(fixture('multi-currency-partly-fulfilled-refunded.json'), 'refunded')).toBe(true);
    // Duties (a line's, the order's money sets with both amounts) and discount applications too.
    expect(sameAsGeneral(fixture('cross-border-duties-discount-refunded.json'), 'duties')).toBe(true);
  });

  it('gives up on what it does not read, and the reader then reads or refuses it the general way', () => {
    const order = (fields: string) =>
      `{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "line_items": [], ${fields}}`;
    const cases: Array<[string, string]> = [
      ['an escaped key that JSON.parse reads as a kept one', order('"no\\u0074e": "x"')],
      ['a malformed escape', order('"note": "a \\x b"')],
      ['a short unicode escape', order('"landing_site": "\\u00"')],
      ['a key twice (JSON.parse keeps the last)', order('"note": "first", "note": "second"')],
      ['a number with a fraction as an amount', order('"total_price": 12.5')],
      ['an id past 15 digits', order('"customer": {"id": 9007199254740993}')],
      ['a negative zero id', order('"customer": {"id": -0}')],
      ['a fraction as a property value', order('"note_attributes": [{"name": "n", "value": 7.5}]')],
      ['a number as text', order('"note": 7')],
      ['a trailing comma', order('"note": "x",')],
      ['a raw tab in a string', order('"note": "a\tb"')],
      ['a leading zero', order('"order_number": 0012')],
      ['a line break, unescaped, in a string', order('"note": "a\nb"')],
      ['text after the order', `${order('"note": "x"')} {}`],
      ['a byte-order mark', `\uFEFF${order('"note": "x"')}`],
      ['{"order": …} with another key', `{"order": ${order('"note": "x"')}, "id": 2}`],
      ['an order key in a webhook body', order('"order": {"id": 3}')],
      ['nesting past 64 levels in a skipped value', order(`"x": ${'['.repeat(70)}${']'.repeat(70)}`)],
    ];
    for (const [what, text] of cases) {
      const input = Buffer.from(text);
      expect(scanOrder(input, new TextDecoder().decode(input)), what).toBeUndefined();
      let general: unknown;
      try {
        general = reader.parse(input)[0]!.tree;
      } catch (error) {
        general = error;
      }
      expect(general, what).toBeDefined();
    }
  });

  it('reads nesting up to the depth parseJson allows, and gives up past it', () => {
    // The order is one level, `x` holds the rest: 64 in all is read, 65 refused (MAX_JSON_DEPTH).
    const nested = (levels: number) =>
      Buffer.from(
        `{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "x": ${'['.repeat(levels)}${']'.repeat(levels)}}`,
      );
    expect(sameAsGeneral(nested(63), '64 levels')).toBe(true);
    expect(sameAsGeneral(nested(64), '65 levels')).toBe(false);
    expect(() => reader.parse(nested(64))).toThrow(/nested deeper than 64/);
    const wrapped = (levels: number) => Buffer.from(`{"order": ${nested(levels).toString()}}`);
    expect(sameAsGeneral(wrapped(62), '64 levels in {"order": …}')).toBe(true);
    expect(sameAsGeneral(wrapped(63), '65 levels in {"order": …}')).toBe(false);
  });

  it('reads escapes as JSON.parse does, in kept and in skipped strings', () => {
    const input = Buffer.from(
      JSON.stringify({
        ...makeOrder(seededRandom(4), 2),
        note: 'a "quoted" note\\ with\ttab, \ud83c\udf81 and a lone \ud800',
        landing_site: '/?a=1&b=2',
      })
        .replace('&', '\\u0026')
        .replace('Cedar', 'Ced\\u0061r')
        .replace('"/?', '"\\/?'),
    );
    expect(input.toString()).toContain('Ced\\u0061r');
    expect(sameAsGeneral(input, 'escapes')).toBe(true);
    expect(scanOrder(input, input.toString())!.billingAddress!.lines).toEqual([
      expect.stringMatching(/Cedar/),
    ]);
  });

  it('reads non-ASCII text (two-, three- and four-byte characters) and skips keys it does not keep', () => {
    const order = {
      ...makeOrder(seededRandom(3), 1),
      note: 'Grüße 🎁 für Chloé — 東京',
      admin_graphql_api_id: 'gid://shopify/Order/1',
      'clé 🎁': { nested: [1, -2.5e-3, true, false, null, { deep: ['é'] }], empty: {}, none: [] },
      total_price_set: { shop_money: { amount: '10.00', currency_code: 'USD' } },
    };
    const input = Buffer.from(JSON.stringify(order));
    expect(sameAsGeneral(input, 'non-ASCII')).toBe(true);
    expect(scanOrder(input, input.toString('utf8'))!.note).toBe('Grüße 🎁 für Chloé — 東京');
  });

  it("reads a refund line's amount written as a JSON number as String writes it, else gives up", () => {
    const order = (subtotal: string) =>
      Buffer.from(
        `{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "line_items": [], "refunds": [` +
          `{"id": 2, "refund_line_items": [{"line_item_id": 3, "quantity": 1, "subtotal": ${subtotal}}]}]}`,
      );
    for (const read of ['195.66', '0.5', '7', '0.000001', '123456789012.125', '"12.50"'])
      expect(sameAsGeneral(order(read), read), read).toBe(true);
    for (const other of ['12.50', '1e2', '1.5E1', '0.0000001', '1234567890123.125', '-1.5', '01.5', '1.'])
      expect(sameAsGeneral(order(other), other), other).toBe(false);
  });

  it('agrees with the general way on seeded mutants of every fixture and of generated orders', () => {
    const files = fixtureFiles(formatDir);
    let scanned = 0;
    for (let index = 0; index < 3000; index++) {
      const { description, input } = mutant(formatDir, files, 14, index);
      if (sameAsGeneral(input, description)) scanned++;
    }
    // Mutants of generated orders: one or two bytes changed, or cut short.
    const random = seededRandom(5);
    for (let seq = 0; seq < 3000; seq++) {
      const line = Buffer.from(makeOrderLine(random, seq));
      const at = Math.floor(random() * line.length);
      const changed = Buffer.from(line);
      changed[at] = ' -0.e"\\{}[],:1x'.charCodeAt(seq % 17) || 0x7f;
      if (sameAsGeneral(changed, `order ${seq}, byte ${at} changed`)) scanned++;
      if (sameAsGeneral(line.subarray(0, at), `order ${seq}, cut at ${at}`)) scanned++;
    }
    // Not a vacuous comparison: many mutants are still read in one pass.
    expect(scanned).toBeGreaterThan(1000);
  });
});
