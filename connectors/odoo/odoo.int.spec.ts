import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findMapping, writeWithMapping } from '../../mappings/index.ts';
import { stampedByHub } from '../../masterdata/sync/changes.ts';
import { syncSystemSchema } from '../../masterdata/sync/config.ts';
import { countryStateRef } from '../../simulators/odoo/country-states.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { type DecodedMessage, readDecoded } from '../../tests/decode-raw.ts';
import { topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import { createOdooWriteSink, odooWriteSinkConfig } from './write-sink.ts';

const BAVARIA = countryStateRef('DE', 'BY')!;

/** Reads wait longer than the default 20 s: the machine is shared and the first poll pass may be slow. */
const LONG_READ = 40_000;

const silent = pino({ level: process.env.TEST_LOG ?? 'silent' });

type CustomerEvent = {
  origin: { system: string; documentId: string; changedBy: string | null };
  customer: {
    customerId: string;
    organizationName: string | null;
    status: string;
    sourceIds: Array<{ id: string; idType: string | null }>;
    addresses: Array<{
      use: string | null;
      lines: string[];
      region: string | null;
      countryCode: string | null;
    }>;
  };
};

type OrderEvent = {
  origin: { system: string; documentId: string; changedBy: string | null };
  salesOrder: { orderNumber: string; purchaseOrderNumber: string | null; customer: { name: string } };
};

// `api` left at auto: Odoo 19 is read over JSON-2 (/jsonrpc is switched down while the source runs, so nothing is read
// there), Odoo 17 (404 on /json/2) over JSON-RPC.
describe.each(['17.0', '19.0'])(
  'odoo-polling-source against the Odoo simulator (%s), on the real broker',
  (version) => {
    const bus = testBus('/eai/tests/odoo-connectors');
    const group = unique('connect-odoo');
    let runtime: ConnectorRuntime;
    let odoo: OdooHarness;

    const newRuntime = async () => {
      const started = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger: silent, group });
      await started.start();
      return started;
    };
    const edit = (body: unknown) => odoo.edit(body);

    /** On 19.0, /jsonrpc answers 503 from now on (until afterEach): the source must read over /json/2. */
    const onlyJson2 = async () => {
      if (version !== '19.0') return;
      const answer = await fetch(`${odoo.sim.url}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ kind: 'error', status: 503, path: '/jsonrpc' }]),
      });
      expect(answer.status).toBe(201);
    };
    afterEach(async () => {
      await fetch(`${odoo.sim.url}/sim/faults`, { method: 'DELETE' });
    });

    beforeAll(async () => {
      await bus.provisionTopics();
      odoo = await startOdoo();
      await odoo.setVersion(version);
      process.env.EAI_TEST_ODOO_KEY = 'eai-api-key';
      runtime = await newRuntime();
    });
    const created: string[] = [];
    afterAll(async () => {
      // The connector configs topic is shared: leave no connector behind for other runs to start.
      for (const name of created) await runtime?.remove(name).catch(() => undefined);
      await runtime?.stop();
      await odoo?.sim.close();
    });

    it('emits each order version once, marks the integration user’s writes, and repeats nothing after a restart', async () => {
      // A customer no other run has: its name is in every event's bytes, which tells this run's events apart.
      const from = await topicEnds('canonical.sales-order'); // what earlier runs wrote is not read
      const customer = unique('Kunde');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(customer));
      const partner = await edit({ model: 'res.partner', values: { name: customer, is_company: true } });
      const line = (qty: number) => [0, 0, { product_id: 1, product_uom_qty: qty }];
      // Two orders entered in the UI (uid 2), one written by the hub's integration user (uid 6): an echo.
      const ui1 = await edit({
        model: 'sale.order',
        values: { partner_id: partner, client_order_ref: 'PO-A', order_line: [line(2)] },
      });
      await edit({
        model: 'sale.order',
        values: { partner_id: partner, client_order_ref: 'PO-B', order_line: [line(3)] },
      });
      await odoo.call('sale.order', 'create', [
        { partner_id: partner, client_order_ref: 'PO-C', order_line: [line(1)] },
      ]);

      const name = unique('odoo-orders');
      created.push(name);
      await onlyJson2();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: ['$', '{env:EAI_TEST_ODOO_KEY}'].join(''), // a secret reference the runtime resolves
            intervalMs: 300,
            overlapMs: 5000,
          },
        },
        'test',
      );
      const first = await readDecoded<Record<string, unknown>>('canonical.sales-order', 3, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const byRef = new Map(first.map((m) => [(m.decoded as OrderEvent).salesOrder.purchaseOrderNumber, m]));
      expect([...byRef.keys()].sort()).toEqual(['PO-A', 'PO-B', 'PO-C']);
      const changedBy = (ref: string) => (byRef.get(ref)!.decoded as OrderEvent).origin.changedBy;
      expect([changedBy('PO-A'), changedBy('PO-B'), changedBy('PO-C')]).toEqual(['2', '2', '6']);
      const a = byRef.get('PO-A')!;
      expect(a.key).toBe(`odoo:${(a.decoded as OrderEvent).salesOrder.orderNumber}`);
      expect(a.headers.ce_id).toMatch(new RegExp(`^sale\\.order:${ui1}@`));
      expect((a.decoded as OrderEvent).salesOrder.customer.name).toBe(customer);

      // Edited while the connector runs: a second event for the order, under a new id.
      await edit({ model: 'sale.order', id: ui1, values: { client_order_ref: 'PO-A2' } });
      const four = await readDecoded<Record<string, unknown>>('canonical.sales-order', 4, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const edited = four.find((m) => (m.decoded as OrderEvent).salesOrder.purchaseOrderNumber === 'PO-A2');
      expect(edited?.key).toBe(a.key);
      expect(edited?.headers.ce_id).not.toBe(a.headers.ce_id);

      // The runtime goes down and comes back: the overlap is read again, and nothing of it is sent twice.
      await runtime.stop();
      runtime = await newRuntime();
      await edit({ model: 'sale.order', id: ui1, values: { client_order_ref: 'PO-A3' } });
      const all: Array<DecodedMessage<Record<string, unknown>>> = await readDecoded<Record<string, unknown>>(
        'canonical.sales-order',
        5,
        { wanted: mine, timeoutMs: LONG_READ, from },
      );
      expect(all.map((m) => (m.decoded as OrderEvent).salesOrder.purchaseOrderNumber)).toContain('PO-A3');
      expect(new Set(all.map((m) => m.headers.ce_id)).size).toBe(5);
      await waitFor(
        'a few passes after the restart',
        async () => ((await runtime.status(name))?.metrics.recordsOut ?? 0) >= 1,
      );
      // Several passes later (300 ms apart, each re-reading the 5 s overlap) the restarted runtime has still published
      // the one new version only. (Counted by the runtime rather than by reading for a sixth message: the shared
      // topic holds 10⁵ records, which a reader does not get through in a few seconds on a busy machine.)
      await new Promise((r) => setTimeout(r, 1500));
      expect((await runtime.status(name))?.metrics.recordsOut).toBe(1);
    });

    it('an order line written alone (its order not stamped) reaches the hub as a new version of the order', async () => {
      const from = await topicEnds('canonical.sales-order');
      const customer = unique('Zeilen');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(customer));
      const partner = await edit({ model: 'res.partner', values: { name: customer, is_company: true } });
      const order = await edit({
        model: 'sale.order',
        values: { partner_id: partner, client_order_ref: 'PO-L', order_line: [[0, 0, { product_id: 1 }]] },
      });
      const [line] = await odoo.call<number[]>('sale.order.line', 'search', [[['order_id', '=', order]]]);
      const name = unique('odoo-lines');
      created.push(name);
      await onlyJson2();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            intervalMs: 300,
            overlapMs: 1000,
          },
        },
        'test',
      );
      const [first] = await readDecoded<OrderEvent>('canonical.sales-order', 1, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      // Later than the overlap, another order: the order poll's window leaves this one behind.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await edit({ model: 'sale.order', values: { partner_id: partner, client_order_ref: 'PO-M' } });
      await new Promise((resolve) => setTimeout(resolve, 700));
      // Through the API, the line's description alone: Odoo stamps the line, not the order.
      if (version === '19.0')
        expect(
          (await odoo.json2('sale.order.line', 'write', { ids: [line], vals: { name: `${customer} alone` } }))
            .status,
        ).toBe(200);
      else await odoo.call('sale.order.line', 'write', [[line], { name: `${customer} alone` }]);
      // (The connectors of the other tests poll this simulator too: only this version is looked for.)
      const [alone] = await readDecoded<OrderEvent>('canonical.sales-order', 1, {
        wanted: (m) => m.value.includes(Buffer.from(`${customer} alone`)),
        timeoutMs: LONG_READ,
        from,
      });
      expect(alone!.key).toBe(first!.key);
      // The order's version: its id and unchanged write_date, another digest.
      const stamp = /@([^#]+)#/.exec(String(first!.headers.ce_id))?.[1];
      expect(alone!.headers.ce_id).toMatch(new RegExp(`^sale\\.order:${order}@${stamp}#`));
      expect(alone!.headers.ce_id).not.toBe(first!.headers.ce_id);
    });

    it('polls res.partner beside sale.order: one CustomerEvent per partner version, archived ones included, the integration user’s writes marked', async () => {
      const from = await topicEnds('canonical.customer');
      const company = unique('Firma');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(company));
      // A person edits one partner in the UI (uid 2); the hub's integration user (uid 6) creates the other.
      const byUi = await edit({
        model: 'res.partner',
        values: { name: `${company} UI`, is_company: true, country_id: 57, state_id: BAVARIA[0] },
      });
      const [byHub] = await odoo.call<number[]>('res.partner', 'create', [
        [{ name: `${company} Hub`, is_company: true, ref: `GOLD-${company}` }],
      ]);
      const name = unique('odoo-partners');
      created.push(name);
      await onlyJson2();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            intervalMs: 300,
            overlapMs: 5000,
            models: ['sale.order', 'res.partner'],
          },
        },
        'test',
      );
      const two = await readDecoded<CustomerEvent>('canonical.customer', 2, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const byId = new Map(two.map((m) => [m.decoded.origin.documentId, m]));
      const ui = byId.get(String(byUi))!;
      const hub = byId.get(String(byHub))!;
      expect(ui.key).toBe(`odoo:${byUi}`);
      expect(ui.headers.ce_id).toMatch(new RegExp(`^res\\.partner:${byUi}@`));
      expect([ui.decoded.origin.changedBy, hub.decoded.origin.changedBy]).toEqual(['2', '6']);
      // The state as ISO 3166-2, its code read from res.country.state (search_read names it "Bavaria (DE)").
      expect(ui.decoded.customer.addresses.map((a) => [a.region, a.countryCode])).toEqual([['DE-BY', 'DE']]);
      expect(hub.decoded.customer.sourceIds).toContainEqual({
        system: 'odoo',
        id: `GOLD-${company}`,
        idType: 'ref',
      });

      // Archived in the UI: a new version, read although archived records are hidden from a plain search.
      await edit({ model: 'res.partner', id: byUi, values: { active: false } });
      const three = await readDecoded<CustomerEvent>('canonical.customer', 3, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const archived = three.find(
        (m) => m.decoded.origin.documentId === String(byUi) && m.decoded.customer.status === 'INACTIVE',
      );
      expect(archived?.key).toBe(`odoo:${byUi}`);
      expect(new Set(three.map((m) => m.headers.ce_id)).size).toBe(3);

      // A delivery address added in the UI: a child partner, stamped alone. The company's next version carries it as
      // its SHIPPING address; the child is no customer of its own.
      const delivery = await edit({
        model: 'res.partner',
        values: {
          parent_id: byUi,
          type: 'delivery',
          street: 'Billwerder Ring 7',
          city: 'Hamburg',
          country_id: 57,
        },
      });
      const four = await readDecoded<CustomerEvent>('canonical.customer', 4, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const shipped = four.find((m) => m.decoded.customer.addresses.some((a) => a.use === 'SHIPPING'));
      expect(shipped?.key).toBe(`odoo:${byUi}`);
      expect(shipped?.decoded.origin.changedBy).toBe('2');
      expect(four.map((m) => m.key)).not.toContain(`odoo:${delivery}`);
    });

    it('the sink’s writes of a company’s invoice and delivery addresses come back as the company’s next version, stamped as the hub’s echo', async () => {
      const from = await topicEnds('canonical.customer');
      const company = unique('Reederei');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(company));
      const holding = (text: string) => (m: { value: Buffer }) =>
        mine(m) && m.value.includes(Buffer.from(text));
      const byUi = await edit({
        model: 'res.partner',
        values: {
          name: company,
          is_company: true,
          street: 'Am Sandtorkai 1',
          city: 'Hamburg',
          zip: '20457',
          country_id: 57,
        },
      });
      const invoice = await edit({
        model: 'res.partner',
        values: {
          parent_id: byUi,
          type: 'invoice',
          street: 'Postfach 11 22',
          city: 'Hamburg',
          country_id: 57,
        },
      });
      const name = unique('odoo-echo');
      created.push(name);
      await onlyJson2();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            intervalMs: 300,
            overlapMs: 5000,
            models: ['res.partner'],
          },
        },
        'test',
      );
      const [first] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      expect(first!.decoded.customer.addresses.map((a) => a.use)).toEqual(['REGISTERED', 'BILLING']);

      // The golden record's billing address changed elsewhere (a Salesforce edit), and it has a shipping address: the
      // sink writes the invoice child and creates a delivery child, the company's own street untouched.
      const { context } = createTestContext('odoo-write');
      context.toSystem = (value) =>
        writeWithMapping(findMapping('odoo/res-partner.from-canonical.yaml'), [value]);
      const sink = createOdooWriteSink(
        odooWriteSinkConfig.parse({
          url: odoo.sim.url,
          db: 'odoo',
          username: 'eai',
          password: 'eai-api-key',
        }),
        context,
      );
      const record = customerRecords('odoo-echo');
      const golden = {
        ...first!.decoded,
        origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
        customer: {
          ...first!.decoded.customer,
          addresses: [
            first!.decoded.customer.addresses[0],
            {
              use: 'BILLING',
              lines: ['Postfach 99 00'],
              city: 'Hamburg',
              region: null,
              postalCode: '20001',
              countryCode: 'DE',
            },
            {
              use: 'SHIPPING',
              lines: ['Billwerder Ring 7'],
              city: 'Hamburg',
              region: null,
              postalCode: '22113',
              countryCode: 'DE',
            },
          ],
        },
      };
      expect(await sink.put(record(golden))).toBeUndefined();
      // Read over JSON-2 on 19.0 (/jsonrpc is switched down there).
      const [own] = (
        version === '19.0'
          ? (await odoo.json2('res.partner', 'read', { ids: [byUi], fields: ['street', 'write_uid'] })).body
          : await odoo.call('res.partner', 'read', [[byUi], ['street', 'write_uid']])
      ) as Array<{ street: string; write_uid: [number, string] }>;
      expect([own!.street, own!.write_uid[0]]).toEqual(['Am Sandtorkai 1', 2]);

      // The children's writes (stamped alone, by the integration user) are the company's next version: the hub's echo.
      // (Read in one poll or two: a version with the new billing address alone is the hub's echo too.)
      const [written] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
        wanted: holding('Billwerder Ring 7'),
        timeoutMs: LONG_READ,
        from,
      });
      const echo = written!.decoded;
      expect(written!.key).toBe(`odoo:${byUi}`);
      expect(echo.customer.addresses.map((a) => [a.use, a.lines[0]])).toEqual([
        ['REGISTERED', 'Am Sandtorkai 1'],
        ['BILLING', 'Postfach 99 00'],
        ['SHIPPING', 'Billwerder Ring 7'],
      ]);
      expect(echo.origin).toMatchObject({ documentId: String(byUi), changedBy: '6' });
      const odooSync = syncSystemSchema.parse({ push: true, hubChangedBy: ['6'] });
      expect(stampedByHub(echo as never, odooSync)).toBe(true);
      expect(await sink.put(record(echo))).toEqual({ skipped: 'echo of the integration user’s own write' });

      // A person then edits the invoice address in the UI (a second later: write_date has whole seconds, and the
      // latest write of the company and its addresses is who wrote the version): the company's next version is theirs.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await edit({ model: 'res.partner', id: invoice, values: { street: 'Postfach 77' } });
      const [byPerson] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
        wanted: holding('Postfach 77'),
        timeoutMs: LONG_READ,
        from,
      });
      expect(byPerson!.decoded.origin.changedBy).toBe('2');
      expect(stampedByHub(byPerson!.decoded as never, odooSync)).toBe(false);
    });

    it('a company’s address unlinked (no row, its company not stamped) gives the company’s next version without it, also after a restart', async () => {
      // The sources of the tests before read every partner too: this one alone publishes here.
      for (const earlier of created.splice(0)) await runtime.remove(earlier);
      const from = await topicEnds('canonical.customer');
      const company = unique('Kontor');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(company));
      const byUi = await edit({
        model: 'res.partner',
        values: { name: company, is_company: true, street: 'Kehrwieder 2', city: 'Hamburg', country_id: 57 },
      });
      const child = (street: string) =>
        edit({
          model: 'res.partner',
          values: { parent_id: byUi, type: 'delivery', street, city: 'Hamburg' },
        });
      const north = await child('Nordkai 1');
      const south = await child('Südkai 9');
      const unlink = async (id: number) => {
        if (version === '19.0')
          expect((await odoo.json2('res.partner', 'unlink', { ids: [id] })).status).toBe(200);
        else await odoo.call('res.partner', 'unlink', [[id]]);
      };
      const shipping = (m: DecodedMessage<CustomerEvent>) =>
        m.decoded.customer.addresses.filter((a) => a.use === 'SHIPPING').map((a) => a.lines[0]);
      const name = unique('odoo-unlink');
      created.push(name);
      await onlyJson2();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            intervalMs: 300,
            overlapMs: 1000,
            models: ['res.partner'],
          },
        },
        'test',
      );
      const [first] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      expect(shipping(first!)).toEqual(['Nordkai 1', 'Südkai 9']);

      await unlink(north);
      const two = await readDecoded<CustomerEvent>('canonical.customer', 2, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      expect(two.map((m) => m.key)).toEqual([`odoo:${byUi}`, `odoo:${byUi}`]);
      expect(shipping(two[1]!)).toEqual(['Südkai 9']);

      // Another partner changed 2 s later moves the cursor past the company's rows and the overlap (1 s).
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await edit({ model: 'res.partner', values: { name: `${company} Nachbar`, is_company: true } });
      await readDecoded<CustomerEvent>('canonical.customer', 3, { wanted: mine, timeoutMs: LONG_READ, from });
      // The other one unlinked while the hub is stopped: restarted, the source still knows the company had it (the
      // addresses ride in the committed position), and finds it gone; a pass reads none of the company's rows.
      await runtime.stop();
      await unlink(south);
      runtime = await newRuntime();
      const four = await readDecoded<CustomerEvent>('canonical.customer', 4, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      // The company's versions in order (one key, one partition; the neighbour's may be on another).
      const versions = four.filter((m) => m.key === `odoo:${byUi}`);
      expect(versions.map(shipping)).toEqual([['Nordkai 1', 'Südkai 9'], ['Südkai 9'], []]);
      // Each version once: nothing published again after the restart.
      expect(new Set(four.map((m) => m.headers.ce_id)).size).toBe(4);
    });
  },
);
