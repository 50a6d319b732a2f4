import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, parse, refusal } = fixtureSupport(reader, fixtures);

describe('odoo-sale-order reader', () => {
  it('reads a JSON-RPC envelope with expanded lines, decimals as strings', () => {
    const [doc] = parse('envelope-expanded-lines.json');
    expect([doc!.kind, doc!.id, doc!.source]).toEqual(['sale.order', 'S00042', 'My Company (San Francisco)']);
    const tree = doc!.tree;
    expect(tree).toMatchObject({
      $loc: '/result/0',
      id: 42,
      state: 'sale',
      dateOrder: '2024-03-12T08:30:00Z',
      writeDate: '2024-03-12T09:00:05Z',
      clientOrderRef: 'PO-4711',
      amountUntaxed: '1750',
      amountTax: '262.5',
      amountTotal: '2012.5',
    });
    expect(tree.partnerShipping).toEqual({
      $loc: '/result/0/partner_shipping_id',
      id: 27,
      name: 'Azure Interior, Warehouse',
    });
    expect(tree.currency!.name).toBe('EUR');
    expect(tree.lineIds).toEqual([101, 102]);
    expect(tree.lines[1]).toEqual({
      $loc: '/result/0/order_line/1',
      id: 102,
      product: { $loc: '/result/0/order_line/1/product_id', id: 9, name: '[FURN_8220] Four Person Desk' },
      description: 'Four Person Desk\nwith cable tray',
      quantity: '1.5',
      uom: { $loc: '/result/0/order_line/1/product_uom', id: 1, name: 'Units' },
      priceUnit: '566.67',
      priceSubtotal: '850',
      discount: null,
      customerLead: '7',
    });
  });

  it('reads the promised delivery date, the terms (an Html field) as text, the payment term and line discounts, and keeps fields it does not read', () => {
    // Seen in a trial: commitment_date, note and a line's discount were dropped without a word (the reader
    // ignored every field it did not list, so eai map could not even say they went unused).
    const [doc] = parse('commitment-note-discount.json');
    const tree = doc!.tree;
    expect(tree).toMatchObject({
      commitmentDate: '2024-05-20T16:00:00Z',
      createDate: '2024-05-06T08:10:42Z',
      note: 'Payment within 30 days net.\nDeliver to gate 3 & call ahead\nTel. +41 44 123 45 67',
      paymentTerm: { id: 4, name: '30 Days' },
    });
    expect(tree.lines[0]!.discount).toBe('10');
    expect(tree.other).toEqual({ incoterm: [6, 'DAP DELIVERED AT PLACE'], user_id: [2, 'Mitchell Admin'] });
  });

  it('reads section and note lines (display_type line_section / line_note) as no order lines, keeping their ids', () => {
    const [doc] = parse('section-and-note-lines.json');
    expect(doc!.tree.lineIds).toEqual([69, 70, 71]);
    expect(doc!.tree.lines.map((l) => [l.$loc, l.id, l.quantity, l.product?.name])).toEqual([
      ['/0/order_line/1', 70, '2', '[FURN_8220] Four Person Desk'],
    ]);
  });

  it("reads the web client's answer {length, records} (/web/dataset/search_read, web_search_read), located under records", () => {
    // It was refused whole: 'search_read result must be a list of records'.
    const docs = parse('web-search-read-length-records.json');
    expect(
      docs.map((d) => [d.id, d.tree.$loc, d.tree.state, d.tree.partnerShipping, d.tree.amountTotal]),
    ).toEqual([['S00043', '/result/records/0', 'sale', null, '120.5']]);
  });

  it('reads a bare result with line ids only', () => {
    const docs = parse('bare-result-line-ids.json');
    expect(
      docs.map((d) => [
        d.id,
        d.tree.$loc,
        d.tree.state,
        d.tree.lineIds,
        d.tree.lines.length,
        d.tree.clientOrderRef,
      ]),
    ).toEqual([
      ['S00043', '/0', 'draft', [103, 104, 105], 0, null],
      ['S00044', '/1', 'sent', [], 0, null],
    ]);
  });

  it('reads false as empty for every field type', () => {
    const [doc] = parse('false-many2one-values.json');
    expect(doc!.tree).toMatchObject({
      partnerShipping: null,
      partnerInvoice: null,
      company: null,
      writeDate: null,
      lineIds: [],
      lines: [],
    });
    expect(doc!.source).toBe('odoo');
  });

  it('reads cancelled and done orders, Odoo 19 product_uom_id and non-ASCII text', () => {
    expect(parse('cancelled-and-done.json').map((d) => [d.tree.state, d.tree.amountTotal])).toEqual([
      ['cancel', '99.95'],
      ['done', '10'],
    ]);
    const [v19] = parse('odoo19-product-uom-id.json');
    expect(v19!.tree.lines[0]).toMatchObject({
      uom: { name: 'Box of 100' },
      quantity: '1000',
      priceUnit: '0.02',
    });
    const [unicode] = parse('unicode-names.json');
    expect([unicode!.tree.partner!.name, unicode!.tree.clientOrderRef, unicode!.tree.currency!.name]).toEqual(
      ['Müller & Söhne GmbH', '注文-001', 'JPY'],
    );
  });
});

describe('odoo-sale-order broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 45$/,
    'json-rpc-error.json': /^\/error$/,
    'non-numeric-quantity.json': /^\/result\/0\/order_line\/1\/product_uom_qty$/,
    'unknown-currency.json': /^\/0\/currency_id$/,
    'wrong-structure.json': /^\/result$/,
    'bad-date-order.json': /^\/0\/date_order$/,
  });
  it('names the Odoo error message', () => {
    expect(refusal(fixture('broken/json-rpc-error.json')).message).toMatch(
      /AccessError: You are not allowed/,
    );
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB response within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input).length).toBeGreaterThan(5_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});
