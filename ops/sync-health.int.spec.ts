/**
 * Sync health on a real hub with master data and a HubSpot sink against the HubSpot simulator: ok while pushes
 * go through; the simulator's fault injection (503 on every upsert) turns HubSpot `degraded` with the reason in
 * words, in /sync/health, the eai_sync_status gauge and `eai sync status`; once the fault is lifted and a push
 * succeeds, it is `ok` again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Publisher, redriveDeadLetters } from '../bus/index.ts';
import { sinkGroupId } from '../connectors/index.ts';
import { customerFile, reconcile } from '../masterdata/index.ts';
import { exampleJson } from '../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../simulators/hubspot/test-support.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { runEai } from '../tests/run-eai.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { hashToken, newToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';
import type { SyncHealth } from './sync-health.ts';

const stack = testStack();
const bus = testBus();
const token = newToken();
const schema = `mdm_sync_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const topics = {
  customer: unique('sync-customer'),
  out: unique('sync-hubspot-out'),
  activity: unique('sync-activity'),
};
const sink = unique('hubspot-out');
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
let hs: HubSpotHarness;
let hub: Hub;
let publisher: Publisher & { close(): Promise<void> };
let openapi: object;

async function health(): Promise<SyncHealth> {
  const response = await fetch(`${hub.url}/sync/health`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  assertConformsToOpenApi(openapi, { method: 'get', path: '/sync/health', status: response.status, body });
  expect(response.status).toBe(200);
  return body as SyncHealth;
}
const hubspotOf = (h: SyncHealth) => h.systems.find((s) => s.system === 'hubspot');

const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
let pushes = 0;
/** One golden customer change for the HubSpot sink. */
async function push(): Promise<void> {
  pushes += 1;
  const customerId = `G-${unique('sync')}-${pushes}`;
  await publisher.publish([
    {
      schema: 'CustomerEvent',
      topic: topics.out,
      value: {
        ...base,
        changeType: 'CREATED',
        changedFields: [],
        origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
        customer: {
          ...base.customer,
          customerId,
          sourceIds: [],
          partyType: 'PERSON',
          organizationName: null,
          person: { title: null, givenName: 'Ada', middleName: null, familyName: `Lovelace${pushes}` },
          emails: [{ address: `${customerId.toLowerCase()}@example.com`, use: 'work', primary: true }],
        },
      },
    },
  ]);
}

beforeAll(async () => {
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
  hs = await startHubSpot();
  hub = await startHub({
    ...stack,
    group: unique('connect-sync'),
    logger: pino({ level: 'silent' }),
    tokens: [{ name: 'ops', role: 'viewer', sha256: hashToken(token) }],
    port: 0,
    sinkRetry: { retries: 1, initialDelayMs: 50, maxDelayMs: 100 },
    masterdata: {
      schema,
      groupId: unique('sync-matcher'),
      activityGroupId: unique('sync-activity'),
      customerTopic: topics.customer,
      activityTopics: [topics.activity],
      healthIntervalMs: 0,
    },
  });
  openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
  const secret = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[secret] = hs.app.accessTokens[0];
  await hub.runtime.put(
    {
      name: sink,
      type: 'hubspot-upsert-sink',
      topics: [topics.out],
      mapping: 'hubspot/batch-upsert.from-canonical.yaml',
      config: {
        baseUrl: hs.sim.url,
        accessToken: `\${env:${secret}}`,
        retry: { retries: 0 },
        breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
      },
    },
    'test',
  );
  publisher = await bus.publisher();
  // A customer change from HubSpot, so the system has something received too.
  const event = exampleJson('CustomerEvent') as Record<string, unknown>;
  await publisher.publish([
    {
      schema: 'CustomerEvent',
      topic: topics.customer,
      value: {
        ...event,
        changeType: 'CREATED',
        changedFields: [],
        origin: { system: 'hubspot', documentId: 'hs-1', changeOrigin: null, changedBy: null },
        customer: {
          ...base.customer,
          customerId: 'hubspot:901',
          sourceIds: [{ system: 'hubspot', id: '901' }],
        },
      },
    },
  ]);
});

