import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriable, quotedText } from '../../lib/errors.ts';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import type { SourceDocument } from '../sdk/index.ts';
import { createTestContext, customerRecords } from '../transports/test-support.ts';
import { createCountryStates } from './country-states.ts';
import {
  createOdooClient,
  type OdooApi,
  OdooApiKeyError,
  OdooFaultError,
  OdooNoJson2Error,
} from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { createOdooPollingSource, odooPollingSourceConfig } from './polling-source.ts';
import { fetchSaleOrders, isoDateTime } from './sale-orders.ts';
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
      const page = await fetchPartners(client, cursor, signal, 100, createCountryStates(client));
      const ada = page.items.find((item) => item.id === String(created));
      const [read] = JSON.parse(ada!.bytes.toString('utf8')) as Array<Record<string, unknown>>;
      expect(read).toMatchObject({ name: 'Ada', phone: '+44 20 1' });
      expect(read).not.toHaveProperty('mobile');
      await fetchPartners(client, cursor, signal, 100, createCountryStates(client));
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
      expect(await sink.put(record({ origin: { system: 'mdm' } }))).toEqual({
        skipped: 'res.partner already as the event says',
      });
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
      await fetchPartners(
        client,
        { updatedSince: '1970-01-01T00:00:00Z' },
        signal,
        10,
        createCountryStates(client),
      );
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
      `odoo-faults: Odoo /json/2/res.partner/read: Odoo werkzeug.exceptions.UnprocessableEntity: ${quotedText("got an unexpected keyword argument 'bogus'", Number.POSITIVE_INFINITY)}`,
    );
    expect(isRetriable(bad)).toBe(false);
    const missing = await failure(client.executeKw('res.nothing', 'search_count', [[]], {}, signal));
    expect(missing).toMatchObject({ status: 404, exception: 'werkzeug.exceptions.NotFound' });
    expect(isRetriable(missing)).toBe(false);

    // A 500 naming an exception a retry cannot heal (a ValueError: a field the database lacks) is final too.
    const invalid = await failure(
      client.executeKw('res.partner', 'search_read', [[]], { fields: ['mobile'] }, signal),
    );
    expect(invalid).toBeInstanceOf(OdooFaultError);
    expect(invalid).toMatchObject({ status: 500, exception: 'builtins.ValueError' });
    expect(invalid.message).toBe(
      `odoo-faults: Odoo /json/2/res.partner/search_read: Odoo builtins.ValueError: ${quotedText("Invalid field 'mobile' on model 'res.partner'", Number.POSITIVE_INFINITY)}`,
    );
    expect(isRetriable(invalid)).toBe(false);

    await faults(odoo, [{ kind: 'error', status: 503, path: '/json/2/**', times: 1 }]);
    const unavailable = await failure(client.executeKw('res.partner', 'search_count', [[]], {}, signal));
    expect(isRetriable(unavailable)).toBe(true);
    expect(unavailable.status).toBe(503);
    // The next call goes through.
    expect(await client.executeKw('res.partner', 'search_count', [[]], {}, signal)).toEqual(
      expect.any(Number),
    );
  });

  it('a 500 naming a concurrency failure (a record another transaction holds) is retried: by the client and by the sink, which then writes', async () => {
    const id = await odoo.call<number>('res.partner', 'create', [{ name: 'Locked', ref: 'G-locked' }]);
    const lock = (times: number) =>
      fetch(`${odoo.sim.url}/sim/locks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'res.partner', id, times }),
      });
    await lock(1);
    const client = createOdooClient(connection('json2'), createTestContext('odoo-locked').context);
    const busy = await failure(
      client.executeKw('res.partner', 'write', [[id], { city: 'Graz' }], {}, signal),
    );
    expect(isRetriable(busy)).toBe(true);
    expect(busy.status).toBe(500);
    expect(busy.message).toContain(
      'Odoo psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update',
    );

    await lock(1);
    const { context } = createTestContext('odoo-write-locked');
    context.toSystem = async () => [Buffer.from(JSON.stringify([{ ref: 'G-locked', name: 'Unlocked' }]))];
    const retried: unknown[] = [];
    context.attemptFailed = (error) => retried.push(error);
    const sink = createOdooWriteSink(
      odooWriteSinkConfig.parse({ ...connection('json2'), retry: { initialDelayMs: 10 } }),
      context,
    );
    await sink.put(customerRecords('odoo-locked')({ origin: { system: 'mdm' } }));
    const [written] = await odoo.call<Array<{ name: string }>>('res.partner', 'read', [[id]], {
      fields: ['name'],
    });
    expect(written!.name).toBe('Unlocked');
    expect(retried).toHaveLength(1);
  });

  it('the sink dead-letters a 500 ValueError (a value Odoo refuses) with Odoo’s message after one attempt', async () => {
    const { context } = createTestContext('odoo-write-bad');
    context.toSystem = async () => [
      Buffer.from(JSON.stringify([{ ref: 'G-bad-type', name: 'Bad Type', type: 'bogus' }])),
    ];
    const retried: unknown[] = [];
    context.attemptFailed = (error) => retried.push(error);
    const sink = createOdooWriteSink(odooWriteSinkConfig.parse(connection('json2')), context);
    const refused = await failure(sink.put(customerRecords('odoo-bad')({ origin: { system: 'mdm' } })));
    expect(refused).toBeInstanceOf(OdooFaultError);
    expect(isRetriable(refused)).toBe(false);
    expect(refused.message).toBe(
      `odoo-write-bad: Odoo /json/2/res.partner/create: Odoo builtins.ValueError: ${quotedText("Wrong value for res.partner.type: 'bogus'", Number.POSITIVE_INFINITY)}`,
    );
    // One attempt, not the put's retries.
    expect(retried).toEqual([]);
  });

  it('a line written alone reaches the source; a position from before the line poll resumes the lines at the order cursor; an order both polls read is published once', async () => {
    const partner = await odoo.call<number>('res.partner', 'create', [{ name: 'Line Buyer' }]);
    const order = await odoo.call<number>('sale.order', 'create', [
      { partner_id: partner, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] },
    ]);
    const [line] = await odoo.call<number[]>('sale.order.line', 'search', [[['order_id', '=', order]]]);
    const [read] = await odoo.call<Array<{ write_date: string }>>('sale.order', 'read', [
      [order],
      ['write_date'],
    ]);
    const stamped = read!.write_date;
    const source = createOdooPollingSource(
      odooPollingSourceConfig.parse({ ...connection('json2'), intervalMs: 50, overlapMs: 1000 }),
      createTestContext('odoo-lines').context,
    );
    // Committed before the line poll: the orders' cursor only.
    await source.start(new Map([['sale.order', { updatedSince: isoDateTime(stamped) }]]));
    const mine: SourceDocument[] = [];
    const pollUntil = async (done: () => boolean, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!done() && Date.now() < deadline)
        for (const document of await source.poll())
          if (document.name === `sale.order/${order}` && !document.positionOnly) {
            mine.push(document);
            await source.commit([document], { ok: true, published: 1, deadLettered: 0 });
          }
    };
    try {
      // Created with its line (stamped alike): the order poll's to publish, once.
      await pollUntil(() => mine.length >= 1);
      await pollUntil(() => false, 1000); // passes of both polls, 50 ms apart
      expect(mine).toHaveLength(1);
      // Another order, changed later than the overlap: the order poll's window leaves the first order behind.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await odoo.call('sale.order', 'create', [{ partner_id: partner }]);
      await pollUntil(() => false, 500);
      // The description of the line written alone: the order keeps its write_date, the line poll reads it again.
      await odoo.call('sale.order.line', 'write', [[line], { name: 'Written alone' }]);
      await pollUntil(() => mine.some((d) => d.bytes.includes('Written alone')));
      const alone = mine.find((d) => d.bytes.includes('Written alone'))!;
      expect(alone.position?.partition).toBe('sale.order.line');
      expect(alone.id).toMatch(
        new RegExp(`^sale\\.order:${order}@${new Date(isoDateTime(stamped)).toISOString()}#`),
      );
      expect(new Set(mine.map((d) => d.id)).size).toBe(mine.length);
      expect(mine).toHaveLength(2);
    } finally {
      await source.stop();
    }
  });
});
