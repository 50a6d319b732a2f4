import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriable } from '../../lib/errors.ts';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import {
  createOdooClient,
  type OdooApi,
  OdooApiKeyError,
  OdooFaultError,
  OdooNoJson2Error,
} from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { fetchSaleOrders } from './sale-orders.ts';
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

const connection = (api: OdooApi = 'auto', sim = odoo) => ({
  url: sim.sim.url,
  db: 'odoo',
  username: 'eai',
  password: 'eai-api-key',
  timeoutMs: 5000,
  api,
});
const signal = new AbortController().signal;
/** The error a call fails with (a call that succeeds fails the test). */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error & { status?: number },
  );

const warnings = (logs: Array<Record<string, unknown>>) =>
  logs.filter((line) => line.level === 40).map((line) => `${line.model}.${line.field}`);

// Over JSON-2 (what `auto` picks on 19.0) and over JSON-RPC (what an explicit `api: jsonrpc` keeps).
describe.each(['json2', 'jsonrpc'] as const)(
  'Odoo without res.partner.mobile (saas-18.2, 19.0), over %s',
  (api) => {
    it('the polling source reads partners with the fields the database has, and says once what it cannot read', async () => {
      const created = await odoo.call<number>('res.partner', 'create', [{ name: 'Ada', phone: '+44 20 1' }]);
      const { context, logs } = createTestContext('odoo-poll');
      const client = createOdooClient(connection(api), context);
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
      const record = customerRecords(`odoo-versions-${api}`);
      const values = { ref: `G-mobile-${api}`, name: 'Jane Roe', phone: '+49 30 1', mobile: '+49 171 1' };
      context.toSystem = async () => [Buffer.from(JSON.stringify([values]))];
      const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection(api)), context);
      await sink.put(record({ origin: { system: 'mdm' } }));
      const [partner] = await odoo.call<Array<Record<string, unknown>>>(
        'res.partner',
        'search_read',
        [[['ref', '=', `G-mobile-${api}`]]],
        { fields: ['name', 'phone'] },
      );
      expect(partner).toMatchObject({ name: 'Jane Roe', phone: '+49 30 1' });
      // Delivered again: nothing differs, nothing written.
      expect(await sink.put(record({ origin: { system: 'mdm' } }))).toBe('skipped');
      expect(warnings(logs)).toEqual(['res.partner.mobile']);
    });

    it('the erasure anonymises a partner an order points to without the field the database lacks', async () => {
      const partner = await odoo.call<number>('res.partner', 'create', [
        { name: 'Erase Me', ref: `G-erase-${api}`, email: 'erase@example.com', phone: '+49 30 2' },
      ]);
      await odoo.call('sale.order', 'create', [{ partner_id: partner }]);
      const { context } = createTestContext('odoo-erase');
      const record = customerRecords(`odoo-erase-${api}`);
      const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection(api)), context);
      const command = erasureEvent(
        `er-${api}`,
        `G-erase-${api}`,
        { system: 'odoo', sourceId: String(partner), idType: 'res.partner' },
        new Date(),
      );
      await sink.put(record(command));
      const [erased] = await odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[partner]], {
        fields: ['name', 'email', 'phone', 'active'],
      });
      expect(erased).toMatchObject({ name: 'Erased customer', email: false, phone: false, active: false });
    });
  },
);

