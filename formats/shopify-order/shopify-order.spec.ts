import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument, makeOrderLine, seededRandom } from './fixtures/large.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, parse, one, refusal } = fixtureSupport(reader, fixtures);

describe('shopify-order reader', () => {
  it('reads a webhook body: ids as digits, amounts as Shopify wrote them, addresses with their street lines', () => {
    const doc = one('paid-unfulfilled-webhook.json');
    expect([doc.kind, doc.id, doc.source]).toEqual([
      'order',
      `5912345678901@${doc.tree.updatedAt}`,
      'shopify/web',
    ]);
    expect(doc.tree).toMatchObject({
      $loc: '',
      id: '5912345678901',
      name: '#1042',
      orderNumber: '1042',
      createdAt: '2024-03-12T10:15:42-04:00',
      processedAt: '2024-03-12T10:15:40-04:00',
      cancelledAt: null,
      currency: 'USD',
      totalPrice: '252.58',
      subtotalPrice: '228.60',
      financialStatus: 'paid',
      fulfillmentStatus: null,
      taxesIncluded: false,
      tags: ['newsletter', 'repeat-customer'],
      note: 'Please leave the parcel at the side door.',
    });
    expect(doc.tree.customer).toEqual({
      $loc: '/customer',
      id: '7012345678901',
      email: 'maria.alvarez@example.com',
      firstName: 'Maria',
      lastName: 'Alvarez',
      phone: null,
    });
    // An empty address2 is no street line.
    expect(doc.tree.billingAddress!.lines).toEqual(['1458 Cedar Ridge Rd']);
    expect(doc.tree.shippingAddress).toMatchObject({
      $loc: '/shipping_address',
      lines: ['1458 Cedar Ridge Rd', 'Unit 3B'],
      provinceCode: 'MA',
      countryCode: 'US',
      zip: '01002',
    });
    expect(doc.tree.lineItems[1]).toEqual({
      $loc: '/line_items/1',
      id: '14123456789012',
      variantId: '45012345678002',
      productId: '8012345678456',
      sku: 'SCK-MER-L',
      title: 'Merino Hiking Socks',
      variantTitle: 'L',
      name: 'Merino Hiking Socks - L',
      vendor: 'Woolpath',
      quantity: '2',
      price: '32.50',
      pricePresentment: null,
      totalDiscount: '0.00',
      fulfillmentStatus: null,
      requiresShipping: true,
      taxable: true,
      giftCard: false,
      grams: '250',
      properties: [],
      // Each discount's share of the line (total_discount stays 0.00 when discounts are allocated) and its taxes.
      discountAllocations: [
        { $loc: '/line_items/1/discount_allocations/0', amount: '6.50', amountPresentment: null },
      ],
      taxLines: [
        { $loc: '/line_items/1/tax_lines/0', title: 'MA State Tax', price: '3.58', pricePresentment: null },
      ],
      duties: [],
    });
    expect(doc.tree.noteAttributes.map((a) => [a.name, a.value])).toEqual([
      ['gift_wrap', 'no'],
      ['delivery_window', 'weekday-evening'],
    ]);
    expect(doc.tree.discountCodes).toEqual([
      { $loc: '/discount_codes/0', code: 'SPRING10', amount: '25.40', type: 'percentage' },
    ]);
    expect(doc.tree.shippingLines[0]).toMatchObject({
      id: '4412345678901',
      code: 'Standard',
      price: '10.00',
    });
  });

  it('reads the {"order": …} a GET answers, locations under /order, numeric note values as text', () => {
    const doc = one('get-order-partially-fulfilled-eur.json');
    expect([doc.tree.id, doc.source, doc.tree.$loc]).toEqual([
      '6234567890123',
      'shopify/shopify_draft_order',
      '/order',
    ]);
    expect(doc.tree).toMatchObject({
      currency: 'EUR',
      fulfillmentStatus: 'partial',
      poNumber: 'BH-2024-1187',
    });
    expect(doc.tree.lineItems[2]).toMatchObject({
      $loc: '/order/line_items/2',
      sku: null,
      variantId: null,
      vendor: 'Bäckereibedarf Huber',
    });
    expect(doc.tree.noteAttributes[1]).toEqual({
      $loc: '/order/note_attributes/1',
      name: 'Kostenstelle',
      value: '4711',
    });
    expect(doc.tree.tags).toEqual(['B2B', 'Großkunde', 'Net 30']);
  });

  it('reads a cancelled guest order without addresses or customer', () => {
    const doc = one('cancelled-refunded-guest-digital.json');
    expect(doc.tree).toMatchObject({
      cancelledAt: '2024-06-01T18:22:09+09:00',
      cancelReason: 'customer',
      financialStatus: 'refunded',
      customer: null,
      billingAddress: null,
      shippingAddress: null,
      tags: [],
      totalPrice: '5500',
    });
    expect(doc.tree.lineItems.map((l) => [l.sku, l.giftCard])).toEqual([
      ['', true],
      ['WS-MATCHA-ONL', false],
    ]);
  });

  it('names each version of an order apart (orders/create, orders/updated, orders/cancelled), a redelivery alike', () => {
    const created = fixture('paid-unfulfilled-webhook.json');
    const body = JSON.parse(created.toString('utf8'));
    const id = (order: unknown) => reader.parse(Buffer.from(JSON.stringify(order)))[0]!.id;
    const first = id(body);
    expect(first).toBe(`${body.id}@${body.updated_at}`);
    expect(id(body)).toBe(first);
    const cancelled = id({
      ...body,
      updated_at: '2026-01-02T10:00:00-05:00',
      cancelled_at: '2026-01-02T10:00:00-05:00',
    });
    expect(cancelled).toBe(`${body.id}@2026-01-02T10:00:00-05:00`);
    // Never updated (an import, some apps' reads): its creation.
    expect(id({ ...body, updated_at: null })).toBe(`${body.id}@${body.created_at}`);
  });

  it("reads the body of Shopify's own test notification (orders/create), whose fulfillment_status is pending", () => {
    const doc = one('test-notification-pending.json');
    expect([doc.tree.fulfillmentStatus, doc.tree.cancelReason]).toEqual(['pending', 'customer']);
    expect(doc.tree.id).toBe('820982911946154508');
  });

  it('reads every generated benchmark order (seeded: the same seed, the same bytes)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    for (let seq = 0; seq < 200; seq++) {
      const line = makeOrderLine(a, seq);
      expect(line).toBe(makeOrderLine(b, seq));
      const [doc] = reader.parse(Buffer.from(line));
      expect(doc!.tree.id).toBe(String(5_000_000_000_000 + seq));
      expect(doc!.tree.lineItems.length).toBeGreaterThan(0);
    }
  });
});

