// The initial snapshot of the Salesforce CDC source against the Salesforce simulator, on the real broker: every
// Account and Contact the org held before the connector started is published once, a change made while its page
// was being read is not overtaken by the page, a restart resumes (kill -9 of a worker process, read_committed), a
// second start reads nothing again, and a reset of the offsets snapshots again.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { decodeRaw } from '../../tests/decode-raw.ts';
import type { RawMessage } from '../../tests/raw-consumer.ts';
import { readToEnd, tally } from '../../tests/read-to-end.ts';
import { snapshotKilledAndResumed } from '../../tests/snapshot-kill.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { WorkerProcess } from '../../tests/worker-process.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const SNAPSHOT_TYPE = 'salesforce-sobject.eai.canonical.CustomerEvent';
const CDC_TYPE = 'salesforce-cdc.eai.canonical.CustomerEvent';

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  occurredAt: unknown;
  customer: { customerId: string; organizationName: string | null; sourceIds: Array<{ id: string }> };
}

/** A secret handed to the connector as `${env:NAME}`; worker processes inherit the variable. */
function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

/** `accounts` Accounts and `contacts` Contacts, last changed a year ago, as the org held them before the hub. */
function seedFile(prefix: string, accounts: number, contacts: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'eai-sf-snapshot-'));
  const lines = [
    ...Array.from({ length: accounts }, (_, i) => ({
      type: 'Account',
      Name: `${prefix} Account ${i}`,
      BillingCity: 'Lyon',
      LastModifiedDate: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    })),
    ...Array.from({ length: contacts }, (_, i) => ({
      type: 'Contact',
      LastName: `${prefix} Contact ${i}`,
      Email: `c${i}@${prefix.toLowerCase()}.example.org`,
      LastModifiedDate: new Date(Date.UTC(2024, 0, 2) + i * 1000).toISOString(),
    })),
  ];
  const file = join(dir, 'seed.jsonl');
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
  return file;
}