describe('which External API: JSON-2 on Odoo 19, JSON-RPC before', () => {
  let odoo17: OdooHarness;
  beforeAll(async () => {
    odoo17 = await startOdoo();
  });
  afterAll(() => odoo17.sim.close());
  const faults = (sim: OdooHarness, list: unknown[]) =>
    fetch(`${sim.sim.url}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(list),
    });
  const heal = (sim: OdooHarness) => fetch(`${sim.sim.url}/sim/faults`, { method: 'DELETE' });
  const infos = (logs: Array<Record<string, unknown>>) =>
    logs.filter((line) => line.level === 30).map((line) => ({ api: line.api, msg: line.msg }));

  it('auto picks JSON-2 on 19.0, says so once, and reads orders with their lines without /jsonrpc', async () => {
    const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Json Buyer' }]);
    const order = await odoo.call<number>('sale.order', 'create', [
      { partner_id: partner, order_line: [[0, 0, { product_id: 1, product_uom_qty: 2 }]] },
    ]);
    // /jsonrpc down for good: whatever the client reads, it reads over /json/2.
    expect((await faults(odoo, [{ kind: 'error', status: 503, path: '/jsonrpc' }])).status).toBe(201);
    expect((await odoo.rpc('common', 'version', [])).status).toBe(503);
    try {
      const { context, logs } = createTestContext('odoo-auto-19');
      const client = createOdooClient(connection('auto'), context);
      expect(await client.api(signal)).toBe('json2');
      expect(await client.uid(signal)).toBe(6);
      const page = await fetchSaleOrders(client, { updatedSince: '1970-01-01T00:00:00Z' }, signal, 500);
      const [read] = JSON.parse(
        page.items.find((item) => item.id === String(order))!.bytes.toString('utf8'),
      ) as Array<{ partner_id: unknown; write_uid: unknown; order_line: Array<Record<string, unknown>> }>;
      expect(read!.partner_id).toEqual([partner, 'Json Buyer']);
      expect(read!.write_uid).toEqual([6, 'EAI Integration']);
      expect(read!.order_line).toEqual([
        expect.objectContaining({ product_uom_qty: 2, product_id: [1, expect.any(String)] }),
      ]);
      await fetchPartners(client, { updatedSince: '1970-01-01T00:00:00Z' }, signal, 10);
      expect(infos(logs)).toEqual([
        { api: 'json2', msg: 'odoo: authenticated by API key over the External JSON-2 API (/json/2)' },
      ]);
      // The key is never logged.
      expect(JSON.stringify(logs)).not.toContain('eai-api-key');
    } finally {
      await heal(odoo);
    }
  });

  it('auto falls back to JSON-RPC on 17.0 (404 on /json/2) and remembers it; json2 alone says why it cannot', async () => {
    const { context, logs } = createTestContext('odoo-auto-17');
    const client = createOdooClient(connection('auto', odoo17), context);
    expect(await client.api(signal)).toBe('jsonrpc');
    const fields = await client.fieldsOf('res.partner', signal);
    expect(fields.has('mobile')).toBe(true);
    client.forget(); // logs in again, over JSON-RPC straight away
    expect(await client.uid(signal)).toBe(6);
    expect(infos(logs)).toEqual([
      { api: 'jsonrpc', msg: 'odoo: authenticated over /jsonrpc (the server has no /json/2: Odoo ≤ 18)' },
      { api: 'jsonrpc', msg: 'odoo: authenticated over /jsonrpc (the server has no /json/2: Odoo ≤ 18)' },
    ]);

    const only = createOdooClient(connection('json2', odoo17), createTestContext('odoo-json2-17').context);
    const refused = await failure(only.executeKw('res.partner', 'search_count', [[]], {}, signal));
    expect(refused).toBeInstanceOf(OdooNoJson2Error);
    expect(isRetriable(refused)).toBe(false);
    expect(refused.message).toContain('the server has no /json/2');
  });

  it('a wrong API key is one non-retriable line telling to check it, without the key', async () => {
    for (const api of ['auto', 'json2'] as const) {
      const { context } = createTestContext('odoo-key');
      const client = createOdooClient({ ...connection(api), password: 'not-the-key' }, context);
      const error = await failure(client.executeKw('res.partner', 'search_count', [[]], {}, signal));
      expect(error).toBeInstanceOf(OdooApiKeyError);
      expect(isRetriable(error)).toBe(false);
      expect(error.message).toBe(
        'odoo-key: Odoo /json/2/res.users/context_get: Odoo refused the API key of "eai" (HTTP 401 Invalid apikey): check config.password, which must be a valid API key of that user (Preferences → Account Security → New API Key); JSON-2 takes no passwords (config.api: jsonrpc still takes one, until Odoo 22)',
      );
      expect(error.message).not.toContain('not-the-key');
    }
  });

  it('auto on 19.0 with a password (a deployment made for Odoo 17) still logs in, over /jsonrpc, and warns to make an API key', async () => {
    const added = await fetch(`${odoo.sim.url}/sim/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'legacy', password: 'legacy-pw', name: 'Legacy', apiKey: 'legacy-key' }),
    });
    const { uid } = (await added.json()) as { uid: number };
    const { context, logs } = createTestContext('odoo-password-19');
    const client = createOdooClient(
      { ...connection('auto'), username: 'legacy', password: 'legacy-pw' },
      context,
    );
    expect(await client.api(signal)).toBe('jsonrpc');
    expect(await client.uid(signal)).toBe(uid);
    expect(logs.filter((line) => line.level === 40).map((line) => line.msg)).toEqual([
      'odoo: the server has the JSON-2 API (/json/2) but refused config.password as an API key; authenticated by password over /jsonrpc, which Odoo deprecated in 19.0 and removes in Odoo 22: give the user an API key (Preferences → Account Security → New API Key) as config.password',
    ]);
    expect(JSON.stringify(logs)).not.toContain('legacy-pw');
    // Neither a key nor a password: the key's refusal is the error.
    const wrong = createOdooClient(
      { ...connection('auto'), username: 'legacy', password: 'neither' },
      createTestContext('odoo-neither').context,
    );
    const error = await failure(wrong.uid(signal));
    expect(error).toBeInstanceOf(OdooApiKeyError);
    expect(isRetriable(error)).toBe(false);
  });

  it('422 (bad arguments, UserError) and 404 (unknown model) are non-retriable with Odoo’s message; 5xx is retried', async () => {
    const client = createOdooClient(connection('json2'), createTestContext('odoo-faults').context);
    const bad = await failure(client.executeKw('res.partner', 'read', [[1]], { bogus: true }, signal));
    expect(bad).toBeInstanceOf(OdooFaultError);
    expect(bad).toMatchObject({ status: 422, exception: 'werkzeug.exceptions.UnprocessableEntity' });
    expect(bad.message).toBe(
      "odoo-faults: Odoo /json/2/res.partner/read: Odoo werkzeug.exceptions.UnprocessableEntity: got an unexpected keyword argument 'bogus'",
    );
    expect(isRetriable(bad)).toBe(false);
    const missing = await failure(client.executeKw('res.nothing', 'search_count', [[]], {}, signal));
    expect(missing).toMatchObject({ status: 404, exception: 'werkzeug.exceptions.NotFound' });
    expect(isRetriable(missing)).toBe(false);

    await faults(odoo, [{ kind: 'error', status: 503, path: '/json/2/**', times: 1 }]);
    const unavailable = await failure(client.executeKw('res.partner', 'search_count', [[]], {}, signal));
    expect(isRetriable(unavailable)).toBe(true);
    expect(unavailable.status).toBe(503);
    // The next call goes through.
    expect(await client.executeKw('res.partner', 'search_count', [[]], {}, signal)).toEqual(
      expect.any(Number),
    );
  });
});