describe('shopify-order GET /orders.json page', () => {
  it('orders-page-get-orders-json: each order of {"orders": […]} is a document of its own, located under /orders/<n>', () => {
    // It was refused whole at /id ("missing id"): the page's root has no order fields.
    const documents = parse('orders-page-get-orders-json.json');
    expect(documents.map((d) => [d.id, d.tree.$loc, d.tree.name, d.tree.lineItems.length])).toEqual([
      ['450789469@2008-01-10T11:00:00-05:00', '/orders/0', '#1001', 0],
      ['450789470@2008-01-11T09:30:00-05:00', '/orders/1', '#1002', 3],
    ]);
  });
  it('orders-page-order-without-id: an order of the page that is not valid is refused alone, the others read', () => {
    const results = reader.parseEach!(fixture('broken/orders-page-order-without-id.json'));
    expect(
      results.map((r) => ('refused' in r ? `refused at ${r.refused.location}` : `read ${r.id}`)),
    ).toEqual(['read 450789469@2008-01-10T11:00:00-05:00', 'refused at /orders/1/id']);
  });
  it('refuses a page whose orders are no list, or an empty one, at /orders', () => {
    expect(refusal(Buffer.from('{"orders": {"id": 1}}')).message).toMatch(
      /orders is the list of a GET \/orders.json page/,
    );
    expect(refusal(Buffer.from('{"orders": []}')).message).toMatch(/an empty list: no orders in this page/);
  });
});