/** Record ids of the org, in Id order (as the snapshot reads them). */
async function idsOf(sf: SalesforceHarness, type: 'Account' | 'Contact'): Promise<string[]> {
  const ids: string[] = [];
  let path: string | undefined =
    `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM ${type} ORDER BY Id`)}`;
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

function connector(name: string, sf: SalesforceHarness, topic: string, secret: string) {
  return {
    name,
    type: 'salesforce-cdc-source',
    mapping: 'salesforce/cdc.to-canonical.yaml',
    outputTopics: { 'eai.canonical.CustomerEvent': topic },
    config: {
      signature: { scheme: 'none' },
      instanceUrl: sf.sim.url,
      clientId: 'eai-snapshot',
      clientSecret: secret,
      snapshot: { mode: 'initial', pageSize: 200 },
    },
  };
}

/** A decoded timestamp (the registry client gives Avro's timestamp-millis as a number or a Date). */
const msOf = (value: unknown) => new Date(value as string | number | Date).getTime();

const ofType = (type: string) => (m: RawMessage) => m.headers.ce_type === type;

describe('Salesforce initial snapshot, on the real broker', () => {
  const bus = testBus('/eai/tests/salesforce-snapshot');
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  it('publishes every record once; a change made while its page is read comes after it; once only; again after a reset', async () => {
    const topic = unique('sf-snapshot');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const sf = await startSalesforce({ seed: seedFile('Snap', 450, 150) });
    closers.push(() => sf.sim.close());
    const accounts = await idsOf(sf, 'Account');
    const contacts = await idsOf(sf, 'Contact');
    expect([accounts.length, contacts.length]).toEqual([450, 150]);

    const group = unique('connect-sf-snapshot');
    const start = async () => {
      const runtime = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger, group });
      await runtime.start();
      return runtime;
    };
    let runtime = await start();
    closers.push(() => runtime.stop());
    const name = unique('sf-snapshot');
    closers.push(() => runtime.remove(name));
    const server: LoopbackWebhookServer = await serveOnLoopback(
      (request) => runtime.webhook(name, request),
      `/webhooks/${name}`,
    );
    closers.push(() => server.close());
    for (const channel of ['/data/AccountChangeEvent', '/data/ContactChangeEvent'])
      expect((await sf.json('POST', '/sim/subscriptions', { url: server.url, channel })).status).toBe(201);

    // The first page is read (the org's state taken) and its answer held back 1.5 s; meanwhile a person renames
    // the first account: the change event reaches the connector before the page with the old name does.
    await sf.json('POST', '/sim/faults', {
      faults: [
        {
          kind: 'timeout',
          afterApply: true,
          delayMs: 1500,
          method: 'GET',
          path: '/services/data/*/query',
          times: 1,
        },
      ],
    });
    await runtime.put(connector(name, sf, topic, envSecret('snapshot-secret')), 'test');
    await waitFor('the first page read', async () => {
      const { body } = await sf.json<{ faults: unknown[] }>('GET', '/sim/faults');
      return body.faults.length === 0;
    });
    const edited = accounts[0]!;
    const before = await sf.json<{ Name: string }>('GET', `/services/data/v62.0/sobjects/Account/${edited}`);
    expect(
      (
        await sf.json('POST', '/sim/edit', {
          type: 'Account',
          id: edited,
          fields: { Name: 'Renamed meanwhile' },
        })
      ).status,
    ).toBe(200);

    const snapshotOf = async () =>
      (await runtime.status(name))?.task?.snapshot as Record<string, unknown> | undefined;
    await waitFor('the snapshot done', async () => (await snapshotOf())?.state === 'done', 60_000);
    const done = (await snapshotOf())!;
    expect(done).toMatchObject({ mode: 'initial', state: 'done', records: 600, pages: 4 });
    const ms = msOf(done.finishedAt) - msOf(done.startedAt);
    console.info(
      JSON.stringify({ test: 'salesforce snapshot', records: 600, pages: 4, ms, heldPageMs: 1500 }),
    );

    const records = await readToEnd(topic, () => true);
    const snapshot = records.filter(ofType(SNAPSHOT_TYPE));
    expect(
      tally(
        [...accounts, ...contacts].map((id) => `salesforce:${id}`),
        snapshot.map((m) => m.key),
      ),
    ).toMatchObject({
      lost: [],
      duplicated: [],
      distinct: 600,
    });
    // The edited account: the page's old name first, then the change, on one partition (one key) in that order.
    const ofEdited = await Promise.all(
      records.filter((m) => m.key === `salesforce:${edited}`).map((m) => decodeRaw<CustomerEvent>(m)),
    );
    expect(ofEdited.map((m) => [m.headers.ce_type, m.decoded.customer.organizationName])).toEqual([
      [SNAPSHOT_TYPE, before.body.Name],
      [CDC_TYPE, 'Renamed meanwhile'],
    ]);
    const [read, change] = ofEdited.map((m) => m.decoded);
    // Declared as a full read of the fields, at the record's own modification time (older than the change).
    expect(read!.changedFields).toEqual(
      expect.arrayContaining(['organizationName', 'addresses[BILLING].city']),
    );
    expect(msOf(read!.occurredAt)).toBeLessThan(Date.UTC(2024, 0, 2));
    expect(msOf(change!.occurredAt)).toBeGreaterThan(msOf(read!.occurredAt));

    // A second start (another runtime instance in the same group; the webhook server hands requests to it) reads
    // nothing again.
    await runtime.stop();
    runtime = await start();
    await waitFor('running again', async () => (await runtime.status(name))?.state === 'RUNNING', 30_000);
    expect(await snapshotOf()).toMatchObject({ state: 'done', records: 600 });
    await sf.json('POST', '/sim/edit', {
      type: 'Contact',
      id: contacts[0],
      fields: { LastName: 'After restart' },
    });
    await waitFor(
      'the change after the restart on Kafka',
      async () => (await readToEnd(topic, ofType(CDC_TYPE))).length === 2,
      30_000,
    );
    expect((await readToEnd(topic, ofType(SNAPSHOT_TYPE))).length).toBe(600);

    // A reset of the connector's offsets (stopped, as the API requires) starts a new snapshot.
    await runtime.setTargetState(name, 'STOPPED');
    await runtime.alterOffsets(name, null);
    await runtime.setTargetState(name, 'RUNNING');
    await waitFor(
      'the second snapshot done',
      async () => {
        const s = await snapshotOf();
        return s?.state === 'done' && s.records === 600;
      },
      60_000,
    );
    expect((await readToEnd(topic, ofType(SNAPSHOT_TYPE))).length).toBe(1200);
  }, 180_000);
});

describe('Salesforce initial snapshot: kill -9 mid-snapshot', () => {
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });

  it('resumes after the last committed page: each record once to a read_committed consumer', async () => {
    const bus = testBus('/eai/tests/salesforce-snapshot-crash');
    const topic = unique('sf-snapshot-crash');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const sf = await startSalesforce({ seed: seedFile('Crash', 800, 200) });
    try {
      const ids = [...(await idsOf(sf, 'Account')), ...(await idsOf(sf, 'Contact'))];
      // Each query page takes 300 ms more: the snapshot lasts some seconds, long enough to be killed in.
      await sf.json('POST', '/sim/faults', {
        faults: [{ kind: 'slow', delayMs: 300, method: 'GET', path: '/services/data/**' }],
      });
      const { killedAt, end, counted } = await snapshotKilledAndResumed({
        label: 'salesforce-snapshot',
        bus,
        logger,
        connector: (name) => connector(name, sf, topic, envSecret('crash-secret')),
        topic,
        keys: ids.map((id) => `salesforce:${id}`),
        recordType: SNAPSHOT_TYPE,
        workers,
      });
      expect(killedAt.done).toBeUndefined();
      expect(counted).toMatchObject({ lost: [], duplicated: [], distinct: 1000 });
      expect(end).toMatchObject({ done: true, records: 1000 });
    } finally {
      await sf.sim.close();
    }
  }, 180_000);
});
