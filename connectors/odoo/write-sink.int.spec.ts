import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, redriveDeadLetters } from '../../bus/index.ts';
import { quotedText } from '../../lib/errors.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { type OdooHarness, startOdoo, UID } from '../../simulators/odoo/test-support.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, sinkGroupId } from '../index.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

type Effect = {
  seq: number;
  path: string;
  entityType: string;
  entityId: string;
  operation: string;
  detail?: { method?: string; uid?: number };
};
type Partner = {
  id: number;
  ref: string;
  name: string;
  email: string | false;
  active: boolean;
  write_uid: [number, string];
};

// `api` left at auto: Odoo 19 is written over JSON-2, Odoo 17 (404 on /json/2) over JSON-RPC; `via` is the path the
// simulator saw the writes on.
describe.each([
  { version: '17.0', via: /^\/jsonrpc$/ },
  { version: '19.0', via: /^\/json\/2\/(res\.partner|sale\.order)\/\w+$/ },
])(
  'odoo-write-sink: canonical records on Kafka → the Odoo simulator ($version), on the real broker',
  ({ version, via }) => {
    const bus = testBus('/eai/tests/odoo-write-sink');
    let odoo: OdooHarness;
    let runtime: ConnectorRuntime;
    const sinks: string[] = [];

    const effects = async (entityType: string, ids: Set<string>) => {
      const answer = await fetch(`${odoo.sim.url}/sim/effects?entityType=${entityType}`);
      const { effects: all } = (await answer.json()) as { effects: Effect[] };
      return all.filter((e) => ids.has(e.entityId) && e.detail?.method !== undefined);
    };
    const partnersByRef = (refs: string[]) =>
      odoo.call<Partner[]>('res.partner', 'search_read', [[['ref', 'in', refs]]], {
        fields: ['ref', 'name', 'email', 'active', 'write_uid'],
        context: { active_test: false },
      });
    const customer = (customerId: string, name: string, extra: Record<string, unknown> = {}) => {
      const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
      return {
        ...base,
        changeType: 'CREATED',
        changedFields: [],
        origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
        customer: {
          ...base.customer,
          customerId,
          sourceIds: [],
          organizationName: name,
          emails: [{ address: `${customerId.toLowerCase()}@example.com`, use: 'work', primary: true }],
        },
        ...extra,
      };
    };
    const order = (sourceIds: Array<{ id: string; idType: string }>, status: string) => {
      const base = exampleJson('SalesOrderEvent') as { salesOrder: Record<string, unknown> };
      return {
        ...base,
        origin: { system: 'sap', documentId: null, changeOrigin: null, changedBy: null },
        salesOrder: {
          ...base.salesOrder,
          sourceIds: sourceIds.map((s) => ({ system: 'odoo', ...s })),
          status,
        },
      };
    };
    const startSink = async (topics: string[]) => {
      const name = unique('odoo-write');
      sinks.push(name);
      await runtime.put(
        {
          name,
          type: 'odoo-write-sink',
          topics,
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            retry: { retries: 3, initialDelayMs: 50, maxDelayMs: 300 },
          },
        },
        'test',
      );
      return name;
    };
    const settled = async (name: string, count: number) => {
      await waitFor(`${name} handled ${count} records`, async () => {
        const status = await runtime.status(name);
        const m = status?.metrics;
        // Not lagRecords: a redrive's transaction marker stays counted as lag (the sink commits the offset after its
        // last record, and the marker comes after that).
        return (m?.recordsOut ?? 0) + (m?.recordsSkipped ?? 0) + (m?.recordsFailed ?? 0) >= count;
      });
    };

    beforeAll(async () => {
      await bus.provisionTopics();
      odoo = await startOdoo();
      await odoo.setVersion(version);
      runtime = new ConnectorRuntime({
        bus,
        plugins: builtinPlugins,
        logger: silent,
        group: unique('connect-odoo-sink'),
        sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
      });
      await runtime.start();
    });
    afterAll(async () => {
      for (const name of sinks) await runtime?.remove(name).catch(() => undefined);
      await runtime?.stop();
      await odoo?.sim.close();
    });

    it('creates and updates partners by ref, confirms an order, skips its own echo, and a redelivered record writes nothing', async () => {
      const customers = unique('odoo-sink-customers');
      const orders = unique('odoo-sink-orders');
      await bus.provisionTopics([
        { topic: customers, partitions: 1 },
        { topic: orders, partitions: 1 },
      ]);
      const golden = [1, 2, 3].map((n) => `G-${unique('odoo')}-${n}`);
      const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Order customer' }]);
      const draft = await odoo.call<number>('sale.order', 'create', [
        { partner_id: partner, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] },
      ]);
      const publisher = await bus.publisher();
      await publisher.publish([
        ...golden.map((id, i) => ({
          schema: 'CustomerEvent',
          topic: customers,
          key: id,
          value: customer(id, `Firma ${i}`),
        })),
        // A later change of the first: only its email differs, so only the email is written.
        {
          schema: 'CustomerEvent',
          topic: customers,
          key: golden[0],
          value: customer(golden[0]!, 'Firma 0', { changeType: 'UPDATED' }),
        },
        {
          schema: 'CustomerEvent',
          topic: customers,
          key: golden[0],
          value: (() => {
            const v = customer(golden[0]!, 'Firma 0', { changeType: 'UPDATED' });
            v.customer.emails = [{ address: 'new@example.com', use: 'work', primary: true }];
            return v;
          })(),
        },
        // The hub's own write read back from Odoo (write_uid = the integration user): not written again.
        {
          schema: 'CustomerEvent',
          topic: customers,
          key: golden[1],
          value: customer(golden[1]!, 'Renamed by the echo', {
            origin: { system: 'odoo', documentId: '1', changeOrigin: null, changedBy: String(UID) },
          }),
        },
        {
          schema: 'SalesOrderEvent',
          topic: orders,
          key: 'o1',
          value: order([{ id: String(draft), idType: 'sale.order' }], 'CONFIRMED'),
        },
      ]);
      await publisher.close();

      const sink = await startSink([customers, orders]);
      await settled(sink, 7);
      const written = await partnersByRef(golden);
      expect(written.map((p) => [p.ref, p.name, p.email, p.write_uid[0]]).sort()).toEqual(
        [
          [golden[0], 'Firma 0', 'new@example.com', UID],
          [golden[1], 'Firma 1', `${golden[1]!.toLowerCase()}@example.com`, UID],
          [golden[2], 'Firma 2', `${golden[2]!.toLowerCase()}@example.com`, UID],
        ].sort(),
      );
      const ids = new Set(written.map((p) => String(p.id)));
      const sinkWrites = [
        ...(await effects('res.partner', ids)),
        ...(await effects('sale.order', new Set([String(draft)]))).filter((e) =>
          e.detail?.method?.startsWith('action_'),
        ),
      ];
      expect(sinkWrites.length).toBeGreaterThan(0);
      for (const effect of sinkWrites) expect(effect.path).toMatch(via);
      const applied = async () => [
        ...(await effects('res.partner', ids)).map((e) => `${e.entityId} ${e.operation}`),
        // The order's own create was the test's: the sink's writes to it are its buttons.
        ...(await effects('sale.order', new Set([String(draft)])))
          .filter((e) => e.detail?.method?.startsWith('action_'))
          .map((e) => `${e.entityId} ${e.detail?.method}`),
      ];
      const first = await applied();
      const byRef = new Map(written.map((p) => [p.ref, p.id]));
      expect(first.sort()).toEqual(
        [
          `${byRef.get(golden[0]!)} create`,
          `${byRef.get(golden[0]!)} write`,
          `${byRef.get(golden[1]!)} create`,
          `${byRef.get(golden[2]!)} create`,
          `${draft} action_confirm`,
        ].sort(),
      );
      const [state] = await odoo.call<Array<{ state: string }>>('sale.order', 'read', [[draft], ['state']]);
      expect(state!.state).toBe('sale');

      // A crash after the writes and before their offsets were committed: the last record of each partition (the sink
      // commits after every record, so at most that one) is delivered again. Odoo already holds it: nothing is written.
      await runtime.setTargetState(sink, 'STOPPED');
      await runtime.alterOffsets(sink, [
        { partition: { topic: customers, partition: 0 }, offset: { offset: 4 } },
        { partition: { topic: orders, partition: 0 }, offset: { offset: 0 } },
      ]);
      await runtime.setTargetState(sink, 'RUNNING');
      await settled(sink, 3);
      expect((await applied()).sort()).toEqual(first.sort());
    });

    it('dead-letters an order Odoo does not have with the reason, lets the rest flow, and applies it once when redriven after the order exists', async () => {
      const orders = unique('odoo-sink-orders');
      await bus.provisionTopics([{ topic: orders, partitions: 1 }]);
      const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Order customer' }]);
      const known = await odoo.call<number>('sale.order', 'create', [{ partner_id: partner }]);
      const missing = unique('SO').toUpperCase();
      const publisher = await bus.publisher();
      await publisher.publish([
        {
          schema: 'SalesOrderEvent',
          topic: orders,
          key: 'm',
          value: order([{ id: missing, idType: 'sale.order.name' }], 'CANCELLED'),
        },
        {
          schema: 'SalesOrderEvent',
          topic: orders,
          key: 'k',
          value: order([{ id: String(known), idType: 'sale.order' }], 'CANCELLED'),
        },
      ]);
      await publisher.close();
      const sink = await startSink([orders]);
      await settled(sink, 2);

      const { entries } = await listDeadLetters(bus.transport, {
        topic: 'dlq.sink',
        filter: { originalTopic: orders },
      });
      expect(entries).toHaveLength(1);
      const letter = entries[0]!;
      expect(letter.owner).toBe(sinkGroupId(sink, runtime.group));
      expect(letter.message).toContain(`no sale.order named "${missing}" in Odoo for CANCELLED`);
      const cancelled = async (id: number) =>
        (await odoo.call<Array<{ state: string }>>('sale.order', 'read', [[id], ['state']]))[0]!.state;
      expect(await cancelled(known)).toBe('cancel');

      // The fix: the order is entered in Odoo. Redriven, the letter keeps its CloudEvents id and is applied once.
      const created = await fetch(`${odoo.sim.url}/sim/edit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sale.order', values: { name: missing, partner_id: partner } }),
      });
      const { id: fixed } = (await created.json()) as { id: number };
      const result = await redriveDeadLetters(bus.transport, {
        topic: 'dlq.sink',
        selection: { filter: { originalTopic: orders } },
      });
      expect(result.redriven).toBe(1);
      await waitFor('the redriven order cancelled', async () => (await cancelled(fixed)) === 'cancel');
      await settled(sink, 3);
      const cancels = (await effects('sale.order', new Set([String(fixed)]))).filter(
        (e) => e.detail?.method === 'action_cancel',
      );
      expect(cancels).toHaveLength(1);
      // Back on its topic with its original CloudEvents id and where it was in the dead-letter topic.
      const onTopic = await readRawMessages(orders, 3);
      expect(onTopic[2]!.headers.ce_id).toBe(letter.ceId);
      expect(onTopic[2]!.headers['eai.redriven-from']).toBe(`dlq.sink/${letter.partition}/${letter.offset}`);
    });
    it('a golden record with BILLING and SHIPPING addresses only: a company without an address of its own holds the billing one itself, one with its own keeps it', async () => {
      const customers = unique('odoo-sink-billing');
      await bus.provisionTopics([{ topic: customers, partitions: 1 }]);
      const [fresh, bare, own] = ['new', 'bare', 'own'].map((n) => `G-${unique('odoo')}-${n}`);
      // As the sink left a company before: no street of its own, the billing address on its invoice child. And a
      // company whose street a person entered in Odoo.
      const bareId = await odoo.call<number>('res.partner', 'create', [
        { name: 'Firma bare', is_company: true, ref: bare },
      ]);
      await odoo.call('res.partner', 'create', [
        { parent_id: bareId, type: 'invoice', is_company: false, street: 'Postfach 1', city: 'Hamburg' },
      ]);
      await odoo.call('res.partner', 'create', [
        { name: 'Firma own', is_company: true, ref: own, street: 'Am Sandtorkai 1', city: 'Hamburg' },
      ]);
      const place = (use: string, street: string, postalCode: string) => ({
        use,
        lines: [street],
        city: 'Hamburg',
        region: null,
        postalCode,
        countryCode: 'DE',
      });
      const addresses = [
        place('BILLING', 'Postfach 11 22', '20001'),
        place('SHIPPING', 'Billwerder Ring 7', '22113'),
      ];
      const publisher = await bus.publisher();
      await publisher.publish(
        [fresh!, bare!, own!].map((id) => {
          const value = customer(id, `Firma ${id}`, { changeType: 'UPDATED' });
          (value.customer as Record<string, unknown>).addresses = addresses;
          return { schema: 'CustomerEvent', topic: customers, key: id, value };
        }),
      );
      await publisher.close();
      const sink = await startSink([customers]);
      await settled(sink, 3);

      const read = async (ref: string) => {
        const [partner] = await odoo.call<Array<{ id: number; street: string | false; zip: string | false }>>(
          'res.partner',
          'search_read',
          [[['ref', '=', ref]]],
          { fields: ['street', 'zip'] },
        );
        const children = await odoo.call<Array<{ type: string; street: string }>>(
          'res.partner',
          'search_read',
          [[['parent_id', '=', partner!.id]]],
          { fields: ['type', 'street'], order: 'id asc' },
        );
        return [partner!.street, partner!.zip, children.map((c) => [c.type, c.street])];
      };
      // Created: the billing address its own (Odoo's invoice address is the company then), no invoice child of the
      // same place, the shipping address a delivery child.
      expect(await read(fresh!)).toEqual(['Postfach 11 22', '20001', [['delivery', 'Billwerder Ring 7']]]);
      // Without a street of its own: it gets the billing address, and its invoice child (where Odoo sends invoices)
      // is written too.
      expect(await read(bare!)).toEqual([
        'Postfach 11 22',
        '20001',
        [
          ['invoice', 'Postfach 11 22'],
          ['delivery', 'Billwerder Ring 7'],
        ],
      ]);
      // With a street of its own: kept; the billing address goes to a new invoice child.
      expect(await read(own!)).toEqual([
        'Am Sandtorkai 1',
        false,
        [
          ['invoice', 'Postfach 11 22'],
          ['delivery', 'Billwerder Ring 7'],
        ],
      ]);
    });
    it('dead-letters what Odoo refuses as a UserError (a 422 over JSON-2) with Odoo’s message, and writes nothing', async () => {
      const orders = unique('odoo-sink-orders');
      await bus.provisionTopics([{ topic: orders, partitions: 1 }]);
      const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Order customer' }]);
      const confirmed = await odoo.call<number>('sale.order', 'create', [{ partner_id: partner }]);
      await odoo.call('sale.order', 'action_confirm', [[confirmed]]);
      const publisher = await bus.publisher();
      // Back to quotation: Odoo allows it from cancelled only, so action_draft on a confirmed order is a UserError.
      await publisher.publish([
        {
          schema: 'SalesOrderEvent',
          topic: orders,
          key: 'u',
          value: order([{ id: String(confirmed), idType: 'sale.order' }], 'OPEN'),
        },
      ]);
      await publisher.close();
      const sink = await startSink([orders]);
      await settled(sink, 1);
      const { entries } = await listDeadLetters(bus.transport, {
        topic: 'dlq.sink',
        filter: { originalTopic: orders },
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]!.message).toContain(
        `Odoo odoo.exceptions.UserError: ${quotedText('Only cancelled orders can be set back to quotation.', Number.POSITIVE_INFINITY)}`,
      );
      if (version === '19.0') expect(entries[0]!.message).toContain('/json/2/sale.order/action_draft');
      expect(entries[0]!.message).not.toContain('Traceback');
      const [state] = await odoo.call<Array<{ state: string }>>('sale.order', 'read', [
        [confirmed],
        ['state'],
      ]);
      expect(state!.state).toBe('sale');
    });
  },
);
