import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../../bus/index.ts';
import { startSap } from '../../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../../store/database.ts';
import { testBus, testStack, unique } from '../../../tests/stack.ts';
import { waitFor } from '../../../tests/wait-for.ts';
import { type Orchestrator, startOrchestrator } from '../../engine.ts';
import { type OrderToDeliveryTopics, orderToDeliveryV1, workflowIdOf } from './index.ts';
import { provisionTestTopics, salesOrderEvent, seedCustomers } from './test-support.ts';

const stack = testStack();
const bus = testBus();
const databases: string[] = [];
let sap: Awaited<ReturnType<typeof startSap>>;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let kunnr: string;
let orchestrator: Orchestrator | undefined;

/** An orchestrator on a database of its own (a fresh DBOS system database), so its router's group is new too. */
async function freshOrchestrator(routerFromBeginning?: boolean): Promise<Orchestrator> {
  const database = unique('eai_orch_start').replaceAll('-', '_');
  databases.push(database);
  return startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'router-start-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `${database}-router`,
      sapUrl: sap.sim.url,
      ...(routerFromBeginning === undefined ? {} : { routerFromBeginning }),
    },
    { definitions: [orderToDeliveryV1(topics)] },
  );
}

beforeAll(async () => {
  sap = await startSap();
  kunnr = (await seedCustomers(sap.sim.url)).good;
  topics = await provisionTestTopics(bus, unique('t-start'), 1);
  publisher = await bus.publisher();
});

afterAll(async () => {
  await orchestrator?.stop();
  await publisher?.close();
  await sap?.close();
  for (const database of databases) await dropDatabase(stack.databaseUrl, database);
});

describe('where a new orchestrator router starts (auto.offset.reset)', () => {
  it('a fresh database starts at the end: orders already on the bus start no workflow; earliest replays them', async () => {
    const historical = unique('sap:old');
    await publisher.publish([salesOrderEvent(topics, historical, kunnr)]);

    orchestrator = await freshOrchestrator();
    expect(orchestrator.routerStart).toContainEqual({
      topic: topics.salesOrder,
      from: 'latest',
      pinned: { 0: '1' },
    });
    const fresh = unique('sap:new');
    await publisher.publish([salesOrderEvent(topics, fresh, kunnr)]);
    await waitFor(
      'the new order’s workflow',
      async () => (await DBOS.getWorkflowStatus(workflowIdOf(fresh))) !== null,
      20_000,
    );
    expect(await DBOS.getWorkflowStatus(workflowIdOf(historical))).toBeNull();
    await orchestrator.stop();

    // A deliberate replay: every order the topic holds.
    orchestrator = await freshOrchestrator(true);
    expect(orchestrator.routerStart).toContainEqual({
      topic: topics.salesOrder,
      from: 'earliest',
      pinned: { 0: '0' },
    });
    await waitFor(
      'the historical order’s workflow, replayed',
      async () => (await DBOS.getWorkflowStatus(workflowIdOf(historical))) !== null,
      20_000,
    );
  });
});
