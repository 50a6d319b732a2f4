// A GAP_OVERFLOW answered by a read of its entity, against the Salesforce simulator on the real broker: after a bulk
// change of 450 of the org's 600 Accounts in one transaction, each changed record is published once as an UPDATED
// CustomerEvent with its values and the unchanged ones not, each record it deleted once as DELETED (queryAll); the event's request is answered before the read ends; a
// page that fails mid-read (its retries spent) is read again later, and a restart mid-read resumes after the last
// committed page, without loss.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { decodeRaw } from '../../tests/decode-raw.ts';
import type { RawMessage } from '../../tests/raw-consumer.ts';
import { readToEnd, tally } from '../../tests/read-to-end.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const SOBJECT_TYPE = 'salesforce-sobject.eai.canonical.CustomerEvent';
const CDC_TYPE = 'salesforce-cdc.eai.canonical.CustomerEvent';

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  customer: {
    customerId: string;
    industry?: string | null;
    addresses: Array<{ use: string; city: string | null }>;
  };
}

type Usage = { total: number; byRoute: Record<string, number> };

/** 600 Accounts last changed a year ago, as the org held them before the bulk change. */
function seedFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eai-sf-overflow-'));
  const lines = Array.from({ length: 600 }, (_, i) => ({
    type: 'Account',
    Name: `Overflow Account ${i}`,
    BillingCity: 'Lyon',
    LastModifiedDate: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
  }));
  const file = join(dir, 'seed.jsonl');
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
  return file;
}

async function idsOf(sf: SalesforceHarness): Promise<string[]> {
  const ids: string[] = [];
  let path: string | undefined = `${API}/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Id')}`;
  while (path) {
    const page: { body: { records: Array<{ Id: string }>; nextRecordsUrl?: string } } = await sf.json(
      'GET',
      path,
    );
    ids.push(...page.body.records.map((r) => r.Id));
    path = page.body.nextRecordsUrl;
  }
  return ids;
}

const ofType = (type: string) => (m: RawMessage) => m.headers.ce_type === type;

