import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OdooFaultBody, type OdooHarness, startOdoo } from './test-support.ts';

type Row = Record<string, unknown> & { id: number };

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());
afterEach(async () => {
  await fetch(`${odoo.sim.url}/sim/reset`, { method: 'POST' });
});

const fault = async (model: string, method: string, args: unknown[]) =>
  ((await odoo.raw(model, method, args)).body as unknown as OdooFaultBody).error?.data;

async function partner(name: string): Promise<number> {
  return odoo.call<number>('res.partner', 'create', [
    { name, is_company: true, customer_rank: 1, country_id: 57 },
  ]);
}

describe('sale.order and sale.order.line', () => {
  it('creates an order with lines (command tuples), computing amounts and defaults', async () => {
    const customer = await partner('Müller Logistik GmbH');
    const delivery = await odoo.call<number>('res.partner', 'create', [
      { name: 'Lager Hamburg', parent_id: customer, type: 'delivery' },
    ]);
    const orderId = await odoo.call<number>('sale.order', 'create', [
      {
        partner_id: customer,
        partner_shipping_id: delivery,
        client_order_ref: 'PO-4711',
        order_line: [
          [0, 0, { product_id: 2, product_uom_qty: 10 }],
          [0, 0, { product_id: 1, product_uom_qty: 1, price_unit: 1200, discount: 10 }],
        ],
      },
    ]);
    expect(Number.isInteger(orderId)).toBe(true);
    const [order] = await odoo.call<Row[]>('sale.order', 'read', [[orderId]], {
      fields: [
        'name',
        'partner_id',
        'partner_invoice_id',
        'partner_shipping_id',
        'state',
        'currency_id',
        'amount_untaxed',
        'amount_total',
        'order_line',
        'date_order',
        'client_order_ref',
        'write_uid',
      ],
    });
    expect(order).toMatchObject({
      name: 'S00001',
      partner_id: [customer, 'Müller Logistik GmbH'],
      partner_invoice_id: [customer, 'Müller Logistik GmbH'],
      partner_shipping_id: [delivery, 'Müller Logistik GmbH, Lager Hamburg'],
      state: 'draft',
      currency_id: [1, 'EUR'],
      amount_untaxed: 1265,
      amount_total: 1265,
      client_order_ref: 'PO-4711',
      write_uid: [6, 'EAI Integration'],
    });
    expect(order?.date_order).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const lines = await odoo.call<Row[]>('sale.order.line', 'search_read', [[['order_id', '=', orderId]]], {
      fields: [
        'product_id',
        'name',
        'product_uom_qty',
        'product_uom',
        'price_unit',
        'price_subtotal',
        'order_id',
      ],
    });
    expect(lines.map((l) => l.id)).toEqual(order?.order_line);
    expect(lines[0]).toMatchObject({
      product_id: [2, '[PK-SF500] Stretch Film 500 mm'],
      name: 'Stretch Film 500 mm',
      product_uom: [1, 'Units'],
      price_unit: 18.5,
      price_subtotal: 185,
      order_id: [orderId, 'S00001'],
    });
    expect(lines[1]).toMatchObject({ price_subtotal: 1080 });
  });

  it('writes, changes lines, confirms, refuses to delete a confirmed order, unlinks a draft', async () => {
    const customer = await partner('Rossi S.r.l.');
    const orderId = await odoo.call<number>('sale.order', 'create', [
      { partner_id: customer, order_line: [[0, 0, { product_id: 3 }]] },
    ]);
    const [line] = await odoo.call<number[]>('sale.order.line', 'search', [[['order_id', '=', orderId]]]);
    expect(
      await odoo.call('sale.order', 'write', [
        [orderId],
        {
          order_line: [
            [1, line, { product_uom_qty: 3 }],
            [0, 0, { product_id: 4, product_uom_qty: 2 }],
          ],
        },
      ]),
    ).toBe(true);
    const [after] = await odoo.call<Row[]>('sale.order', 'read', [[orderId], ['amount_total', 'order_line']]);
    expect(after).toMatchObject({ amount_total: 3 * 149 + 2 * 14.4 });
    expect(after?.order_line).toHaveLength(2);
    expect(await odoo.call('sale.order', 'action_confirm', [[orderId]])).toBe(true);
    expect((await odoo.call<Row[]>('sale.order', 'read', [[orderId], ['state']]))[0]?.state).toBe('sale');
    expect((await fault('sale.order', 'unlink', [[orderId]]))?.name).toBe('odoo.exceptions.UserError');
    expect((await fault('res.partner', 'unlink', [[customer]]))?.name).toBe(
      'odoo.exceptions.ValidationError',
    );

    const draft = await odoo.call<number>('sale.order', 'create', [
      { partner_id: customer, order_line: [[0, 0, { product_id: 1 }]] },
    ]);
    expect(await odoo.call('sale.order', 'unlink', [[draft]])).toBe(true);
    expect(await odoo.call<number>('sale.order.line', 'search_count', [[['order_id', '=', draft]]])).toBe(0);
    expect((await fault('sale.order', 'read', [[draft]]))?.name).toBe('odoo.exceptions.MissingError');
    const effects = (await (
      await fetch(`${odoo.sim.url}/sim/effects?entityType=sale.order&operation=unlink`)
    ).json()) as { count: number };
    expect(effects.count).toBe(1);
  });

  it('refuses bad values with Odoo faults and rolls the whole call back', async () => {
    const customer = await partner('Acme Ltd');
    expect((await fault('sale.order', 'create', [{ partner_id: customer, state: 'shipped' }]))?.message).toBe(
      "Wrong value for sale.order.state: 'shipped'",
    );
    expect((await fault('sale.order', 'create', [{ client_order_ref: 'x' }]))?.name).toBe(
      'odoo.exceptions.ValidationError',
    );
    expect((await fault('res.partner', 'create', [{ name: 'x', shoe_size: 44 }]))?.message).toBe(
      "Invalid field 'shoe_size' on model 'res.partner'",
    );
    expect((await fault('res.partner', 'create', [{ is_company: true }]))?.message).toBe(
      'Contacts require a name',
    );
    expect((await fault('res.partner', 'write', [[424242], { name: 'x' }]))?.name).toBe(
      'odoo.exceptions.MissingError',
    );
    expect(
      (await fault('sale.order', 'create', [{ partner_id: customer, date_order: '2024-13-01T10:00:00Z' }]))
        ?.name,
    ).toBe('builtins.ValueError');
    // The second line fails: neither the order nor the first line may remain.
    const bad = await fault('sale.order', 'create', [
      {
        partner_id: customer,
        order_line: [
          [0, 0, { product_id: 1 }],
          [0, 0, { product_id: 999 }],
        ],
      },
    ]);
    expect(bad?.name).toBe('odoo.exceptions.ValidationError');
    expect(await odoo.call<number>('sale.order', 'search_count', [[]])).toBe(0);
    expect(await odoo.call<number>('sale.order.line', 'search_count', [[]])).toBe(0);
  });

  it('a line written alone stamps the line only, unless the order’s totals change; a line edited on the order form stamps the order', async () => {
    const customer = await partner('Stempel GmbH');
    const orderId = await odoo.call<number>('sale.order', 'create', [
      { partner_id: customer, order_line: [[0, 0, { product_id: 1, product_uom_qty: 2 }]] },
    ]);
    const [lineId] = await odoo.call<number[]>('sale.order.line', 'search', [[['order_id', '=', orderId]]]);
    const stamps = async () => {
      const [order] = await odoo.call<Row[]>('sale.order', 'read', [[orderId]], {
        fields: ['write_date', 'write_uid'],
      });
      const [line] = await odoo.call<Row[]>('sale.order.line', 'read', [[lineId]], {
        fields: ['write_date'],
      });
      return {
        order: String(order!.write_date),
        by: (order!.write_uid as [number])[0],
        line: String(line!.write_date),
      };
    };
    // write_date has second precision: each change a second after the one before.
    const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));
    const version = (v: string) =>
      fetch(`${odoo.sim.url}/sim/version`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: v }),
      });
    const created = await stamps();

    // Over JSON-RPC, a new description: no total changes, the order keeps its stamp.
    await nextSecond();
    await odoo.call('sale.order.line', 'write', [[lineId], { name: 'Described again' }]);
    const described = await stamps();
    expect(described.order).toBe(created.order);
    expect(described.line > created.line).toBe(true);

    expect((await version('19.0')).status).toBe(200);
    let requantified: Awaited<ReturnType<typeof stamps>>;
    try {
      // Over JSON-2 alike.
      await nextSecond();
      const renamed = await odoo.json2('sale.order.line', 'write', {
        ids: [lineId],
        vals: { name: 'Third' },
      });
      expect(renamed.status).toBe(200);
      const third = await stamps();
      expect(third.order).toBe(created.order);
      expect(third.line > described.line).toBe(true);
      // A new quantity changes the order's stored totals: their recomputation stamps the order too.
      await nextSecond();
      await odoo.json2('sale.order.line', 'write', { ids: [lineId], vals: { product_uom_qty: 5 } });
      requantified = await stamps();
      expect(requantified.order > created.order).toBe(true);
      expect(requantified.order).toBe(requantified.line);
    } finally {
      await version('17.0');
    }

    // In the web client a line is edited on its order's form, whose save writes the order: both stamped, by the user.
    await nextSecond();
    const edit = await fetch(`${odoo.sim.url}/sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sale.order.line', id: lineId, values: { name: 'From the form' } }),
    });
    expect(await edit.json()).toEqual({ id: lineId });
    const edited = await stamps();
    expect(edited.order > requantified.order).toBe(true);
    expect(edited).toMatchObject({ by: 2, line: edited.order });
  });

  it('a record another transaction holds refuses writes with a serialization failure: a fault over JSON-RPC, a 500 over JSON-2', async () => {
    const id = await partner('Gesperrt AG');
    const lock = (times: number) =>
      fetch(`${odoo.sim.url}/sim/locks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'res.partner', id, times }),
      });
    expect((await lock(1)).status).toBe(201);
    expect(await fault('res.partner', 'write', [[id], { city: 'Köln' }])).toMatchObject({
      name: 'psycopg2.errors.SerializationFailure',
      message: 'could not serialize access due to concurrent update',
    });
    expect(await odoo.call('res.partner', 'write', [[id], { city: 'Köln' }])).toBe(true);
    await fetch(`${odoo.sim.url}/sim/version`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '19.0' }),
    });
    try {
      await lock(1);
      const refused = await odoo.json2('res.partner', 'write', { ids: [id], vals: { city: 'Bonn' } });
      expect(refused.status).toBe(500);
      expect(refused.body).toMatchObject({ name: 'psycopg2.errors.SerializationFailure' });
      expect((await odoo.json2('res.partner', 'write', { ids: [id], vals: { city: 'Bonn' } })).status).toBe(
        200,
      );
    } finally {
      await fetch(`${odoo.sim.url}/sim/version`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: '17.0' }),
      });
    }
  });

  it('creates several records from a list and tells UI edits apart by write_uid', async () => {
    const ids = await odoo.call<number[]>('res.partner', 'create', [[{ name: 'A' }, { name: 'B' }]]);
    expect(ids).toHaveLength(2);
    const edit = await fetch(`${odoo.sim.url}/sim/edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'res.partner', id: ids[0], values: { city: 'Lyon' } }),
    });
    expect(edit.status).toBe(200);
    const rows = await odoo.call<Row[]>(
      'res.partner',
      'search_read',
      [[['id', 'in', ids]], ['write_uid', 'city']],
      { order: 'id asc' },
    );
    expect(rows.map((r) => r.write_uid)).toEqual([
      [2, 'Mitchell Admin'],
      [6, 'EAI Integration'],
    ]);
    const products = await odoo.call<Row[]>('product.product', 'search_read', [
      [],
      ['default_code', 'list_price', 'uom_id'],
    ]);
    expect(products.length).toBeGreaterThanOrEqual(5);
    const currencies = await odoo.call<Row[]>('res.currency', 'search_read', [
      [['name', 'in', ['EUR', 'USD']]],
      ['name'],
    ]);
    expect(currencies.map((c) => c.name).sort()).toEqual(['EUR', 'USD']);
  });
});