afterAll(async () => {
  await publisher?.close();
  await hub?.runtime.remove(sink).catch(() => undefined);
  await hub?.close();
  await hs?.sim.close();
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

async function metric(line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  return text.split('\n').find((l) => line.test(l));
}

describe('sync health', () => {
  it('is ok while HubSpot takes the pushes, with what was received and sent', async () => {
    await push();
    let h = await health();
    await waitFor('a push sent and a change received', async () => {
      h = await health();
      const hubspot = hubspotOf(h);
      return !!hubspot?.outbound.lastSentAt && hubspot.inbound.records === 1;
    });
    expect(h.status).toBe('ok');
    expect(h.reasons).toEqual([]);
    const hubspot = hubspotOf(h)!;
    expect(hubspot.status).toBe('ok');
    expect(hubspot.inbound.eventsSinceStart).toBe(1);
    expect(hubspot.inbound.lastReceivedAt).not.toBeNull();
    expect(hubspot.outbound).toMatchObject({ failedPushes: 0, backlogRecords: 0 });
    expect(hubspot.outbound.sinks).toMatchObject([
      { connector: sink, state: 'RUNNING', sent: 1, lastError: null },
    ]);
    expect(h.matcher.backlogRecords).toBe(0);
    expect(h.stewardQueue).toBe(0);
    expect(h.deadLetters?.map((d) => d.topic)).toEqual(['dlq.mapping', 'dlq.orchestrator', 'dlq.sink']);
    expect(await metric(/^eai_sync_status\{system="hubspot"\} /)).toBe('eai_sync_status{system="hubspot"} 0');
  });

  it('turns degraded with the reason in words while HubSpot answers 503, and ok again once it heals', async () => {
    const fault = await hs.json('POST', '/sim/faults', {
      faults: [{ kind: 'error', status: 503, path: UPSERT }],
    });
    expect(fault.status).toBe(201);
    await push();
    let h = await health();
    await waitFor('HubSpot degraded', async () => {
      h = await health();
      // Retrying first (degraded too), then dead-lettered after its bounded retries (sinkRetry.retries 1).
      return hubspotOf(h)?.status === 'degraded' && hubspotOf(h)?.outbound.failedPushes === 1;
    });
    expect(h.status).toBe('degraded');
    const hubspot = hubspotOf(h)!;
    expect(hubspot.outbound.failedPushes).toBe(1);
    // Its own letters: the one push its sink dead-lettered, whatever else the shared dlq.sink holds (every
    // connector's and every other test's on this Kafka).
    expect(hubspot.deadLetters).toEqual({ inbound: 0, outbound: 1, redriven: 0 });
    expect(hubspot.reasons).toHaveLength(1);
    expect(hubspot.reasons[0]).toMatch(
      new RegExp(
        `^hubspot: the last push failed and went to the dead-letter topic \\(connector ${sink}: .*503`,
      ),
    );
    expect(h.reasons).toEqual(hubspot.reasons);
    // Its lastError is a line with HubSpot's own message, not the answer body (ops trial: Odoo's traceback there).
    const lastError = hubspot.outbound.sinks[0]!.lastError!;
    expect(lastError).toMatch(/503/);
    expect(lastError).not.toMatch(/[{[<\n]|correlationId/);
    expect(lastError.length).toBeLessThanOrEqual(300);
    expect(await metric(/^eai_sync_status\{system="hubspot"\} /)).toBe('eai_sync_status{system="hubspot"} 1');
    expect(await metric(/^eai_sync_failed_pushes\{system="hubspot"\} /)).toBe(
      'eai_sync_failed_pushes{system="hubspot"} 1',
    );

    // The CLI says the same.
    const env = { EAI_URL: hub.url, EAI_TOKEN: token };
    const json = await runEai(['sync', 'status', '--json'], { env });
    // Degraded: exit 2, so a probe or script sees it without parsing (ok 0, failing 3).
    expect(json.code, json.stderr).toBe(2);
    const cli = JSON.parse(json.stdout) as SyncHealth;
    expect(cli.status).toBe('degraded');
    expect(cli.reasons).toEqual(hubspot.reasons);
    const text = await runEai(['sync', 'status'], { env });
    expect(text.stdout).toContain('customer sync: degraded');
    expect(text.stdout).toContain(`  - ${hubspot.reasons[0]}`);
    expect(text.stdout).toMatch(/^hubspot\s+degraded\s/m);

    // Healed: the next push goes through and clears the failure.
    expect((await hs.json('DELETE', '/sim/faults')).status).toBeLessThan(300);
    await push();
    await waitFor('HubSpot ok again', async () => {
      h = await health();
      return hubspotOf(h)?.status === 'ok';
    });
    expect(h.status).toBe('ok');
    expect(h.reasons).toEqual([]);
    expect(hubspotOf(h)!.outbound.sinks[0]).toMatchObject({ sent: 2, failed: 1, lastError: null });
    // Healed, the letter still waits in dlq.sink to be redriven: counted, not judged.
    expect(hubspotOf(h)!.deadLetters?.outbound).toBe(1);
    expect(await metric(/^eai_sync_status\{system="hubspot"\} /)).toBe('eai_sync_status{system="hubspot"} 0');
  });

  it('counts only customer sinks: a paused order sink (SAP ORDRSP) is no customer sync target', async () => {
    const orders = unique('sap-ordrsp');
    await hub.runtime.put(
      {
        name: orders,
        type: 'sap-ordrsp-file-sink',
        state: 'PAUSED',
        topics: [unique('sync-order-status')],
        config: { dir: mkdtempSync(join(tmpdir(), 'eai-sync-ordrsp-')) },
      },
      'test',
    );
    try {
      await waitFor(
        'the order sink paused',
        async () => (await hub.runtime.status(orders))?.state === 'PAUSED',
      );
      const h = await health();
      expect(h.systems.map((s) => s.system)).toEqual(['hubspot']);
      expect(h.status).toBe('ok');
      expect(h.reasons).toEqual([]);
    } finally {
      await hub.runtime.remove(orders);
    }
  });

  it("counts a system's customer sources: paused, its changes do not reach the hub (degraded), running again ok; order sources are not counted", async () => {
    const secret = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
    process.env[secret] = 'not-used-while-paused';
    const contacts = unique('hubspot-in');
    const partners = unique('odoo-in');
    const orders = unique('sap-orders-in');
    await hub.runtime.put(
      {
        name: contacts,
        type: 'hubspot-contact-webhook-source',
        state: 'PAUSED',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: { clientSecret: `\${env:${secret}}` },
      },
      'test',
    );
    // Odoo's polling source names no mapping: it reads res.partner beside sale.order (its plugin's formats).
    await hub.runtime.put(
      {
        name: partners,
        type: 'odoo-polling-source',
        state: 'PAUSED',
        config: { url: 'http://127.0.0.1:9', db: 'odoo', username: 'eai', password: `\${env:${secret}}` },
      },
      'test',
    );
    await hub.runtime.put(
      {
        name: orders,
        type: 'sap-idoc-file-source',
        state: 'PAUSED',
        config: { dir: mkdtempSync(join(tmpdir(), 'eai-sync-idocs-')) },
      },
      'test',
    );
    try {
      await waitFor('the sources paused', async () =>
        (await Promise.all([contacts, partners, orders].map((n) => hub.runtime.status(n)))).every(
          (st) => st?.state === 'PAUSED',
        ),
      );
      const paused = await health();
      // SAP's order IDocs are no customer sync: no system of their own here.
      expect(paused.systems.map((s) => s.system)).toEqual(['hubspot', 'odoo']);
      expect(hubspotOf(paused)?.status).toBe('degraded');
      expect(hubspotOf(paused)?.inbound.sources).toMatchObject([{ connector: contacts, state: 'PAUSED' }]);
      expect(paused.reasons).toEqual([
        `hubspot: connector ${contacts} is paused, changes made in hubspot do not reach the hub until it runs`,
        `odoo: connector ${partners} is paused, changes made in odoo do not reach the hub until it runs`,
      ]);
      expect(paused.status).toBe('degraded');
      const text = await runEai(['sync', 'status'], { env: { EAI_URL: hub.url, EAI_TOKEN: token } });
      expect(text.stdout).toMatch(/^odoo\s+degraded\s/m);
      expect(text.stdout).toContain(`connector ${partners} is paused`);

      await hub.runtime.setTargetState(contacts, 'RUNNING');
      await hub.runtime.remove(partners);
      await waitFor(
        'the HubSpot source running',
        async () => (await hub.runtime.status(contacts))?.state === 'RUNNING',
      );
      const running = await health();
      expect(hubspotOf(running)?.inbound.sources).toMatchObject([{ connector: contacts, state: 'RUNNING' }]);
      expect(running.systems.map((s) => s.system)).toEqual(['hubspot']);
      expect(running.status).toBe('ok');
      expect(running.reasons).toEqual([]);
    } finally {
      await hub.runtime.remove(contacts);
      await hub.runtime.remove(partners);
      await hub.runtime.remove(orders);
      delete process.env[secret];
    }
  });

  it("reports a system's drift from its last reconcile, degraded until a reconcile repairs it", async () => {
    const store = hub.masterdata!.store;
    await waitFor('hubspot 901 matched', async () => (await store.xref('hubspot', '901')) !== null);
    // HubSpot's export today: 901 with a phone the hub never heard of, and 902 the hub does not know at all.
    const held = (await store.sourceRecord('hubspot', '901'))!;
    const file = join(mkdtempSync(join(tmpdir(), 'eai-sync-drift-')), 'hubspot.jsonl');
    writeFileSync(
      file,
      [
        { ...held, phones: [{ number: '+1 617 555 0199' }] },
        {
          ...held,
          customerId: 'hubspot:902',
          sourceIds: [{ system: 'hubspot', id: '902' }],
          organizationName: 'Other Co',
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const found = await reconcile(store, 'hubspot', customerFile(file, 'hubspot'));
    expect(found.counts).toMatchObject({ differs: 1, extra: 1, missing: 0 });
    const h = await health();
    const hubspot = hubspotOf(h)!;
    expect(hubspot.drift).toMatchObject({ records: 2, missing: 0, extra: 1, differs: 1, repaired: false });
    expect(hubspot.status).toBe('degraded');
    expect(h.status).toBe('degraded');
    expect(hubspot.reasons).toEqual([
      expect.stringMatching(
        /^hubspot drifted apart from the golden records: its last reconcile \(.+\) found 1 record in its export and unknown to the hub, 1 record with changes the hub missed; `eai mdm reconcile hubspot --input <export> --repair` applies the export$/,
      ),
    ]);
    expect(await metric(/^eai_sync_drift_records\{system="hubspot",kind="extra"\} /)).toBe(
      'eai_sync_drift_records{system="hubspot",kind="extra"} 1',
    );

    // The CLI's table has it in its drift column.
    const text = await runEai(['sync', 'status'], { env: { EAI_URL: hub.url, EAI_TOKEN: token } });
    expect(text.stdout).toMatch(/ drift {2}re-read\n/);
    expect(text.stdout).toMatch(/^hubspot\s+degraded\s.*\s2\s+-$/m);

    await reconcile(store, 'hubspot', customerFile(file, 'hubspot'), { repair: true });
    const after = hubspotOf(await health())!;
    expect(after.drift).toMatchObject({ extra: 1, differs: 1, repaired: true });
    expect(after.reasons.filter((r) => r.includes('drifted'))).toEqual([]);
    expect(await metric(/^eai_sync_drift_records\{system="hubspot",kind="extra"\} /)).toBe(
      'eai_sync_drift_records{system="hubspot",kind="extra"} 0',
    );
  });

  it("counts a system's own dead letters by their tags: the matcher's refusals by key, redriven ones apart", async () => {
    // A change keyed as HubSpot's that is no Avro record: the matcher refuses it to dlq.orchestrator, signed with
    // its group; the workflows' letters beside it are no system's.
    const producer = bus.transport.producer();
    await producer.connect();
    try {
      await producer.send([
        { topic: topics.customer, key: `hubspot:${unique('garbled')}`, value: Buffer.from('{"not":"avro"}') },
      ]);
    } finally {
      await producer.disconnect();
    }
    let h = await health();
    await waitFor('the refused change counted', async () => {
      h = await health();
      return hubspotOf(h)?.deadLetters?.inbound === 1;
    });
    expect(hubspotOf(h)!.deadLetters).toEqual({ inbound: 1, outbound: 1, redriven: 0 });
    expect(await metric(/^eai_sync_dead_letters\{system="hubspot",direction="in"\} /)).toBe(
      'eai_sync_dead_letters{system="hubspot",direction="in"} 1',
    );

    // HubSpot's push redriven (it answers again): it stays in dlq.sink, no longer waiting.
    const result = await redriveDeadLetters(bus.transport, {
      topic: 'dlq.sink',
      selection: { filter: { owner: sinkGroupId(sink, hub.runtime.group) } },
    });
    expect(result.redriven).toBe(1);
    await waitFor('the redriven letter apart', async () => {
      h = await health();
      return hubspotOf(h)?.deadLetters?.redriven === 1;
    });
    expect(hubspotOf(h)!.deadLetters).toEqual({ inbound: 1, outbound: 0, redriven: 1 });

    // The CLI's table: its own dead letters in their column.
    const text = await runEai(['sync', 'status'], { env: { EAI_URL: hub.url, EAI_TOKEN: token } });
    expect(text.stdout).toMatch(/ failed {2}held {4}dead /);
    // backlog (the redriven push may be under way again: any), failed pushes 1, no create held, dead letters 1 (the refused change;
    // the push redriven), records, drift, re-read.
    expect(text.stdout).toMatch(/^hubspot\s.*\s\d+\s+1\s+-\s+1\s+\d+\s+\S+\s+\S+$/m);
  });
});
