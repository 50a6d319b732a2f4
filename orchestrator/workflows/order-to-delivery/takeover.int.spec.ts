import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { databaseUrlFor, dropDatabase } from '../../../store/database.ts';
import type { OrchestratorWorkerSpec } from '../../../tests/orchestrator-worker.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { startScript, type WorkerProcess } from '../../../tests/worker-process.ts';
import { resultWhenEnded } from '../../../tests/workflow-result.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import type { OrchestratorConfigInput } from '../../config.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { type OrderOutcome, type OrderToDeliveryTopics, orderToDeliveryV1, workflowIdOf } from './index.ts';
import { type InstantResponders, shipmentEvent, startInstantResponders } from './instant-responders.ts';
import { provisionTestTopics, seedCustomers } from './test-support.ts';
import { CONFIRM_AND_DESPATCH } from './workflow.ts';

const stack = testStack();
const database = unique('eai_orch_takeover').replaceAll('-', '_');
const bus = testBus();
const HEARTBEAT_MS = 300;
const DEAD_AFTER_MS = 2000;
let sap: Awaited<ReturnType<typeof startSap>>;
let responders: InstantResponders;
let topics: OrderToDeliveryTopics;
let orchestrator: Orchestrator | undefined;
let child: WorkerProcess | undefined;
let client: DBOSClient | undefined;

function config(executorId: string): OrchestratorConfigInput {
  return {
    databaseUrl: stack.databaseUrl,
    database,
    executorId,
    heartbeatMs: HEARTBEAT_MS,
    deadAfterMs: DEAD_AFTER_MS,
    brokers: stack.brokers,
    registryUrl: stack.registryUrl,
    routerGroup: `${database}-router`,
    sapUrl: sap.sim.url,
  };
}

beforeAll(async () => {
  sap = await startSap();
  await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-takeover'));
  // The responders answer the CRM update with the delivery, never the despatch request with an ASN: the spec
  // publishes the ASNs itself once A is dead, so A's instances wait for them until the kill (nothing else can move
  // them on), whatever the timing.
  responders = await startInstantResponders(bus, {
    groupId: unique('takeover-responders'),
    topics,
    answers: ['delivery'],
  });
});

