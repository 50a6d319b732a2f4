import { describe, expect, it } from 'vitest';
import { mappingChooser } from '../../connectors/runtime/source-step.ts';
import { findReader } from '../../formats/index.ts';
import { makeOrder, seededRandom } from '../../formats/json/fixtures/large.ts';
import { findMapping, inboundMapping, MappingError, mapDocument } from '../index.ts';

/**
 * Cases the fixtures (order.to-canonical.expected) do not cover: the status each WooCommerce status gives, a unit
 * price WooCommerce computed by division, and that a generic JSON mapping is used only where it is named.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const mapping = findMapping('woocommerce/order.to-canonical.yaml');
const reader = findReader('json');

async function mapped(order: Json): Promise<Json> {
  const [document] = reader.parse(Buffer.from(JSON.stringify(order)));
  const records = await mapDocument(mapping, document!, { receivedAt: new Date('2025-01-01T00:00:00Z') });
  expect(records).toHaveLength(1);
  return JSON.parse(JSON.stringify(records[0]!.value)) as Json;
}

const base = (fields: Json = {}): Json => ({ ...makeOrder(seededRandom(5), 42), ...fields });

describe('woocommerce order → SalesOrderEvent', () => {
  it.each([
    ['pending', 'RECEIVED'],
    ['on-hold', 'RECEIVED'],
    ['processing', 'CONFIRMED'],
    ['completed', 'SHIPPED'],
    ['cancelled', 'CANCELLED'],
    ['refunded', 'CANCELLED'],
    ['failed', 'REJECTED'],
    ['trash', 'CANCELLED'],
    ['wc-shipped-by-plugin', 'UNKNOWN'],
  ])('status %s is %s', async (status, expected) => {
    expect((await mapped(base({ status }))).salesOrder.status).toBe(expected);
  });

  it('is CREATED while date_modified_gmt is date_created_gmt, UPDATED after; the _gmt times are UTC', async () => {
    const order = base({ date_created_gmt: '2025-03-14T13:12:37', date_modified_gmt: '2025-03-14T13:12:37' });
    const created = await mapped(order);
    expect([created.changeType, created.occurredAt]).toEqual(['CREATED', '2025-03-14T13:12:37.000Z']);
    const updated = await mapped({ ...order, date_modified_gmt: '2025-03-15T08:00:00' });
    expect([updated.changeType, updated.occurredAt]).toEqual(['UPDATED', '2025-03-15T08:00:00.000Z']);
  });

  it("rounds WooCommerce's unit price (total ÷ quantity, a JSON number) to 6 places; line amounts stay exact", async () => {
    const order = base({
      line_items: [
        {
          id: 7,
          name: 'Chalk bag',
          quantity: 3,
          total: '37.25',
          subtotal: '37.25',
          total_tax: '7.45',
          price: 12.416666666666666,
        },
      ],
    });
    const [line] = (await mapped(order)).salesOrder.lines;
    expect(line.unitPrice).toEqual({ amount: '12.416667', currency: 'USD' });
    expect(line.lineAmount).toEqual({ amount: '37.25', currency: 'USD' });
  });

  it("describes a line by its name's characters, not the character references WordPress stores it with", async () => {
    const order = base();
    const line = (name: string, meta: Json[] = []) => ({ ...order.line_items[0], name, meta_data: meta });
    const { salesOrder } = await mapped({
      ...order,
      line_items: [
        { ...line('Ship Your Idea &ndash; Color: Black, Size: M Test'), id: 1 },
        {
          ...line('Yellow Pants (H&amp;M)', [
            { key: 'fit', value: 'x', display_key: 'Fit', display_value: 'Slim &amp; Tall' },
          ]),
          id: 2,
        },
      ],
    });
    expect(salesOrder.lines.map((l: Json) => l.item.description)).toEqual([
      'Ship Your Idea \u2013 Color: Black, Size: M Test',
      'Yellow Pants (H&M)',
    ]);
    expect(salesOrder.extensions['woocommerce.line.2.meta.Fit']).toBe('Slim & Tall');
  });

  it.each([
    ['US', 'MA', 'US-MA'],
    ['BG', 'BG-01', 'BG-01'],
    ['JP', 'JP13', 'JP-13'],
    ['TR', 'TR34', 'TR-34'],
  ])("reads WooCommerce's %s state %s as the ISO 3166-2 region %s", async (country, state, region) => {
    const order = base();
    const address = { ...order.shipping, country, state };
    const { salesOrder } = await mapped({
      ...order,
      shipping: address,
      billing: { ...order.billing, country, state },
    });
    expect([salesOrder.shipTo.address.region, salesOrder.billTo.address.region]).toEqual([region, region]);
  });

  it('names no customer record for a guest (customer_id 0) and sums refunds as sent', async () => {
    const order = base({
      customer_id: 0,
      refunds: [
        { id: 1, reason: '', total: '-10.00' },
        { id: 2, reason: 'x', total: '-2.50' },
      ],
    });
    const { salesOrder } = await mapped(order);
    expect(salesOrder.customer.sourceIds).toEqual([]);
    expect(salesOrder.extensions['woocommerce.refunds_total']).toBe('-12.5');
  });

  it('refuses JSON that is not a WooCommerce order, naming the field it lacks', async () => {
    const [document] = reader.parse(
      Buffer.from('{"order_id": "114-3941689-8772232", "OrderStatus": "Shipped"}'),
    );
    const error = await mapDocument(mapping, document!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toMatch(/salesOrder\.currency/);
  });

  it('is read only where named: never the default of json, never taken for another format', () => {
    expect(() => inboundMapping('json')).toThrow(
      'no mapping reads format "json" by default: name one (--mapping <file>, a connector\'s mapping:), e.g. a copy of woocommerce/order.to-canonical.yaml',
    );
    const choose = mappingChooser({
      name: 'shop',
      mapping: 'woocommerce/order.to-canonical.yaml',
      baseDir: '.',
    });
    expect(choose({ format: 'json', bytes: Buffer.from('{}') }).file).toBe(mapping.file);
    // A Shopify order arriving at the same connector is mapped by Shopify's own mapping, not by the JSON one.
    expect(choose({ format: 'shopify-order', bytes: Buffer.from('{}') }).spec.input).toBe('shopify-order');
  });
});
