import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sinkGroupId } from '../connectors/index.ts';
import { generateCustomers } from '../simulators/generator/generate.ts';
import { consumerGroupIds } from '../tests/consumer-groups.ts';
import { testBus, testStack } from '../tests/stack.ts';
import { DEMO_CONNECT_GROUP, DEMO_CUSTOMERS, DEMO_MDM_SCHEMA, type DemoRefresh } from './commands/demo.ts';

interface Endpoints {
  api: string;
  token: string;
  brokers: string;
  registryUrl: string;
  simulators: Record<string, string>;
}

/** Every connector the shipped deployment declares: one file each. */
const demoConnectors = readdirSync('examples/demo/deploy')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

async function until<T>(what: string, deadline: number, check: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const found = await check();
      if (found !== undefined) return found;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('eai demo (the README first command)', () => {
  it('connects every simulator to the hub, moves SAP orders to Kafka, and stops on SIGTERM', async () => {
    expect(demoConnectors).toEqual(
      expect.arrayContaining(['sap-orders', 'odoo-orders', 'logistics-epcis', 'hubspot-contacts']),
    );
    const stack = testStack();
    // An earlier run's leftovers: the despatch sink's group has committed offsets and a command it never read
    // waits after them. A run starts fresh (new simulators, a dropped workflow database), so the command belongs to
    // nothing: it must be skipped, not sent to the new logistics simulator (a second run showed 1,497 failures).
    const bus = testBus();
    const despatch = 'command.logistics.despatch';
    await bus.provisionTopics([{ topic: despatch, partitions: 3 }]);
    const admin = bus.transport.admin();
    await admin.connect();
    // (A demo killed a moment ago may hold the group until its session times out.)
    await until('the despatch sink group free', Date.now() + 60_000, async () =>
      admin
        .setGroupOffsets(
          sinkGroupId('logistics-despatch', DEMO_CONNECT_GROUP),
          despatch,
          (await admin.topicOffsets(despatch)).map((p) => ({ partition: p.partition, offset: p.high })),
        )
        .then(() => true),
    );
    const producer = bus.transport.producer();
    await producer.connect();
    await producer.send([
      { topic: despatch, key: 'order-from-an-earlier-run', value: Buffer.from('not a command') },
    ]);
    await producer.disconnect();
    await admin.disconnect();
    // An earlier run's master data: its schema must go (the new simulators hold the customers under new ids, and what
    // it recorded as sent would stop the sync to them); another schema stays.
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const keptSchema = `mdm_demo_spec_${Date.now().toString(36)}`;
    const tablesOf = async (schema: string) =>
      (
        await db.query<{ table_name: string }>(
          'select table_name from information_schema.tables where table_schema = $1',
          [schema],
        )
      ).rows.map((r) => r.table_name);
    for (const schema of [DEMO_MDM_SCHEMA, keptSchema]) {
      await db.query(`create schema if not exists "${schema}"`);
      await db.query(`create table if not exists "${schema}".left_by_an_earlier_run (id int)`);
    }
    const routerGroupsBefore = (await consumerGroupIds()).filter((g) =>
      g.startsWith('eai-demo-orchestrator-'),
    );
    const demo = spawn(
      process.execPath,
      ['cli/eai.js', 'demo', '--json', '--port', '0', '--interval', '500'],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_LOG_LEVEL: 'warn',
          // The logistics simulator ships, delivers and receives a return 5 s, 10 s and 10 s after it is asked, and SAP
          // reads its inbound folder every second (their defaults, for someone watching the demo): the same flow with
          // a second or less each, through the variables the simulators read.
          EAI_SIM_LOGISTICS_DESPATCH_MS: '500',
          EAI_SIM_LOGISTICS_DELIVERY_MS: '1000',
          EAI_SIM_LOGISTICS_RETURN_MS: '1000',
          EAI_SIM_SAP_POLL_MS: '250',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
    let stdout = '';
    demo.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    let stderr = '';
    demo.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      process.stderr.write(chunk);
    });
    const lines = () => stdout.split('\n').filter((l) => l.endsWith('}') || l.length === 0);
    try {
      const deadline = Date.now() + 75_000;
      const first = await until('the first line', deadline, async () =>
        stdout.includes('\n') ? stdout.slice(0, stdout.indexOf('\n')) : undefined,
      );
      const endpoints = JSON.parse(first) as Endpoints;
      // Before the endpoints, what it was doing meanwhile (seconds to minutes on a busy machine, once without a line).
      expect(stderr).toContain('starting the SAP, logistics, Odoo, Salesforce and HubSpot simulators\n');
      expect(stderr).toContain(
        'starting the hub: the connectors of examples/demo/deploy, master data and the orchestrator\n',
      );
      expect(Object.keys(endpoints).sort()).toEqual(['api', 'brokers', 'registryUrl', 'simulators', 'token']);
      expect(endpoints.brokers).toBe(stack.brokers);
      expect(Object.keys(endpoints.simulators).sort()).toEqual([
        'hubspot',
        'logistics',
        'odoo',
        'salesforce',
        'sap',
      ]);
      expect((await fetch(`${endpoints.api}/health/ready`)).status).toBe(200);
      expect(await tablesOf(DEMO_MDM_SCHEMA)).not.toContain('left_by_an_earlier_run');
      expect(await tablesOf(DEMO_MDM_SCHEMA)).not.toEqual([]);
      expect(await tablesOf(keptSchema)).toEqual(['left_by_an_earlier_run']);

      const get = async <T>(path: string) => {
        const answer = await fetch(`${endpoints.api}${path}`, {
          headers: { authorization: `Bearer ${endpoints.token}` },
        });
        expect(answer.status, path).toBe(200);
        return (await answer.json()) as T;
      };
      expect((await fetch(`${endpoints.api}/connectors`)).status).toBe(401);
      expect((await get<string[]>('/connectors')).sort()).toEqual(demoConnectors);
      for (const name of demoConnectors) {
        await until(`${name} RUNNING`, deadline, async () => {
          const status = await get<{ state: string; trace: string | null }>(`/connectors/${name}/status`);
          expect(status.state, `${name}: ${status.trace}`).not.toBe('FAILED');
          return status.state === 'RUNNING' ? true : undefined;
        });
      }

      // Every demo webhook is authenticated (the Salesforce simulator's subscriptions carry a bearer token).
      expect(stderr).not.toContain('webhook signatures are not checked');

      // The SAP simulator drops order IDocs every few seconds; the source publishes them.
      await until('SAP orders on Kafka', deadline, async () => {
        const status = await get<{ metrics: { recordsOut: number } }>('/connectors/sap-orders/status');
        return status.metrics.recordsOut > 0 ? true : undefined;
      });
      const refreshes = await until('a refresh line showing SAP orders', deadline, async () => {
        const parsed = lines()
          .slice(1)
          .filter((l) => l)
          .map((l) => JSON.parse(l) as DemoRefresh);
        const sap = parsed.at(-1)?.connectors.find((c) => c.name === 'sap-orders');
        return sap && sap.out > 0 ? parsed : undefined;
      });
      const last = refreshes.at(-1)!;
      expect(last.connectors.map((c) => c.name)).toEqual(demoConnectors);
      // What a connector skipped, it says why: the counts by reason add up to its skipped.
      for (const c of last.connectors)
        expect(
          Object.values(c.skippedReasons).reduce((n, k) => n + k, 0),
          c.name,
        ).toBe(c.skipped);
      expect(last.topics['canonical.sales-order']).toBeGreaterThan(0);
      expect(Object.keys(last.topics).sort()).toEqual([
        'canonical.case',
        'canonical.customer',
        'canonical.sales-order',
        'canonical.shipment',
      ]);

      // SAP's orders run through order-to-delivery: credit check at SAP, ORDRSP back, despatch to the logistics
      // simulator, whose ASN file and EPCIS delivery come back, within the demo's timers.
      const completed = await until('an order delivered end to end', Date.now() + 120_000, async () => {
        const done = await get<Array<{ id: string }>>('/workflows?type=order-to-delivery&status=COMPLETED');
        return done[0];
      });
      expect(completed.id).toMatch(/^order-to-delivery:sap:\d+$/);
      const timeline = await get<{ status: string; timeline: Array<{ name: string }> }>(
        `/workflows/${encodeURIComponent(completed.id)}`,
      );
      expect(timeline.status).toBe('COMPLETED');
      const names = timeline.timeline.map((t) => t.name);
      // Version 3 checkpoints an approved credit check with the confirmation and the despatch request, version 4 the
      // CRM's status with the ERP's SHIPPED.
      expect(names[0]).toMatch(/^credit-check(\+|$)/);
      expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/(^|\+)crm-status$/)]));
      // The ASN and the delivery: two events in.
      expect(names.filter((n) => n === 'DBOS.recv').length).toBeGreaterThanOrEqual(2);
      await until('a refresh line counting it', Date.now() + 30_000, async () => {
        const last = lines()
          .slice(1)
          .filter((l) => l)
          .map((l) => JSON.parse(l) as DemoRefresh)
          .at(-1);
        return (last?.workflows['order-to-delivery']?.COMPLETED ?? 0) > 0 ? true : undefined;
      });
      // A complaint about that order, filed in the CRM as a person would (the Salesforce simulator's /sim/edit),
      // runs through complaint-return: return authorisation at logistics, its receipt, the credit memo request to
      // SAP, the case closed in Salesforce.
      const orderNumber = completed.id.split(':').at(-1)!;
      const filed = await fetch(`${endpoints.simulators.salesforce}/sim/edit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'Case',
          fields: { Subject: 'Two bikes arrived damaged', Origin: 'Phone', Order_Number__c: orderNumber },
        }),
      });
      expect(filed.status).toBeLessThan(300);
      const caseId = String(((await filed.json()) as { id: string }).id);
      const complaint = await until('the complaint returned and credited', Date.now() + 120_000, async () => {
        const done = await get<Array<{ id: string }>>('/workflows?type=complaint-return&status=COMPLETED');
        return done[0];
      });
      const closed = await until('the case closed in Salesforce', Date.now() + 30_000, async () => {
        const effects = (await (
          await fetch(`${endpoints.simulators.salesforce}/sim/effects?entityType=Case`)
        ).json()) as { effects: Array<{ entityId: string; operation: string }> };
        return effects.effects.find((e) => e.entityId === caseId && e.operation === 'update');
      });
      expect(complaint.id).toMatch(/^complaint-return:/);
      expect(closed.entityId).toBe(caseId);
      for (const sink of [
        'sap-order-responses',
        'logistics-despatch',
        'salesforce-order-status',
        'logistics-asns',
        'logistics-epcis',
        'salesforce-cases',
        'logistics-returns',
        'sap-credit-memos',
        'salesforce-case-updates',
      ]) {
        // (The SAP file sinks count a record once SAP has processed its IDoc: awaitStatusMs, up to 15 s.)
        const status = await until(`${sink} applying a record`, Date.now() + 30_000, async () => {
          const current = await get<{ metrics: { recordsOut: number; recordsFailed: number } }>(
            `/connectors/${sink}/status`,
          );
          return current.metrics.recordsOut > 0 || current.metrics.recordsFailed > 0 ? current : undefined;
        });
        expect(status.metrics.recordsOut, sink).toBeGreaterThan(0);
        expect(status.metrics.recordsFailed, sink).toBe(0);
      }

      // Master data runs in the demo: sync health answers in business terms, the customer search answers.
      const health = await get<{ status: string; systems: unknown[] }>('/sync/health');
      expect(['ok', 'degraded', 'failing']).toContain(health.status);
      expect(Array.isArray(health.systems)).toBe(true);
      const found = await get<{ kind: string; hits: unknown[] }>('/customers?q=M%C3%BCller');
      expect(found.kind).toBe('name');
      expect(Array.isArray(found.hits)).toBe(true);

      // The customers the simulators held at start: read by the CRM sources' initial snapshot, matched into golden
      // records. A person held by Salesforce and HubSpot whose copies differ only in harmless ways is one customer.
      const generated = generateCustomers(DEMO_CUSTOMERS);
      const held = (system: string) => generated.records.filter((r) => r.system === system).length;
      const later = Date.now() + 60_000;
      for (const [name, records] of [
        ['salesforce-accounts', held('salesforce')],
        ['hubspot-contacts', held('hubspot')],
      ] as const) {
        await until(`${name}'s snapshot done`, later, async () => {
          const status = await get<{ task?: { snapshot?: { state: string; records: number } } }>(
            `/connectors/${name}/status`,
          );
          expect(status.task?.snapshot?.state, name).not.toBe('failed');
          return status.task?.snapshot?.state === 'done' ? status.task.snapshot : undefined;
        }).then((snapshot) => expect(snapshot.records, name).toBe(records));
      }
      const harmless = new Set(['phone_reformatted', 'street_abbreviated', 'country_variant', 'email_case']);
      const copies = (system: string) =>
        new Map(generated.truth.filter((t) => t.system === system).map((t) => [t.entityId, t]));
      const [sf, hs] = [copies('salesforce'), copies('hubspot')];
      const person = [...sf.values()]
        .filter((t) => t.type === 'Contact' && hs.has(t.entityId))
        .filter((t) => [...t.drift, ...hs.get(t.entityId)!.drift].every((d) => harmless.has(d)))
        .sort((a, b) => a.entityId.localeCompare(b.entityId))[0]!;
      expect(person, 'a person held by both CRMs').toBeDefined();
      const goldenOf = async (system: string, id: string) =>
        (await get<{ goldenId: string }>(`/customers/xref/${system}/${id}`)).goldenId;
      const golden = await until('the person matched across Salesforce and HubSpot', later, async () => {
        const [a, b] = [
          await goldenOf('salesforce', person.systemId),
          await goldenOf('hubspot', hs.get(person.entityId)!.systemId),
        ];
        return a === b ? a : undefined;
      });
      expect(golden).toMatch(/^gc-/);

      // The run's router group is its own (so each run starts at the topics' end) and goes with it.
      const routerGroups = async () =>
        (await consumerGroupIds()).filter(
          (g) => g.startsWith('eai-demo-orchestrator-') && !routerGroupsBefore.includes(g),
        );
      expect(await routerGroups()).toHaveLength(1);
      demo.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
      expect(await routerGroups()).toEqual([]);
    } finally {
      demo.kill('SIGKILL');
      await db.query(`drop schema if exists "${keptSchema}" cascade`).catch(() => undefined);
      await db.end();
    }
  }, 320_000);
});