describe('shopify-order broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte \d+$/,
    'wrong-structure.json': { location: /^\(document root\)$/, message: /an order is a JSON object/ },
    'non-numeric-quantity.json': {
      location: /^\/line_items\/1\/quantity$/,
      message: /quantity must be a whole number of items, got .?"two"/,
    },
    'unknown-currency.json': { location: /^\/currency$/, message: /Dollars is not an ISO 4217 code/ },
    'bad-created-at.json': { location: /^\/order\/created_at$/, message: /not an ISO 8601 timestamp/ },
    'bad-total-price.json': {
      location: /^\/total_price$/,
      message: /must be a decimal amount, got .?"12,50"/,
    },
    'graphql-id.json': { location: /^\/id$/, message: /whole-number id, got .?"gid:/ },
    // The second order of a GET /orders.json page without its id: that order refused alone (below, parseEach).
    'orders-page-order-without-id.json': { location: /^\/orders\/1\/id$/, message: /missing id/ },
  });
  it('refuses an impossible calendar date at its field', () => {
    const input = Buffer.from(
      '{"id": 1, "created_at": "2024-02-30T10:00:00Z", "currency": "USD", "line_items": []}',
    );
    expect(refusal(input).location).toBe('/created_at');
  });
  it('refuses impossible times and amounts that do not fit, also in the common shapes read without regexes', () => {
    const order = (fields: string) =>
      Buffer.from(`{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", ${fields}}`);
    const refused: Array<[string, string, RegExp]> = [
      ['"updated_at": "2024-01-10T24:00:00Z"', '/updated_at', /hour 24 does not exist/],
      ['"updated_at": "2024-13-10T10:00:00-05:00"', '/updated_at', /month 13 does not exist/],
      ['"updated_at": "2024-01-10T10:60:00+01:00"', '/updated_at', /minute 60 does not exist/],
      ['"updated_at": "2024-01-10T10:00:60Z"', '/updated_at', /second 60 does not exist/],
      ['"updated_at": "2023-02-29T10:00:00Z"', '/updated_at', /February has no day 29 in 2023/],
      ['"updated_at": "2024-04-31T10:00:00Z"', '/updated_at', /April has no day 31/],
      ['"updated_at": "2024-01-10T10:00:00+0500"', '/updated_at', /not an ISO 8601 timestamp/],
      ['"updated_at": "2024-01-10 10:00:00Z"', '/updated_at', /not an ISO 8601 timestamp/],
      ['"total_price": "1.1234567"', '/total_price', /7 decimal places/],
      ['"total_price": "1234567890123456789"', '/total_price', /19 digits before the decimal point/],
      ['"total_price": "12."', '/total_price', /must be a decimal amount/],
      ['"total_price": "-"', '/total_price', /must be a decimal amount/],
      ['"total_price": "1.2.3"', '/total_price', /must be a decimal amount/],
      [
        '"billing_address": {"country_code": "us"}',
        '/billing_address/country_code',
        /alpha-2 code, got .?"us"/u,
      ],
      [
        '"billing_address": {"country_code": "USA"}',
        '/billing_address/country_code',
        /alpha-2 code, got .?"USA"/u,
      ],
      [
        '"shipping_address": {"country_code": "U"}',
        '/shipping_address/country_code',
        /alpha-2 code, got .?"U"/u,
      ],
      [
        '"shipping_address": {"country_code": "U1"}',
        '/shipping_address/country_code',
        /alpha-2 code, got .?"U1"/u,
      ],
    ];
    for (const [fields, location, message] of refused) {
      const error = refusal(order(fields));
      expect({ fields, location: error.location }).toEqual({ fields, location });
      expect(error.message).toMatch(message);
    }
    const tree = reader.parse(
      order(
        '"updated_at": "2024-02-29T23:59:59-11:30", "total_price": " 0012.500000 ", "subtotal_price": "-123456789012345678.123456"',
      ),
    )[0]!.tree;
    expect([tree.updatedAt, tree.totalPrice, tree.subtotalPrice]).toEqual([
      '2024-02-29T23:59:59-11:30',
      '0012.500000',
      '-123456789012345678.123456',
    ]);
  });
  it('reads line item properties as {name, value}, a number, an object or a list as its JSON text, and refuses one without a name', () => {
    const order = (properties: unknown) => ({
      id: 1,
      created_at: '2024-01-01T00:00:00Z',
      currency: 'EUR',
      line_items: [{ id: 9, quantity: 1, properties }],
    });
    const [doc] = reader.parse(Buffer.from(JSON.stringify(order([{ name: 'Ring size', value: 7 }]))));
    expect(doc!.tree.lineItems[0]!.properties).toEqual([
      { $loc: '/line_items/0/properties/0', name: 'Ring size', value: '7' },
    ]);
    expect(() => reader.parse(Buffer.from(JSON.stringify(order([{ value: 'x' }]))))).toThrow(
      /\/line_items\/0\/properties\/0\/name: a line item property needs a name/,
    );
    // A storefront field named properties[Your name][first] comes back nested (shopify_api's
    // order_with_properties.json): the customer's input, kept as its JSON text, not a refused order.
    const [nested] = reader.parse(
      Buffer.from(
        JSON.stringify(order([{ name: 'Your name', value: { first: 'Ada', last: ['L', 'ovelace'] } }])),
      ),
    );
    expect(nested!.tree.lineItems[0]!.properties).toEqual([
      {
        $loc: '/line_items/0/properties/0',
        name: 'Your name',
        value: '{"first":"Ada","last":["L","ovelace"]}',
      },
    ]);
  });

  it('reads address lines that hold text, and tags that are empty or blank as none', () => {
    const bytes = Buffer.from(
      '{"id": 1, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR", "tags": "",' +
        ' "billing_address": {"address1": " ", "address2": "Hof 2", "country_code": "DE"},' +
        ' "shipping_address": {"address1": "Weg 1", "address2": null}}',
    );
    const tree = reader.parse(bytes)[0]!.tree;
    expect([tree.billingAddress!.lines, tree.shippingAddress!.lines, tree.tags]).toEqual([
      ['Hof 2'],
      ['Weg 1'],
      [],
    ]);
    const blank = Buffer.from(
      '{"id": 1, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR", "tags": " , "}',
    );
    expect(reader.parse(blank)[0]!.tree.tags).toEqual([]);
  });

  it('reads ids as their exact digits: zero, the largest safe integer, and past it', () => {
    const bytes = Buffer.from(
      '{"id": 9007199254740993, "created_at": "2024-01-01T00:00:00Z", "currency": "EUR", "customer": {"id": 0},' +
        ' "line_items": [{"id": 9007199254740991, "variant_id": -0, "product_id": 18446744073709551615, "quantity": 1}]}',
    );
    const tree = reader.parse(bytes)[0]!.tree;
    const line = tree.lineItems[0]!;
    expect([tree.id, tree.customer!.id, line.id, line.variantId, line.productId]).toEqual([
      '9007199254740993',
      '0',
      '9007199254740991',
      '0',
      '18446744073709551615',
    ]);
  });

  it('reads fulfillments (tracking, shipped lines), refunds (lines, transactions) and presentment amounts', () => {
    const doc = one('multi-currency-partly-fulfilled-refunded.json');
    const tree = doc.tree;
    expect([tree.currency, tree.presentmentCurrency, tree.totalPrice, tree.totalPricePresentment]).toEqual([
      'EUR',
      'SEK',
      '297.71',
      '3424.30',
    ]);
    expect(tree.totalShippingPricePresentment).toBe('115.00');
    expect(tree.lineItems[0]!.pricePresentment).toBe('1495.00');
    expect(tree.lineItems[0]!.discountAllocations[0]!.amountPresentment).toBe('299.00');
    expect(tree.lineItems[0]!.taxLines[0]!.pricePresentment).toBe('538.20');
    expect(tree.fulfillments.map((f) => [f.id, f.status, f.shipmentStatus, f.trackingCompany])).toEqual([
      ['5209988770001', 'success', 'delivered', 'PostNord'],
      ['5209988770002', 'cancelled', null, 'DHL Express'],
      ['5209988770003', 'success', 'in_transit', 'DHL Express'],
    ]);
    expect(tree.fulfillments[2]).toMatchObject({
      name: '#2047.3',
      trackingNumbers: ['JJD000390007001234567'],
      lineItems: [{ $loc: '/fulfillments/2/line_items/0', lineItemId: '16001122330002', quantity: '2' }],
    });
    // A refund line's amounts are JSON numbers in Shopify's REST answer: kept as the digits written.
    expect(tree.refunds).toEqual([
      {
        $loc: '/refunds/0',
        id: '1102233445566',
        createdAt: '2024-03-09T16:39:58+01:00',
        processedAt: '2024-03-09T16:39:58+01:00',
        note: 'Out of stock: third pair cancelled',
        refundLineItems: [
          {
            $loc: '/refunds/0/refund_line_items/0',
            lineItemId: '16001122330002',
            quantity: '1',
            restockType: 'cancel',
            subtotal: '17.95',
            totalTax: '3.59',
            subtotalPresentment: '206.10',
            totalTaxPresentment: '41.22',
          },
        ],
        transactions: [
          {
            $loc: '/refunds/0/transactions/0',
            id: '7012345678901',
            kind: 'refund',
            status: 'success',
            gateway: 'shopify_payments',
            amount: '244.10',
            currency: 'SEK',
          },
        ],
        // The shipping refunded with the line (amounts negative, as Shopify writes an adjustment).
        orderAdjustments: [
          {
            $loc: '/refunds/0/order_adjustments/0',
            id: '330011223344',
            kind: 'shipping_refund',
            reason: 'Shipping refund',
            amount: '-3.30',
            taxAmount: '-0.66',
            amountPresentment: '-38.00',
            taxAmountPresentment: '-7.60',
          },
        ],
      },
    ]);
  });

  it("takes a fulfillment's tracking_number (and tracking_url) when it has no tracking_numbers list, as older API versions send", () => {
    const order = JSON.parse(fixture('multi-currency-partly-fulfilled-refunded.json').toString('utf8'));
    const [first] = order.fulfillments;
    delete first.tracking_numbers;
    delete first.tracking_urls;
    order.fulfillments = [first, { id: 1, status: 'open', tracking_number: '', tracking_numbers: [] }];
    const tree = reader.parse(Buffer.from(JSON.stringify(order)))[0]!.tree;
    expect(tree.fulfillments.map((f) => [f.trackingNumbers, f.trackingUrls])).toEqual([
      [['00370712345678901234'], ['https://tracking.postnord.com/se/?id=00370712345678901234']],
      [[], []],
    ]);
  });

  it('refuses a fulfillment or refund line without its line item id, and a refund in a currency that is no ISO code', () => {
    const order = JSON.parse(fixture('multi-currency-partly-fulfilled-refunded.json').toString('utf8'));
    const broken = (change: (o: typeof order) => void) => {
      const copy = structuredClone(order);
      change(copy);
      return refusal(Buffer.from(JSON.stringify(copy)));
    };
    expect(broken((o) => delete o.fulfillments[1].line_items[0].id).location).toBe(
      '/fulfillments/1/line_items/0/id',
    );
    expect(broken((o) => delete o.refunds[0].refund_line_items[0].line_item_id).location).toBe(
      '/refunds/0/refund_line_items/0/line_item_id',
    );
    expect(broken((o) => (o.refunds[0].refund_line_items[0].quantity = 1.5)).location).toBe(
      '/refunds/0/refund_line_items/0/quantity',
    );
    expect(broken((o) => (o.refunds[0].transactions[0].currency = 'KR')).location).toBe(
      '/refunds/0/transactions/0/currency',
    );
    expect(broken((o) => (o.total_price_set.presentment_money.amount = '12,50')).location).toBe(
      '/total_price_set/presentment_money/amount',
    );
  });

  it('refuses a line item without an id', () => {
    const bytes = fixture('paid-unfulfilled-webhook.json')
      .toString('utf8')
      .replace('"id": 14123456789011,', '');
    expect(refusal(Buffer.from(bytes)).location).toBe('/line_items/0/id');
  });
  itHandlesLargeInputWithin10s(
    'reads a 5 MB order within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.lineItems.length).toBeGreaterThan(10_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );

  it('reads the current totals (after order edits and refunds) beside the original ones, in both currencies', () => {
    const tree = one('multi-currency-partly-fulfilled-refunded.json').tree;
    expect([tree.totalPrice, tree.subtotalPrice, tree.totalTax, tree.totalDiscounts]).toEqual([
      '297.71',
      '287.76',
      '59.54',
      '31.99',
    ]);
    expect([
      tree.currentTotalPrice,
      tree.currentSubtotalPrice,
      tree.currentTotalTax,
      tree.currentTotalDiscounts,
    ]).toEqual(['279.76', '269.81', '55.95', '29.99']);
    expect([
      tree.currentTotalPricePresentment,
      tree.currentSubtotalPricePresentment,
      tree.currentTotalTaxPresentment,
      tree.currentTotalDiscountsPresentment,
    ]).toEqual(['3218.20', '3103.20', '643.64', '344.80']);
    // Older API versions send no current totals: none.
    expect(one('engraved-line-item-properties.json').tree).toMatchObject({
      currentTotalPrice: null,
      currentTotalPricePresentment: null,
    });
    expect(
      refusal(
        Buffer.from(
          '{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", "current_total_price": "1,00"}',
        ),
      ),
    ).toMatchObject({ location: '/current_total_price' });
  });

  it("reads duties (the line's and the order's, in both currencies), discount applications and refunds' presentment amounts", () => {
    const tree = one('cross-border-duties-discount-refunded.json').tree;
    expect(tree.lineItems[1]!.duties).toEqual([
      {
        $loc: '/line_items/1/duties/0',
        id: '32',
        harmonizedSystemCode: '611595',
        countryCodeOfOrigin: 'CA',
        amount: '2.70',
        amountPresentment: '1.84',
      },
    ]);
    expect([
      tree.originalTotalDuties,
      tree.originalTotalDutiesPresentment,
      tree.currentTotalDuties,
      tree.currentTotalDutiesPresentment,
    ]).toEqual(['25.74', '17.51', '23.04', '15.67']);
    expect(tree.discountApplications).toEqual([
      {
        $loc: '/discount_applications/0',
        type: 'discount_code',
        value: '10.0',
        valueType: 'percentage',
        allocationMethod: 'across',
        targetSelection: 'all',
        targetType: 'line_item',
        code: 'WINTER10',
        title: null,
        description: null,
      },
    ]);
    expect(tree.refunds[0]!.refundLineItems[0]).toMatchObject({
      subtotal: '22.5',
      subtotalPresentment: '15.30',
      totalTaxPresentment: '2.91',
    });
    // An order without duties (null sets, Shopify's test notification) has none.
    expect(one('test-notification-pending.json').tree).toMatchObject({
      originalTotalDuties: null,
      currentTotalDuties: null,
    });
    const broken = (fields: string) =>
      refusal(Buffer.from(`{"id": 1, "created_at": "2024-01-10T10:00:00Z", "currency": "USD", ${fields}}`))
        .location;
    expect(broken('"discount_applications": [{"value": "ten"}]')).toBe('/discount_applications/0/value');
    expect(broken('"original_total_duties_set": {"shop_money": {"amount": "1,5"}}')).toBe(
      '/original_total_duties_set/shop_money/amount',
    );
    expect(
      broken('"line_items": [{"id": 2, "quantity": 1, "duties": [{"id": "3", "presentment_money": []}]}]'),
    ).toBe('/line_items/0/duties/0/presentment_money');
  });
});
