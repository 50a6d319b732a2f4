import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import { createOdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { createOdooWriteSink, odooWriteSinkConfig } from './write-sink.ts';

// Odoo saas-18.2 (every Odoo Online database since early 2025) and 19.0 have no res.partner.mobile: a connector
// that reads or writes it gets a ValueError on every page and every customer.

let odoo: OdooHarness;
beforeAll(async () => {
  odoo = await startOdoo();
  const set = await fetch(`${odoo.sim.url}/sim/version`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: '19.0' }),
  });
  expect(set.status).toBe(200);
});
afterAll(() => odoo.sim.close());

const connection = () => ({
  url: odoo.sim.url,
  db: 'odoo',
  username: 'eai',
  password: 'eai-api-key',
  timeoutMs: 5000,
});

const record = customerRecords('odoo-versions');

const warnings = (logs: Array<Record<string, unknown>>) =>
  logs.filter((line) => line.level === 40).map((line) => `${line.model}.${line.field}`);

describe('Odoo without res.partner.mobile (saas-18.2, 19.0)', () => {
  it('the polling source reads partners with the fields the database has, and says once what it cannot read', async () => {
    const created = await odoo.call<number>('res.partner', 'create', [{ name: 'Ada', phone: '+44 20 1' }]);
    const { context, logs } = createTestContext('odoo-poll');
    const client = createOdooClient(connection(), context);
    const signal = new AbortController().signal;
    const cursor = { updatedSince: '1970-01-01T00:00:00Z' };
    const page = await fetchPartners(client, cursor, signal, 100);
    const ada = page.items.find((item) => item.id === String(created));
    const [read] = JSON.parse(ada!.bytes.toString('utf8')) as Array<Record<string, unknown>>;
    expect(read).toMatchObject({ name: 'Ada', phone: '+44 20 1' });
    expect(read).not.toHaveProperty('mobile');
    await fetchPartners(client, cursor, signal, 100);
    expect(warnings(logs)).toEqual(['res.partner.mobile']);
  });

  it('the write sink writes the values the database has: a customer with a mobile number is created, not refused', async () => {
    const { context, logs } = createTestContext('odoo-write');
    const values = { ref: 'G-mobile-1', name: 'Jane Roe', phone: '+49 30 1', mobile: '+49 171 1' };
    context.toSystem = async () => [Buffer.from(JSON.stringify([values]))];
    const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection()), context);
    await sink.put(record({ origin: { system: 'mdm' } }));
    const [partner] = await odoo.call<Array<Record<string, unknown>>>(
      'res.partner',
      'search_read',
      [[['ref', '=', 'G-mobile-1']]],
      { fields: ['name', 'phone'] },
    );
    expect(partner).toMatchObject({ name: 'Jane Roe', phone: '+49 30 1' });
    // Delivered again: nothing differs, nothing written.
    expect(await sink.put(record({ origin: { system: 'mdm' } }))).toBe('skipped');
    expect(warnings(logs)).toEqual(['res.partner.mobile']);
  });

  it('the erasure anonymises a partner an order points to without the field the database lacks', async () => {
    const partner = await odoo.call<number>('res.partner', 'create', [
      { name: 'Erase Me', ref: 'G-erase-1', email: 'erase@example.com', phone: '+49 30 2' },
    ]);
    await odoo.call('sale.order', 'create', [{ partner_id: partner }]);
    const { context } = createTestContext('odoo-erase');
    const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection()), context);
    const command = erasureEvent(
      'er-1',
      'G-erase-1',
      { system: 'odoo', sourceId: String(partner), idType: 'res.partner' },
      new Date(),
    );
    await sink.put(record(command));
    const [erased] = await odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[partner]], {
      fields: ['name', 'email', 'phone', 'active'],
    });
    expect(erased).toMatchObject({ name: 'Erased customer', email: false, phone: false, active: false });
  });
});