afterAll(async () => {
  await child?.kill();
  await client?.destroy();
  await orchestrator?.stop();
  await responders?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

describe('takeover of a dead instance', () => {
  it("a live instance resumes a SIGKILLed instance's pending workflows within deadAfter + heartbeat, once", async () => {
    const orders = Array.from({ length: 10 }, (_, i) => ({
      orderId: unique(`sap:take-${i}`),
      kunnr: '0000700001',
    }));
    const ids = orders.map((o) => workflowIdOf(o.orderId));
    const spec: OrchestratorWorkerSpec = { workerId: 'A', config: config('A'), topics, orders };
    // A is ready once each of its instances waits for its ASN, which only this spec sends, after the kill.
    child = await startScript(
      new URL('../../../tests/orchestrator-worker.ts', import.meta.url),
      spec,
      'A',
      60_000,
    );
    client = await DBOSClient.create({ systemDatabaseUrl: databaseUrlFor(stack.databaseUrl, database) });
    const before = await client.listWorkflows({ workflowIDs: ids });
    expect(before.map((w) => [w.workflowID, w.status, w.executorId]).sort()).toEqual(
      ids.map((id) => [id, 'PENDING', 'A']).sort(),
    );
    orchestrator = await startOrchestrator(config('B'), { definitions: [orderToDeliveryV1(topics)] });

    const killedAt = Date.now();
    await child.kill();
    // The ASNs arrive while A is dead: B's router hands them to A's instances, which B resumes.
    const publisher = await bus.publisher();
    try {
      await publisher.publish(
        orders.map((o) => shipmentEvent(topics.shipment, o.orderId, 'SHIPPED', `corr-${o.orderId}`)),
      );
    } finally {
      await publisher.close();
    }
    await waitFor(
      'every pending workflow of A owned by B',
      async () =>
        (await Promise.all(ids.map((id) => DBOS.getWorkflowStatus(id)))).every((s) => s?.executorId === 'B'),
      DEAD_AFTER_MS + HEARTBEAT_MS * 2 + 10_000,
    );
    // The bound is the wait's (dead-after + two heartbeats + 10 s of slack for a loaded CI machine); the figure is logged.
    const tookMs = Date.now() - killedAt;
    console.log(`takeover of ${ids.length} workflows took ${tookMs} ms after SIGKILL`);

    // B finishes each instance once: the ASN, then the CRM update, whose delivery the responders send.
    const outcomes = await Promise.all(
      ids.map((id) => resultWhenEnded<OrderOutcome>(orchestrator!, id, 30_000)),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(ids.map(() => 'COMPLETED'));
    for (const id of ids) {
      const names = ((await DBOS.listWorkflowSteps(id)) ?? []).map((s) => s.name);
      expect(names.filter((n) => n === 'crm-status')).toHaveLength(1);
      expect(names.filter((n) => n === CONFIRM_AND_DESPATCH)).toHaveLength(1);
    }
    // One command per order: a record the responders' group is handed again after a rebalance is the same command
    // (same ce_id, which the CRM sink dedups), so ids are counted, not deliveries.
    for (const { orderId } of orders) {
      const crm = responders.seen.filter(
        (c) => c.orderId === orderId && c.topic === COMMAND_TOPICS.crmOrderStatus,
      );
      expect(new Set(crm.map((c) => c.id)).size).toBe(1);
    }
    const { rows } = await orchestrator.pool.query(
      'select taken_over_by from eai_orchestrator.executors where executor_id = $1',
      ['A'],
    );
    expect(rows).toEqual([{ taken_over_by: 'B' }]);
  });

  it('refuses a second live process with the same executor id, before it starts anything', async () => {
    // B runs (above). Another start as B would recover and run B's workflows a second time.
    const started = Date.now();
    await expect(
      startOrchestrator(config('B'), { definitions: [orderToDeliveryV1(topics)] }),
    ).rejects.toThrow(/executor id "B" is in use by another live process .*EAI_ORCHESTRATOR_EXECUTOR_ID/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000); // it waited for a just-killed holder to go
    // The refused start changed nothing: B still runs its instances' routes and heartbeat.
    const { rows } = await orchestrator!.pool.query(
      `select executor_id from eai_orchestrator.executors where executor_id = 'B' and last_beat > now() - interval '5 seconds'`,
    );
    expect(rows).toHaveLength(1);
  });

  it('leaves alone an executor whose heartbeat is late while its process still holds its live lock', async () => {
    const frozen = new pg.Client({ connectionString: databaseUrlFor(stack.databaseUrl, database) });
    await frozen.connect();
    try {
      // C: a process alive but frozen (its live lock held), its heartbeat a minute old.
      await frozen.query(`select pg_advisory_lock(hashtext('eai-orchestrator-live'), hashtext('C'))`);
      await frozen.query(
        `insert into eai_orchestrator.executors (executor_id, application_version, last_beat)
         values ('C', 'x', now() - interval '1 minute')`,
      );
      await orchestrator!.executors.takeOverDead();
      const takenBy = async () =>
        (
          await orchestrator!.pool.query(
            `select taken_over_by from eai_orchestrator.executors where executor_id = 'C'`,
          )
        ).rows[0]?.taken_over_by;
      expect(await takenBy()).toBeNull();
      // Its process dies (the session ends, PostgreSQL releases the lock): now it is taken over.
      await frozen.query(`select pg_advisory_unlock(hashtext('eai-orchestrator-live'), hashtext('C'))`);
      await orchestrator!.executors.takeOverDead();
      expect(await takenBy()).toBe('B');
    } finally {
      await frozen.end();
    }
  });
});
