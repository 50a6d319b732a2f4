import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { makeOrder, seededRandom } from '../../formats/shopify-order/fixtures/large.ts';
import { allExpressions } from '../engine/compile.ts';
import { findMapping, MappingError, mapDocument } from '../index.ts';

/**
 * Cases the fixtures (order.to-canonical.expected) do not cover: the status an order's states give, amounts
 * computed exactly, and that the whole mapping stays on the compiled path that makes it cheap.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const mapping = findMapping('shopify/order.to-canonical.yaml');
const reader = findReader('shopify-order');

async function mapped(order: Json): Promise<Json> {
  const [document] = reader.parse(Buffer.from(JSON.stringify(order)));
  const records = await mapDocument(mapping, document!, { receivedAt: new Date('2024-01-01T00:00:00Z') });
  expect(records).toHaveLength(1);
  return JSON.parse(JSON.stringify(records[0]!.value)) as Json;
}

const base = (fields: Json = {}): Json => ({ ...makeOrder(seededRandom(5), 42), ...fields });

describe('shopify order → SalesOrderEvent', () => {
  it('compiles every expression to a plain function (no JSONata evaluation per order)', () => {
    const slow = allExpressions(mapping)
      .filter((node) => !node.fast)
      .map((node) => node.at);
    expect(slow).toEqual([]);
  });

  it.each([
    [{ financial_status: 'pending' }, 'RECEIVED'],
    [{ financial_status: 'paid' }, 'CONFIRMED'],
    [{ financial_status: 'authorized' }, 'CONFIRMED'],
    [{ financial_status: 'voided' }, 'CANCELLED'],
    [{ financial_status: null }, 'RECEIVED'],
    [{ financial_status: 'paid', fulfillment_status: 'partial' }, 'PARTIALLY_SHIPPED'],
    [{ financial_status: 'paid', fulfillment_status: 'fulfilled' }, 'SHIPPED'],
    [
      { financial_status: 'refunded', fulfillment_status: 'fulfilled', cancelled_at: '2024-01-02T00:00:00Z' },
      'CANCELLED',
    ],
  ])('%j is %s', async (fields, status) => {
    expect((await mapped(base(fields))).salesOrder.status).toBe(status);
  });

  it('is DELIVERED once fulfilled whole and every shipment that went out is delivered; failed ones do not count', async () => {
    const shipment = (id: number, status: string, shipment_status: string | null) => ({
      id,
      status,
      shipment_status,
      tracking_number: `T${id}`,
      line_items: [],
    });
    const status = async (fields: Json) =>
      (await mapped(base({ financial_status: 'paid', ...fields }))).salesOrder.status;
    const fulfilled = (fulfillments: Json[]) => ({ fulfillment_status: 'fulfilled', fulfillments });
    expect(await status(fulfilled([shipment(1, 'success', 'delivered'), shipment(2, 'failure', null)]))).toBe(
      'DELIVERED',
    );
    expect(
      await status(fulfilled([shipment(1, 'success', 'delivered'), shipment(2, 'success', 'in_transit')])),
    ).toBe('SHIPPED');
    expect(await status(fulfilled([]))).toBe('SHIPPED');
    expect(
      await status({ fulfillment_status: 'partial', fulfillments: [shipment(1, 'success', 'delivered')] }),
    ).toBe('PARTIALLY_SHIPPED');
  });

  it('maps shipments to DELIVERY references and trackingNumbers, shipped and refunded quantities per line', async () => {
    const order = base({
      fulfillment_status: 'partial',
      line_items: [
        { id: 1, title: 'A', quantity: 3, price: '10.00' },
        { id: 2, title: 'B', quantity: 1, price: '5.00' },
      ],
      fulfillments: [
        {
          id: 11,
          status: 'success',
          created_at: '2024-02-01T10:00:00+01:00',
          tracking_company: 'UPS',
          tracking_numbers: ['1Z1', '1Z2'],
          line_items: [{ id: 1, quantity: 1 }],
        },
        { id: 12, status: 'cancelled', tracking_number: 'X9', line_items: [{ id: 1, quantity: 2 }] },
        { id: 13, status: 'success', tracking_numbers: ['1Z2'], line_items: [{ id: 1, quantity: 1 }] },
      ],
      refunds: [
        {
          id: 21,
          refund_line_items: [{ line_item_id: 2, quantity: 1, restock_type: 'cancel', subtotal: '5.00' }],
          transactions: [
            { kind: 'refund', status: 'failure', amount: '5.00', currency: 'USD' },
            { kind: 'refund', status: 'success', amount: '5.00', currency: 'USD' },
          ],
          order_adjustments: [
            { id: 31, kind: 'shipping_refund', reason: 'Shipping refund', amount: '-4.90' },
          ],
        },
      ],
    });
    const { references, extensions } = (await mapped(order)).salesOrder;
    expect(references).toEqual([
      { type: 'DELIVERY', id: '11', date: '2024-02-01T09:00:00.000Z' },
      { type: 'DELIVERY', id: '13', date: null },
    ]);
    expect(extensions.trackingNumbers).toBe('1Z1,1Z2');
    expect(extensions['shopify.fulfillment.12.status']).toBe('cancelled');
    expect(extensions['shopify.fulfillment.12.tracking_numbers']).toBe('X9');
    expect(extensions['shopify.fulfillment.11.tracking_company']).toBe('UPS');
    expect(extensions['shopify.line.1.fulfilled_quantity']).toBe('2');
    expect(extensions['shopify.line.2.fulfilled_quantity']).toBeUndefined();
    expect(extensions['shopify.line.2.refunded_quantity']).toBe('1');
    expect(extensions['shopify.refund.21.amount']).toBe('5');
    expect(extensions['shopify.refund.21.line.2.restock_type']).toBe('cancel');
    expect(extensions['shopify.refund.21.adjustment.31.kind']).toBe('shipping_refund');
    expect(extensions['shopify.refund.21.adjustment.31.amount']).toBe('-4.9');
    expect(extensions['shopify.refund.21.adjustment.31.tax_amount']).toBeUndefined();
  });

  it("keeps presentment amounts only when the customer paid in another currency than the shop's", async () => {
    const set = (amount: string, code: string) => ({
      shop_money: { amount: '1.00', currency_code: 'USD' },
      presentment_money: { amount, currency_code: code },
    });
    const order = (code: string) =>
      base({
        presentment_currency: code,
        total_price_set: set('9.00', code),
        line_items: [{ id: 1, title: 'A', quantity: 1, price: '1.00', price_set: set('9.00', code) }],
      });
    const other = (await mapped(order('SEK'))).salesOrder.extensions;
    expect([other['shopify.presentment.total_price'], other['shopify.line.1.presentment.price']]).toEqual([
      '9',
      '9',
    ]);
    const same = (await mapped(order('USD'))).salesOrder.extensions;
    expect(Object.keys(same).filter((k) => k.includes('presentment.'))).toEqual([]);
  });

  it('is CREATED while updated_at is created_at, UPDATED after', async () => {
    const order = base();
    expect((await mapped({ ...order, updated_at: order.created_at })).changeType).toBe('CREATED');
    expect((await mapped(order)).changeType).toBe('UPDATED');
    expect((await mapped({ ...order, updated_at: null })).changeType).toBe('CREATED');
  });

  it('computes line amounts exactly and keys the order by its Shopify id', async () => {
    const order = base({
      line_items: [
        { id: 1, sku: 'A', title: 'A', quantity: 3, price: '0.10' },
        { id: 2, sku: null, title: 'B', quantity: 7, price: '19.99', variant_id: 77 },
      ],
    });
    const value = await mapped(order);
    expect(value.salesOrder.orderId).toBe(`shopify:${order.id}`);
    expect(
      value.salesOrder.lines.map((l: Json) => [l.lineNumber, l.item.sellerItemId, l.lineAmount.amount]),
    ).toEqual([
      ['1', 'A', '0.3'],
      ['2', null, '139.93'],
    ]);
    expect(value.salesOrder.extensions['shopify.line.2.variant_id']).toBe('77');
    expect(value.salesOrder.extensions['shopify.line.1.variant_id']).toBeUndefined();
  });

  it('states each line net: less its discount allocations, and less its taxes when prices include them', async () => {
    // As Shopify sends allocated discounts: total_discount 0.00, the discounts in discount_allocations.
    const line = (fields: Json): Json => ({ title: 'X', quantity: 2, total_discount: '0.00', ...fields });
    const lines = [
      line({
        id: 1,
        price: '99.00',
        discount_allocations: [
          { amount: '14.10', discount_application_index: 0 },
          { amount: '5.00', discount_application_index: 1 },
        ],
        tax_lines: [{ title: 'VAT', price: '29.82', rate: 0.19 }],
      }),
      line({
        id: 2,
        price: '10.00',
        discount_allocations: [],
        tax_lines: [{ title: 'VAT', price: '3.19', rate: 0.19 }],
      }),
    ];
    // The canonical unitPrice is the net price per unit (SalesOrder.avsc): the line amount ÷ the quantity, so that
    // unitPrice × quantity is what the customer pays for the line; the list price Shopify shows stays in extensions.
    const excluded = (await mapped(base({ taxes_included: false, line_items: lines }))).salesOrder;
    expect(excluded.lines.map((l: Json) => [l.unitPrice.amount, l.lineAmount.amount])).toEqual([
      ['89.45', '178.9'],
      ['10', '20'],
    ]);
    expect(excluded.extensions['shopify.line.1.price']).toBe('99');
    expect(excluded.extensions['shopify.line.1.discount']).toBe('19.1');
    expect(excluded.extensions['shopify.line.1.tax']).toBe('29.82');
    expect(excluded.extensions['shopify.line.2.discount']).toBeUndefined();
    const included = (await mapped(base({ taxes_included: true, line_items: lines }))).salesOrder;
    expect(included.lines.map((l: Json) => [l.unitPrice.amount, l.lineAmount.amount])).toEqual([
      ['74.54', '149.08'],
      ['8.405', '16.81'],
    ]);
  });

  it("gives a unit price that does not divide evenly to 6 places, and none for a line of no items (an edit's removed line)", async () => {
    const order = base({
      taxes_included: false,
      line_items: [
        { id: 1, title: 'X', quantity: 3, price: '10.00', discount_allocations: [{ amount: '1.00' }] },
        { id: 2, title: 'Y', quantity: 0, price: '5.00', discount_allocations: [] },
      ],
    });
    const { lines, extensions } = (await mapped(order)).salesOrder;
    expect(lines.map((l: Json) => [l.unitPrice?.amount ?? null, l.lineAmount.amount])).toEqual([
      ['9.666667', '29'],
      [null, '0'],
    ]);
    expect(extensions['shopify.line.2.price']).toBeUndefined();
  });

  it("takes a line's total_discount when it has no discount allocations (a draft order's, a script's), never both", async () => {
    const order = base({
      taxes_included: false,
      line_items: [
        { id: 1, title: 'X', quantity: 2, price: '50.00', total_discount: '10.00', discount_allocations: [] },
        // Shopify may send the allocated sum in total_discount as well: counted once.
        {
          id: 2,
          title: 'Y',
          quantity: 1,
          price: '20.00',
          total_discount: '5.00',
          discount_allocations: [{ amount: '5.00' }],
        },
        { id: 3, title: 'Z', quantity: 1, price: '7.00', total_discount: '0.00', discount_allocations: [] },
      ],
    });
    const { lines, extensions } = (await mapped(order)).salesOrder;
    expect(lines.map((l: Json) => [l.unitPrice.amount, l.lineAmount.amount])).toEqual([
      ['45', '90'],
      ['15', '15'],
      ['7', '7'],
    ]);
    expect([1, 2, 3].map((id) => extensions[`shopify.line.${id}.price`])).toEqual(['50', '20', undefined]);
  });

  it('takes a field Shopify sends empty ("": a city, a zip, a phone, the email of a customer without one) for none', async () => {
    const order = base();
    const address = { ...order.shipping_address, city: '', zip: '', phone: '' };
    const { salesOrder } = await mapped({
      ...order,
      email: '',
      shipping_address: address,
      billing_address: address,
    });
    for (const party of [salesOrder.shipTo, salesOrder.billTo]) {
      expect([party.address.city, party.address.postalCode, party.phone, party.email]).toEqual([
        null,
        null,
        null,
        null,
      ]);
    }
  });

  it("carries each line's properties (engraving text: what the shop attached) into extensions by line and name", async () => {
    const order = base({
      line_items: [
        {
          id: 1,
          sku: 'RING',
          title: 'Ring',
          quantity: 1,
          price: '120.00',
          properties: [
            { name: 'Engraving', value: 'A.P. 02.12.2024' },
            { name: 'Ring size', value: 7 },
            { name: 'Gift note', value: null },
          ],
        },
        { id: 2, sku: 'BOX', title: 'Box', quantity: 1, price: '28.00', properties: [] },
        {
          id: 3,
          sku: 'BAG',
          title: 'Bag',
          quantity: 1,
          price: '5.00',
          properties: [{ name: 'Engraving', value: 'B' }],
        },
      ],
    });
    const properties = Object.entries((await mapped(order)).salesOrder.extensions as Json).filter(([key]) =>
      key.includes('.property.'),
    );
    expect(properties).toEqual([
      ['shopify.line.1.property.Engraving', 'A.P. 02.12.2024'],
      ['shopify.line.1.property.Ring size', '7'],
      ['shopify.line.1.property.Gift note', ''],
      ['shopify.line.3.property.Engraving', 'B'],
    ]);
  });

  it("keeps a line's variant title and the customer's phone; a line without name is described by title and variant", async () => {
    const order = base({
      phone: '+4930123456',
      line_items: [
        { id: 1, sku: 'TEE', title: 'T-shirt', variant_title: 'L / Green', quantity: 1, price: '20.00' },
        {
          id: 2,
          sku: 'CAP',
          title: 'Cap',
          name: 'Cap - One size',
          variant_title: 'One size',
          quantity: 1,
          price: '9.00',
        },
        { id: 3, sku: 'BAG', title: 'Bag', variant_title: null, quantity: 1, price: '5.00' },
      ],
    });
    order.customer = { ...order.customer, phone: '+4915112345678' };
    const { salesOrder } = await mapped(order);
    expect(salesOrder.lines.map((l: Json) => l.item.description)).toEqual([
      'T-shirt - L / Green',
      'Cap - One size',
      'Bag',
    ]);
    expect(salesOrder.extensions['shopify.line.1.variant_title']).toBe('L / Green');
    expect(salesOrder.extensions['shopify.line.2.variant_title']).toBe('One size');
    expect(salesOrder.extensions['shopify.line.3.variant_title']).toBeUndefined();
    expect(salesOrder.extensions['shopify.customer.phone']).toBe('+4915112345678');
    expect(salesOrder.extensions['shopify.phone']).toBe('+4930123456');
  });

  it('takes the billing name for a guest without a customer', async () => {
    const order = base({ customer: null });
    const value = await mapped(order);
    expect(value.salesOrder.customer).toEqual({
      customerId: null,
      sourceIds: [],
      name: order.billing_address.name,
    });
  });

  it.each([
    ['first name only', { first_name: 'Anna', last_name: null }, 'Anna'],
    ['last name only', { first_name: null, last_name: 'Müller' }, 'Müller'],
    ['an empty first name', { first_name: '', last_name: 'Müller' }, 'Müller'],
  ])('names a customer with %s by the names given', async (_, names, name) => {
    const order = base();
    const value = await mapped({ ...order, customer: { ...order.customer, ...names } });
    expect(value.salesOrder.customer.name).toBe(name);
  });

  it('takes the billing name, else none, for a customer without names (POS, email-only sign-ups)', async () => {
    const order = base();
    const customer = { ...order.customer, first_name: null, last_name: null };
    expect((await mapped({ ...order, customer })).salesOrder.customer.name).toBe(order.billing_address.name);
    const pos = await mapped({ ...order, customer, billing_address: null, shipping_address: null });
    expect(pos.salesOrder.customer).toMatchObject({
      name: null,
      sourceIds: [{ id: String(order.customer.id) }],
    });
  });

  it('refuses an order whose line amount does not fit a canonical decimal, naming the field', async () => {
    const order = base({
      line_items: [{ id: 1, sku: 'A', title: 'A', quantity: 20, price: '999999999999999999.00' }],
    });
    const [document] = reader.parse(Buffer.from(JSON.stringify(order)));
    const error = await mapDocument(mapping, document!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toMatch(/salesOrder\.lines\[0\]\.lineAmount\.amount/);
  });

  it('states the current total (after edits and refunds) as the total, the original and the other current totals in extensions', async () => {
    const set = (shop: string, presentment: string) => ({
      shop_money: { amount: shop, currency_code: 'EUR' },
      presentment_money: { amount: presentment, currency_code: 'SEK' },
    });
    const edited = await mapped(
      base({
        currency: 'EUR',
        presentment_currency: 'SEK',
        total_price: '297.71',
        subtotal_price: '287.76',
        total_tax: '59.54',
        total_discounts: '31.99',
        total_price_set: set('297.71', '3424.30'),
        current_total_price: '279.76',
        current_subtotal_price: '269.81',
        current_total_tax: '55.95',
        current_total_discounts: '31.99',
        current_total_price_set: set('279.76', '3218.20'),
        current_subtotal_price_set: set('269.81', '3103.20'),
        current_total_tax_set: set('55.95', '643.64'),
        current_total_discounts_set: set('31.99', '367.80'),
      }),
    );
    expect(edited.salesOrder.totalAmount.amount).toBe('279.76');
    const extensions = edited.salesOrder.extensions;
    expect(
      Object.fromEntries(
        Object.entries(extensions).filter(([k]) => /total|subtotal/.test(k) && !k.includes('.line.')),
      ),
    ).toEqual({
      'shopify.total_price': '297.71',
      'shopify.subtotal_price': '287.76',
      'shopify.total_tax': '59.54',
      'shopify.total_discounts': '31.99',
      'shopify.current_subtotal_price': '269.81',
      'shopify.current_total_tax': '55.95',
      'shopify.presentment.total_price': '3424.3',
      'shopify.presentment.current_total_price': '3218.2',
      'shopify.presentment.current_subtotal_price': '3103.2',
      'shopify.presentment.current_total_tax': '643.64',
      'shopify.presentment.current_total_discounts': '367.8',
    });
    // Current totals the same as the original ones (an order neither edited nor refunded) add nothing.
    const unchanged = await mapped(
      base({ current_total_price: base().total_price, current_total_tax: base().total_tax }),
    );
    expect(unchanged.salesOrder.totalAmount.amount).toBe(
      (await mapped(base())).salesOrder.totalAmount.amount,
    );
    expect(
      Object.keys(unchanged.salesOrder.extensions).filter((k) => /current|^shopify\.total_price$/.test(k)),
    ).toEqual([]);
  });

  it('keeps duties, discount applications and refunds in the presentment currency in extensions, and adds nothing without them', async () => {
    const set = (shop: string, presentment: string) => ({
      shop_money: { amount: shop, currency_code: 'USD' },
      presentment_money: { amount: presentment, currency_code: 'EUR' },
    });
    const extensions = (
      await mapped(
        base({
          presentment_currency: 'EUR',
          original_total_duties_set: set('3.00', '2.70'),
          current_total_duties_set: set('1.00', '0.90'),
          discount_applications: [
            {
              type: 'automatic',
              value: '5.00',
              value_type: 'fixed_amount',
              allocation_method: 'each',
              title: 'Bulk',
            },
          ],
          line_items: [
            {
              id: 1,
              title: 'A',
              quantity: 1,
              price: '10.00',
              // A duty without its id is keyed by its position.
              duties: [
                {
                  id: '7',
                  harmonized_system_code: '610910',
                  country_code_of_origin: 'PT',
                  ...set('2.00', '1.80'),
                },
                { shop_money: { amount: '1.00' }, presentment_money: { amount: '0.90' } },
              ],
            },
          ],
          refunds: [
            {
              id: 2,
              refund_line_items: [
                {
                  line_item_id: 1,
                  quantity: 1,
                  subtotal: 10,
                  subtotal_set: set('10.00', '9.00'),
                  total_tax_set: null,
                },
              ],
            },
          ],
        }),
      )
    ).salesOrder.extensions;
    const kept = (pattern: RegExp) =>
      Object.fromEntries(
        Object.entries(extensions).filter(([k]) => pattern.test(k) && !k.endsWith('.quantity')),
      );
    expect(kept(/dut|discount_application|refund\.2\.line\.1\.presentment/)).toEqual({
      'shopify.original_total_duties': '3',
      'shopify.current_total_duties': '1',
      'shopify.line.1.duty.7.amount': '2',
      'shopify.line.1.duty.7.harmonized_system_code': '610910',
      'shopify.line.1.duty.7.country_code_of_origin': 'PT',
      'shopify.line.1.duty.1.amount': '1',
      'shopify.discount_application.0.type': 'automatic',
      'shopify.discount_application.0.value': '5',
      'shopify.discount_application.0.value_type': 'fixed_amount',
      'shopify.discount_application.0.allocation_method': 'each',
      'shopify.discount_application.0.title': 'Bulk',
      'shopify.presentment.original_total_duties': '2.7',
      'shopify.presentment.current_total_duties': '0.9',
      'shopify.line.1.presentment.duty.7.amount': '1.8',
      'shopify.line.1.presentment.duty.1.amount': '0.9',
      'shopify.refund.2.line.1.presentment.subtotal': '9',
    });
    const ordinary = (await mapped(base())).salesOrder.extensions;
    expect(Object.keys(ordinary).filter((k) => /dut|discount_application|presentment/.test(k))).toEqual([]);
  });
});
