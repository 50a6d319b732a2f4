// The initial snapshot of the HubSpot contact webhook source against the HubSpot simulator, on the real broker: every
// contact HubSpot held before the connector started is published once, a change made while its page was being read
// comes after the page, a restart resumes (kill -9 of a worker process, read_committed), a second start reads
// nothing again.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { decodeRaw } from '../../tests/decode-raw.ts';
import type { RawMessage } from '../../tests/raw-consumer.ts';
import { readToEnd, tally } from '../../tests/read-to-end.ts';
import { snapshotKilledAndResumed } from '../../tests/snapshot-kill.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { WorkerProcess } from '../../tests/worker-process.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const SNAPSHOT_TYPE = 'hubspot-crm-object.eai.canonical.CustomerEvent';
const WEBHOOK_TYPE = 'hubspot-contact.eai.canonical.CustomerEvent';

interface CustomerEvent {
  changedFields: string[];
  occurredAt: unknown;
  customer: { person: { familyName: string | null } | null; emails: Array<{ address: string }> };
}

/** A decoded timestamp (the registry client gives Avro's timestamp-millis as a number or a Date). */
const msOf = (value: unknown) => new Date(value as string | number | Date).getTime();
const ofType = (type: string) => (m: RawMessage) => m.headers.ce_type === type;

/** A secret handed to the connector as `${env:NAME}`; worker processes inherit the variable. */
function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

/** `count` contacts with ids from 5001, last changed in 2024, as HubSpot held them before the hub. */
function seedFile(prefix: string, count: number): { file: string; ids: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'eai-hs-snapshot-'));
  const ids = Array.from({ length: count }, (_, i) => String(5001 + i));
  const lines = ids.map((id, i) => {
    const at = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
    return {
      id,
      properties: { email: `c${i}@${prefix}.example.org`, firstname: 'Ada', lastname: `${prefix} ${i}` },
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
  });
  const file = join(dir, 'seed.jsonl');
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
  return { file, ids };
}

function connector(name: string, hs: HubSpotHarness, topic: string, pageSize: number) {
  return {
    name,
    type: 'hubspot-contact-webhook-source',
    mapping: 'hubspot/contact.to-canonical.yaml',
    outputTopics: { 'eai.canonical.CustomerEvent': topic },
    config: {
      clientSecret: envSecret(hs.app.clientSecret),
      baseUrl: hs.sim.url,
      accessToken: envSecret(hs.app.accessTokens[0]!),
      snapshot: { mode: 'initial', pageSize },
    },
  };
}

