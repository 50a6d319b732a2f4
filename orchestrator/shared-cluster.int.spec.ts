import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBus, unique } from '../tests/stack.ts';
import { type AnyWorkflowDefinition, DefinitionSet } from './definitions.ts';
import { startEventRouter } from './router.ts';

/**
 * Two deployments (two orchestrator databases, so two router groups) on one Kafka cluster share every topic: a second
 * hub's despatch sink applied the first's commands in a trial. The router says so at start, naming the other group.
 */
const bus = testBus();
const topic = unique('t-shared.sales-order');
const other = `eai-orchestrator.${unique('other_db').replaceAll('-', '_')}`;
const own = `eai-orchestrator.${unique('own_db').replaceAll('-', '_')}`;

// A definition that only names the topic: nothing is published there, so nothing is routed.
const definitions = new DefinitionSet([
  {
    type: 'shared-cluster-spec',
    version: 1,
    name: 'shared-cluster-spec@1',
    description: 'names a topic',
    steps: [],
    graph: '',
    topics: [topic],
    route: () => [],
    workflow: async () => undefined,
    registered: async () => undefined,
  } as AnyWorkflowDefinition,
]);

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: 'warn' }, stream) };
}

let first: Awaited<ReturnType<typeof startEventRouter>> | undefined;

beforeAll(async () => {
  await bus.provisionTopics([{ topic, partitions: 1 }]);
  first = await startEventRouter({ bus, definitions, groupId: other, logger: capture().log });
});

afterAll(async () => {
  await first?.stop();
});

describe('two orchestrator deployments on one Kafka cluster', () => {
  it('the second warns at start, naming the other deployment’s router group and what to change', async () => {
    const { lines, log } = capture();
    const second = await startEventRouter({ bus, definitions, groupId: own, logger: log });
    try {
      expect(second.otherDeployments).toContain(other);
      expect(second.otherDeployments).not.toContain(own);
      const warning = lines.find((line) => (line.otherGroups as string[] | undefined)?.includes(other));
      expect(warning?.msg).toMatch(
        /^another orchestrator deployment routes on this Kafka cluster \(router group .*eai-orchestrator\.other_db.*; this one: eai-orchestrator\.own_db.*\): .*sinks apply the other's commands.*its own Kafka cluster/,
      );
    } finally {
      await second.stop();
    }
  });

  it('a process of the same deployment (same router group) is no other deployment', async () => {
    const { lines, log } = capture();
    const again = await startEventRouter({ bus, definitions, groupId: other, logger: log });
    try {
      expect(again.otherDeployments).not.toContain(other);
      expect(lines.filter((line) => (line.otherGroups as string[] | undefined)?.includes(other))).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
