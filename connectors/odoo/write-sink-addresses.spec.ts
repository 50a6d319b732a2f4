import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMapping, writeWithMapping } from '../../mappings/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { type OdooHarness, startOdoo, UID } from '../../simulators/odoo/test-support.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import { createOdooWriteSink, odooWriteSinkConfig } from './write-sink.ts';

// Odoo keeps a company's own address on the partner and its invoice and delivery addresses on child partners: the
// sink writes the canonical REGISTERED address on the partner, BILLING onto its invoice child, SHIPPING onto its
// delivery child (written when there is one, created when not), and never deletes a child.

// biome-ignore lint/suspicious/noExplicitAny: records read back as plain JSON
type Json = Record<string, any>;

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
});
afterAll(() => odoo.sim.close());

const toOdoo = findMapping('odoo/res-partner.from-canonical.yaml');
const FIELDS = [
  'parent_id',
  'type',
  'is_company',
  'name',
  'street',
  'city',
  'zip',
  'state_id',
  'active',
  'write_uid',
];

const edit = async (body: Record<string, unknown>) => {
  const answer = await fetch(`${odoo.sim.url}/sim/edit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { id: number }).id;
};
const sinkOf = (api: 'jsonrpc' | 'json2' = 'jsonrpc', retries = 3) => {
  const { context, logs } = createTestContext('odoo-write');
  context.toSystem = (value) => writeWithMapping(toOdoo, [value]);
  const sink = createOdooWriteSink(
    odooWriteSinkConfig.parse({
      url: odoo.sim.url,
      db: 'odoo',
      username: 'eai',
      password: 'eai-api-key',
      timeoutMs: 5000,
      api,
      retry: { retries, initialDelayMs: 10, maxDelayMs: 20 },
    }),
    context,
  );
  return { sink, logs };
};
const address = (use: string, street: string, city: string, extra: Json = {}) => ({
  use,
  lines: [street],
  city,
  region: null,
  postalCode: '20457',
  countryCode: 'DE',
  ...extra,
});
const customer = (key: { odooId?: number; ref?: string }, addresses: Json[], extra: Json = {}): Json => {
  const base = exampleJson('CustomerEvent') as Json;
  return {
    ...base,
    changeType: 'UPDATED',
    changedFields: [],
    origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
    customer: {
      ...base.customer,
      customerId: key.ref ?? 'G-unused',
      sourceIds: key.odooId ? [{ system: 'odoo', id: String(key.odooId), idType: 'res.partner' }] : [],
      partyType: 'ORGANIZATION',
      organizationName: 'Nordwind Handel GmbH',
      emails: [],
      phones: [],
      taxId: null,
      addresses,
    },
    ...extra,
  };
};
const partners = (domain: unknown[]) =>
  odoo.call<Json[]>('res.partner', 'search_read', [domain], {
    fields: FIELDS,
    order: 'id asc',
    context: { active_test: false },
  });
const childrenOf = (parent: number) => partners([['parent_id', '=', parent]]);
const effectsSince = async (seq: number) => {
  const answer = await fetch(`${odoo.sim.url}/sim/effects?entityType=res.partner`);
  const { effects } = (await answer.json()) as { effects: Json[] };
  return effects.filter((effect) => effect.seq > seq);
};
const lastSeq = async () => {
  const all = await effectsSince(-1);
  return all.at(-1)?.seq ?? 0;
};

describe('odoo-write-sink: a customer’s addresses', () => {
  it.each(['jsonrpc', 'json2'] as const)(
    'REGISTERED stays on the company, BILLING updates its invoice child, SHIPPING creates a delivery child; nothing is deleted (%s)',
    async (api) => {
      if (api === 'json2')
        await fetch(`${odoo.sim.url}/sim/version`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ version: '19.0' }),
        });
      const company = await edit({
        model: 'res.partner',
        values: {
          name: 'Nordwind Handel GmbH',
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
          parent_id: company,
          type: 'invoice',
          street: 'Postfach 11 22',
          city: 'Hamburg',
          country_id: 57,
        },
      });
      const contact = await edit({
        model: 'res.partner',
        values: { parent_id: company, type: 'contact', name: 'Anna Schmidt', street: 'Am Sandtorkai 1' },
      });
      // An archived delivery address is no longer one: a new one is made beside it, the archived one left alone.
      const archived = await edit({
        model: 'res.partner',
        values: {
          parent_id: company,
          type: 'delivery',
          street: 'Altes Lager 1',
          city: 'Bremen',
          active: false,
        },
      });
      const { sink } = sinkOf(api);
      const record = customerRecords(`odoo-addresses-${api}`);
      const before = await lastSeq();
      const event = customer({ odooId: company }, [
        address('REGISTERED', 'Am Sandtorkai 1', 'Hamburg'),
        address('BILLING', 'Postfach 99 00', 'Hamburg', { postalCode: '20001', region: 'DE-HH' }),
        address('SHIPPING', 'Billwerder Ring 7', 'Hamburg', { postalCode: '22113' }),
      ]);
      expect(await sink.put(record(event))).toBeUndefined();

      const [own] = await partners([['id', '=', company]]);
      expect([own!.street, own!.city, own!.zip]).toEqual(['Am Sandtorkai 1', 'Hamburg', '20457']);
      const children = await childrenOf(company);
      const byId = new Map(children.map((child) => [child.id, child]));
      expect(byId.get(invoice)).toMatchObject({
        type: 'invoice',
        street: 'Postfach 99 00',
        zip: '20001',
        state_id: [expect.any(Number), 'Hamburg (DE)'],
        write_uid: [UID, expect.any(String)],
      });
      const made = children.filter((child) => ![invoice, contact, archived].includes(child.id));
      expect(made).toEqual([
        expect.objectContaining({
          parent_id: [company, 'Nordwind Handel GmbH'],
          type: 'delivery',
          is_company: false,
          name: false,
          street: 'Billwerder Ring 7',
          zip: '22113',
          active: true,
          write_uid: [UID, expect.any(String)],
        }),
      ]);
      expect(byId.get(contact)).toMatchObject({ type: 'contact', name: 'Anna Schmidt' });
      expect(byId.get(archived)).toMatchObject({ active: false, street: 'Altes Lager 1' });
      // The company itself is not written (its address is as the event says): the invoice child's write, the new
      // delivery child's create, nothing unlinked.
      expect((await effectsSince(before)).map((e) => [e.operation, Number(e.entityId)])).toEqual([
        ['write', invoice],
        ['create', made[0]!.id],
      ]);

      // Delivered again: nothing differs, nothing is sent.
      const again = await lastSeq();
      expect(await sink.put(record(event))).toEqual({ skipped: 'res.partner already as the event says' });
      expect(await effectsSince(again)).toEqual([]);

      // A partial event naming the shipping address's city writes that city onto the delivery child alone.
      const partial = customer(
        { odooId: company },
        [address('SHIPPING', 'Billwerder Ring 7', 'Hamburg-Billbrook', { postalCode: '22113' })],
        { changedFields: ['addresses[SHIPPING].city'] },
      );
      const third = await lastSeq();
      expect(await sink.put(record(partial))).toBeUndefined();
      expect((await effectsSince(third)).map((e) => [e.operation, Number(e.entityId)])).toEqual([
        ['write', made[0]!.id],
      ]);
      expect((await partners([['id', '=', made[0]!.id]]))[0]!.city).toBe('Hamburg-Billbrook');
      expect((await partners([['id', '=', company]]))[0]!.city).toBe('Hamburg');
    },
  );

  it('a new partner is created with its addresses in one create; an address of the same place as its own makes no child', async () => {
    await fetch(`${odoo.sim.url}/sim/version`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '17.0' }),
    });
    const { sink } = sinkOf();
    const record = customerRecords('odoo-addresses-new');
    const before = await lastSeq();
    expect(
      await sink.put(
        record(
          customer({ ref: 'G-addr-new' }, [
            // Its own address without the country: still the same place as the billing address, which has it.
            address('REGISTERED', 'Am Sandtorkai 1', 'Hamburg', { countryCode: null }),
            address('BILLING', 'Am Sandtorkai 1', 'Hamburg'),
            address('SHIPPING', 'Billwerder Ring 7', 'Hamburg', { postalCode: '22113' }),
          ]),
        ),
      ),
    ).toBeUndefined();
    const [created] = await partners([['ref', '=', 'G-addr-new']]);
    expect(created!.street).toBe('Am Sandtorkai 1');
    expect((await childrenOf(created!.id)).map((c) => [c.type, c.street, c.is_company])).toEqual([
      ['delivery', 'Billwerder Ring 7', false],
    ]);
    // One create call made both (the partner, then its child by the (0, 0, values) command).
    const effects = await effectsSince(before);
    expect(effects.map((e) => e.operation)).toEqual(['create', 'create']);
    expect(new Set(effects.map((e) => e.seq)).size).toBe(2);

    // A company known by its only address: that one is its own, whatever its use (no invoice child).
    expect(
      await sink.put(record(customer({ ref: 'G-addr-one' }, [address('BILLING', 'Hafenweg 2', 'Kiel')]))),
    ).toBeUndefined();
    const [one] = await partners([['ref', '=', 'G-addr-one']]);
    expect([one!.street, one!.city]).toEqual(['Hafenweg 2', 'Kiel']);
    expect(await childrenOf(one!.id)).toEqual([]);
  });

  it('a child write that fails fails the record, naming the write; redelivered, it writes what is still missing', async () => {
    const company = await edit({
      model: 'res.partner',
      values: {
        name: 'Locked Handel',
        is_company: true,
        street: 'Am Sandtorkai 1',
        city: 'Hamburg',
        country_id: 57,
      },
    });
    const invoice = await edit({
      model: 'res.partner',
      values: { parent_id: company, type: 'invoice', street: 'Postfach 1', city: 'Hamburg', country_id: 57 },
    });
    // Another transaction holds the invoice child past the sink's retries.
    await fetch(`${odoo.sim.url}/sim/locks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'res.partner', id: invoice, times: 2 }),
    });
    const { sink } = sinkOf('jsonrpc', 1);
    const record = customerRecords('odoo-addresses-locked');
    const event = customer({ odooId: company }, [
      address('REGISTERED', 'Am Sandtorkai 2', 'Hamburg'),
      address('BILLING', 'Postfach 2', 'Hamburg'),
    ]);
    await expect(sink.put(record(event))).rejects.toThrow(
      /res\.partner\.write.*could not serialize access due to concurrent update/,
    );
    // The company was written before the child failed; the child still holds its old street.
    expect((await partners([['id', '=', invoice]]))[0]!.street).toBe('Postfach 1');
    // The lock gone, the record delivered again (a redrive) writes the child alone.
    const before = await lastSeq();
    expect(await sink.put(record(event))).toBeUndefined();
    expect((await effectsSince(before)).map((e) => [e.operation, Number(e.entityId)])).toEqual([
      ['write', invoice],
    ]);
    expect((await partners([['id', '=', invoice]]))[0]!.street).toBe('Postfach 2');
    expect((await partners([['id', '=', company]]))[0]!.street).toBe('Am Sandtorkai 2');
  });
});
