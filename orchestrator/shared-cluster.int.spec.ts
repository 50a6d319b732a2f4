import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransportAdmin } from '../bus/index.ts';
import { dropDatabase } from '../store/database.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type AnyWorkflowDefinition, DefinitionSet } from './definitions.ts';
import { startOrchestrator } from './engine.ts';
import { startEventRouter } from './router.ts';
import { otherDeploymentsOnCluster, SharedKafkaCluster } from './shared-cluster.ts';

/**
 * Two deployments (two orchestrator databases, so two router groups) on one Kafka cluster share every topic: a second
 * hub's despatch sink applied the first's commands in a trial. The second is refused at start, naming the other's
 * group and what to change; it used to only warn (and the first never heard of it).
 */
const stack = testStack();
const bus = testBus();
const topic = unique('t-shared.sales-order');
const elsewhere = unique('t-shared-elsewhere.sales-order');
const otherDb = unique('other_db').replaceAll('-', '_');
const other = `eai-orchestrator.${otherDb}`;
const ownDb = unique('own_db').replaceAll('-', '_');
const own = `eai-orchestrator.${ownDb}`;
/** A router group named as the hub names them, live on a topic of its own (another test's deployment). */
const apart = `eai-orchestrator.${unique('apart_db').replaceAll('-', '_')}`;

// A definition that only names a topic: nothing is published there, so nothing is routed.
function naming(t: string): DefinitionSet {
  return new DefinitionSet([
    {
      type: 'shared-cluster-spec',
      version: 1,
      name: 'shared-cluster-spec@1',
      description: 'names a topic',
      steps: [],
      graph: '',
      topics: [t],
      route: () => [],
      workflow: async () => undefined,
      registered: async () => undefined,
    } as AnyWorkflowDefinition,
  ]);
}

const silent = pino({ level: 'silent' });
let routers: Array<Awaited<ReturnType<typeof startEventRouter>>> = [];

beforeAll(async () => {
  await bus.provisionTopics([
    { topic, partitions: 1 },
    { topic: elsewhere, partitions: 1 },
  ]);
  routers = [
    await startEventRouter({ bus, definitions: naming(topic), groupId: other, logger: silent }),
    await startEventRouter({ bus, definitions: naming(elsewhere), groupId: apart, logger: silent }),
  ];
});

afterAll(async () => {
  for (const router of routers) await router.stop();
  await dropDatabase(stack.databaseUrl, ownDb);
});

/** The cluster's admin, counting the describe requests it is asked (each goes to Kafka as asked). */
function countingAdmin(admin: TransportAdmin) {
  const asked = { describeGroup: 0, describeGroups: 0 };
  const counted: TransportAdmin = Object.create(admin);
  counted.describeGroup = (groupId) => {
    asked.describeGroup++;
    return admin.describeGroup(groupId);
  };
  counted.describeGroups = (groupIds) => {
    asked.describeGroups++;
    return admin.describeGroups(groupIds);
  };
  return { counted, asked };
}

describe('two orchestrator deployments on one Kafka cluster', () => {
  it('the second is refused at start, in one line naming the other deployment’s router group and what to change', async () => {
    const refused = await startOrchestrator(
      {
        databaseUrl: stack.databaseUrl,
        database: ownDb,
        executorId: unique('shared-cluster'),
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
      },
      { definitions: naming(topic).all, logger: silent },
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SharedKafkaCluster);
    const message = (refused as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      new RegExp(
        `^another orchestrator deployment routes on this Kafka cluster \\(router group ${other}, reading ${topic}; this one: ${own}\\), so this one does not start: .*sinks would apply the other's commands.*Give this deployment its own Kafka cluster, or run it as a process of that deployment \\(EAI_ORCHESTRATOR_DATABASE=${otherDb}\\)`,
      ),
    );
    // The deployment on other topics is none of its business.
    expect(message).not.toContain(apart);
    // Refused before its router started: its group committed nothing.
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      expect((await admin.groupOffsets(own, topic)).filter((o) => BigInt(o.offset) >= 0n)).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('describes the router groups in one request; the same group and a group on other topics are no other deployment', async () => {
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      const { counted, asked } = countingAdmin(admin);
      expect(await otherDeploymentsOnCluster(counted, own, [topic])).toEqual([
        { group: other, topics: [topic] },
      ]);
      // It used to describe every router group on the cluster one after the other.
      expect(asked).toEqual({ describeGroup: 0, describeGroups: 1 });
      expect(await otherDeploymentsOnCluster(counted, other, [topic])).toEqual([]);
      expect((await otherDeploymentsOnCluster(counted, own, [elsewhere])).map((o) => o.group)).toEqual([
        apart,
      ]);
    } finally {
      await admin.disconnect();
    }
  });
});