describe('Salesforce GAP_OVERFLOW read, on the real broker', () => {
  const bus = testBus('/eai/tests/salesforce-overflow');
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  it('publishes each record the transaction changed once (UPDATED, its values), the others not; a failed page and a restart lose nothing', async () => {
    const topic = unique('sf-overflow');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const sf = await startSalesforce({ seed: seedFile() });
    closers.push(() => sf.sim.close());
    const ids = await idsOf(sf);
    const changed = ids.filter((_, i) => i % 4 !== 0);
    expect(changed).toHaveLength(450);
    // Deleted by the same transaction, from the records it does not change.
    const deleted = ids.filter((_, i) => i % 4 === 0).slice(0, 20);

    const group = unique('connect-sf-overflow');
    const start = async () => {
      const runtime = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger, group });
      await runtime.start();
      return runtime;
    };
    let runtime = await start();
    closers.push(() => runtime.stop());
    const name = unique('sf-overflow');
    closers.push(() => runtime.remove(name));
    const server: LoopbackWebhookServer = await serveOnLoopback(
      (request) => runtime.webhook(name, request),
      `/webhooks/${name}`,
    );
    closers.push(() => server.close());
    expect(
      (await sf.json('POST', '/sim/subscriptions', { url: server.url, channel: '/data/AccountChangeEvent' }))
        .status,
    ).toBe(201);
    await runtime.put(
      {
        name,
        type: 'salesforce-cdc-source',
        mapping: 'salesforce/cdc.to-canonical.yaml',
        outputTopics: { 'eai.canonical.CustomerEvent': topic },
        config: {
          signature: { scheme: 'none' },
          instanceUrl: sf.sim.url,
          clientId: 'eai-overflow',
          clientSecret: 'overflow-secret',
          // The bulk change is seconds old: a minute back covers it, not the seed's records of 2024.
          overflow: { pageSize: 200, lookbackMs: 60_000, retries: 0 },
        },
      },
      'test',
    );
    await waitFor('running', async () => (await runtime.status(name))?.state === 'RUNNING', 30_000);
    const overflowOf = async () =>
      (await runtime.status(name))?.task?.overflow as Record<string, unknown> | undefined;

    // The second page's query locator answers 503 once: with no retries the page fails, and is read again 5 s later.
    await sf.json('POST', '/sim/faults', {
      faults: [{ kind: 'error', status: 503, method: 'GET', path: '/services/data/*/query/*', times: 1 }],
    });
    const before = await sf.control<Usage>('GET', '/sim/api-usage');
    await sf.json('POST', '/sim/cdc-mode', { mode: 'overflow' });
    const edited = await sf.json('POST', '/sim/bulk-edit', {
      type: 'Account',
      ids: changed,
      fields: { Industry: 'Energy', BillingCity: 'Nantes' },
      deleteIds: deleted,
    });
    expect(edited.status).toBe(200);

    // The event's request is answered once the read is recorded, not when it ends (the failed page alone takes 5 s).
    await waitFor(
      'the overflow event delivered',
      async () => {
        const { deliveries } = await sf.control<{ deliveries: Array<{ outcome: string; status?: number }> }>(
          'GET',
          '/sim/deliveries',
        );
        return deliveries.some((d) => d.outcome === 'delivered' && d.status === 200);
      },
      20_000,
    );
    expect((await overflowOf())?.finished).toBe(0);
    await waitFor('the page failed', async () => (await overflowOf())?.state === 'waiting', 20_000);
    await waitFor('the read done', async () => (await overflowOf())?.finished === 1, 60_000);
    expect(await overflowOf()).toMatchObject({
      state: 'idle',
      pending: 0,
      recordsRead: 470,
      lastError: null,
    });
    const usage = await sf.control<Usage>('GET', '/sim/api-usage');
    const calls = Object.fromEntries(
      Object.entries(usage.byRoute)
        .map(([route, n]) => [route, n - (before.byRoute[route] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    // One describe, the query and its two next pages (the 503 the fault answered is not counted, as Salesforce
    // counts no refused call); no record read by id.
    expect(calls).toEqual({
      [`GET ${API}/sobjects/Account/describe`]: 1,
      [`GET ${API}/query`]: 1,
      [`GET ${API}/query/{locator}`]: 2,
      [`GET ${API}/queryAll`]: 1,
    });
    console.info(JSON.stringify({ test: 'salesforce overflow read', records: 450, pages: 3, calls }));

    const read = await readToEnd(topic, ofType(SOBJECT_TYPE));
    expect(
      tally(
        changed.map((id) => `salesforce:${id}`),
        read.map((m) => m.key),
      ),
    ).toMatchObject({ lost: [], duplicated: [], distinct: 450 });
    const unchanged = new Set(ids.filter((_, i) => i % 4 === 0).map((id) => `salesforce:${id}`));
    expect(read.filter((m) => unchanged.has(m.key!))).toEqual([]);
    const sample = (await decodeRaw<CustomerEvent>(read[0]!)).decoded;
    expect(sample.changeType).toBe('UPDATED');
    expect(sample.changedFields).toEqual(
      expect.arrayContaining(['organizationName', 'addresses[BILLING].city']),
    );
    expect(sample.customer.addresses).toEqual([expect.objectContaining({ use: 'BILLING', city: 'Nantes' })]);
    // The event itself goes on (the entity-wide RESYNC_REQUESTED), and each deleted record once, DELETED through the
    // CDC mapping as Salesforce's DELETE event of it would be.
    const events = await Promise.all(
      (await readToEnd(topic, ofType(CDC_TYPE))).map((m) => decodeRaw<CustomerEvent>(m)),
    );
    expect(
      events.filter((m) => m.decoded.changeType !== 'DELETED').map((m) => [m.key, m.decoded.changeType]),
    ).toEqual([['salesforce:Account:*', 'RESYNC_REQUESTED']]);
    const deletes = events.filter((m) => m.decoded.changeType === 'DELETED');
    expect(
      tally(
        deleted.map((id) => `salesforce:${id}`),
        deletes.map((m) => m.key),
      ),
    ).toMatchObject({ lost: [], duplicated: [], distinct: 20 });
    expect(deletes[0]!.decoded).toMatchObject({
      changedFields: ['status'],
      customer: { customerId: deletes[0]!.key },
    });

    // Another bulk change, read slowly (each query call 400 ms more); the runtime stops after the first page and a new
    // one (same group) resumes after the last committed page.
    await sf.json('POST', '/sim/faults', {
      faults: [{ kind: 'slow', delayMs: 400, method: 'GET', path: '/services/data/*/query**' }],
    });
    await sf.json('POST', '/sim/bulk-edit', {
      type: 'Account',
      ids: changed,
      fields: { BillingCity: 'Brest' },
    });
    await waitFor(
      'a page of the second read committed',
      async () => {
        const o = await overflowOf();
        return o?.finished === 1 && (o.pages as number) >= 1 && (o.pending as number) === 1;
      },
      30_000,
    );
    await runtime.stop();
    runtime = await start();
    await waitFor('running again', async () => (await runtime.status(name))?.state === 'RUNNING', 30_000);
    // Resumed where Kafka had it: after the committed page(s), not from the start.
    const resumed = (await overflowOf())!;
    expect(resumed.finished === 2 || (resumed.records as number) >= 200).toBe(true);
    await waitFor('the second read done', async () => (await overflowOf())?.finished === 2, 60_000);
    await sf.json('DELETE', '/sim/faults');
    // (The second read finds the 20 deleted records again when they are within its look-back: DELETED again.)
    expect(await overflowOf()).toMatchObject({ state: 'idle', pending: 0 });
    // Each changed record twice in all (once a read), the second time with its new city.
    const all = await readToEnd(topic, ofType(SOBJECT_TYPE));
    const times = new Map<string, number>();
    for (const m of all) times.set(m.key!, (times.get(m.key!) ?? 0) + 1);
    expect(all).toHaveLength(900);
    expect(changed.filter((id) => times.get(`salesforce:${id}`) !== 2)).toEqual([]);
    const cities = await Promise.all(
      all.map(async (m) => (await decodeRaw<CustomerEvent>(m)).decoded.customer.addresses[0]?.city),
    );
    expect(cities.filter((city) => city === 'Brest')).toHaveLength(450);
  }, 180_000);
});