describe('HubSpot initial snapshot, on the real broker', () => {
  const bus = testBus('/eai/tests/hubspot-snapshot');
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  it('publishes every contact once; a change made while its page is read comes after it; not again after a restart', async () => {
    const topic = unique('hs-snapshot');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const { file, ids } = seedFile('snap', 250);
    const hs = await startHubSpot({ seed: file });
    closers.push(() => hs.sim.close());

    const group = unique('connect-hs-snapshot');
    const start = async () => {
      const runtime = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger, group });
      await runtime.start();
      return runtime;
    };
    let runtime = await start();
    closers.push(() => runtime.stop());
    const name = unique('hs-snapshot');
    closers.push(() => runtime.remove(name));
    const server = await serveOnLoopback((request) => runtime.webhook(name, request), `/webhooks/${name}`);
    closers.push(() => server.close());
    expect((await hs.json('POST', '/sim/subscriptions', { url: server.url })).status).toBe(201);

    // The first page is read (HubSpot's state taken) and its answer held back 1.5 s; meanwhile a person changes the
    // first contact's last name: the webhook reaches the connector before the page with the old name does.
    await hs.json('POST', '/sim/faults', {
      faults: [
        {
          kind: 'timeout',
          afterApply: true,
          delayMs: 1500,
          method: 'GET',
          path: '/crm/v3/objects/contacts',
          times: 1,
        },
      ],
    });
    await runtime.put(connector(name, hs, topic, 100), 'test');
    await waitFor('the first page read', async () => {
      const { body } = await hs.json<{ faults: unknown[] }>('GET', '/sim/faults');
      return body.faults.length === 0;
    });
    const edited = ids[0]!;
    const edit = await hs.json('POST', '/sim/edit', {
      id: edited,
      properties: { lastname: 'Renamed meanwhile' },
    });
    expect(edit.status).toBe(200);

    const snapshotOf = async () =>
      (await runtime.status(name))?.task?.snapshot as Record<string, unknown> | undefined;
    await waitFor('the snapshot done', async () => (await snapshotOf())?.state === 'done', 60_000);
    const done = (await snapshotOf())!;
    expect(done).toMatchObject({ mode: 'initial', state: 'done', records: 250, pages: 3 });
    console.info(
      JSON.stringify({
        test: 'hubspot snapshot',
        records: 250,
        pages: 3,
        ms: msOf(done.finishedAt) - msOf(done.startedAt),
        heldPageMs: 1500,
      }),
    );

    const records = await readToEnd(topic, () => true);
    const snapshot = records.filter(ofType(SNAPSHOT_TYPE));
    expect(
      tally(
        ids.map((id) => `hubspot:${id}`),
        snapshot.map((m) => m.key),
      ),
    ).toMatchObject({ lost: [], duplicated: [], distinct: 250 });
    // The edited contact: the page's old name first, then the webhook's change, on its one partition.
    const ofEdited = await Promise.all(
      records.filter((m) => m.key === `hubspot:${edited}`).map((m) => decodeRaw<CustomerEvent>(m)),
    );
    expect(ofEdited.map((m) => [m.headers.ce_type, m.decoded.customer.person?.familyName])).toEqual([
      [SNAPSHOT_TYPE, 'snap 0'],
      [WEBHOOK_TYPE, 'Renamed meanwhile'],
    ]);
    const [read, change] = ofEdited.map((m) => m.decoded);
    expect(read!.changedFields).toEqual(expect.arrayContaining(['person', 'emails[primary]', 'updatedAt']));
    expect(read!.customer.emails.map((e) => e.address)).toEqual(['c0@snap.example.org']);
    expect(msOf(read!.occurredAt)).toBe(Date.UTC(2024, 0, 1));
    expect(msOf(change!.occurredAt)).toBeGreaterThan(msOf(read!.occurredAt));

    // A second start (another runtime instance in the same group; the webhook server hands requests to it) reads
    // nothing again.
    // Each step bounded and named: under CI's load this test once ran into its 150 s limit with no word of where.
    await within('the first runtime to stop', 30_000, runtime.stop());
    runtime = await within('a second runtime to start', 30_000, start());
    await waitFor('running again', async () => (await runtime.status(name))?.state === 'RUNNING', 30_000);
    expect(await snapshotOf()).toMatchObject({ state: 'done', records: 250 });
    await hs.json('POST', '/sim/edit', { id: ids[1], properties: { lastname: 'After restart' } });
    await waitFor(
      'the change after the restart on Kafka',
      async () => (await readToEnd(topic, ofType(WEBHOOK_TYPE), 10_000)).length === 2,
      30_000,
    );
    expect((await readToEnd(topic, ofType(SNAPSHOT_TYPE))).length).toBe(250);
  }, 150_000);
});

describe('HubSpot initial snapshot: kill -9 mid-snapshot', () => {
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });

  it('resumes after the last committed page: each contact once to a read_committed consumer', async () => {
    const bus = testBus('/eai/tests/hubspot-snapshot-crash');
    const topic = unique('hs-snapshot-crash');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const { file, ids } = seedFile('crash', 800);
    const hs = await startHubSpot({ seed: file });
    try {
      // Each page takes 300 ms more: the snapshot lasts some seconds, long enough to be killed in.
      await hs.json('POST', '/sim/faults', {
        faults: [{ kind: 'slow', delayMs: 300, method: 'GET', path: '/crm/v3/objects/contacts' }],
      });
      const { killedAt, end, counted } = await snapshotKilledAndResumed({
        label: 'hubspot-snapshot',
        bus,
        logger,
        connector: (name) => connector(name, hs, topic, 100),
        topic,
        keys: ids.map((id) => `hubspot:${id}`),
        recordType: SNAPSHOT_TYPE,
        workers,
      });
      expect(killedAt.done).toBeUndefined();
      expect(counted).toMatchObject({ lost: [], duplicated: [], distinct: 800 });
      expect(end).toMatchObject({ done: true, records: 800 });
    } finally {
      await hs.sim.close();
    }
  }, 180_000);
});

/** `promise`, or a failure naming `what` once `ms` have passed without it. */
function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
