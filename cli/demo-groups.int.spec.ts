import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerGroupIds } from '../tests/consumer-groups.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { deleteEmptyGroups } from './commands/demo.ts';

/**
 * A demo killed (SIGKILL, a closed terminal) cannot delete its router group; the next run deletes those of earlier
 * runs, but never one a running demo still uses.
 */
describe('eai demo: router groups of earlier runs', () => {
  const bus = testBus();
  const admin = bus.transport.admin();
  const kafka = new Kafka({
    clientId: 'demo-groups',
    brokers: testStack().brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: unique('eai-demo-orchestrator-spec-running-') });
  afterAll(async () => {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect();
  });

  it('deletes the empty ones under the prefix and leaves a group with members and other groups alone', async () => {
    const topic = unique('demo-groups');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    await admin.connect();
    const prefix = 'eai-demo-orchestrator-spec-';
    const killed = unique(`${prefix}killed-`);
    const other = unique('eai-demo-masterdata-spec-');
    for (const group of [killed, other])
      await admin.setGroupOffsets(group, topic, [{ partition: 0, offset: '0' }]);
    await consumer.connect();
    await consumer.subscribe({ topic });
    let joined!: () => void;
    const inGroup = new Promise<void>((resolve) => {
      joined = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachMessage: async () => undefined });
    await inGroup;

    const deleted = await deleteEmptyGroups(admin, prefix);
    expect(deleted).toContain(killed);
    const groups = await consumerGroupIds();
    expect(groups).not.toContain(killed);
    expect(groups).toContain(other);
    expect(groups.filter((g) => g.startsWith(`${prefix}running-`))).toHaveLength(1);
    await admin.deleteGroup(other);
  });

  it("deletes the groups picked by id (master data's, whose offsets an earlier run left), and no other", async () => {
    const topic = unique('demo-groups-picked');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    await admin.connect();
    const [picked, kept] = [
      unique('eai-demo-masterdata-spec-picked-'),
      unique('eai-demo-masterdata-spec-kept-'),
    ];
    for (const group of [picked, kept])
      await admin.setGroupOffsets(group, topic, [{ partition: 0, offset: '0' }]);
    expect(await deleteEmptyGroups(admin, (id) => id === picked)).toEqual([picked]);
    const groups = await consumerGroupIds();
    expect(groups).not.toContain(picked);
    expect(groups).toContain(kept);
    await admin.deleteGroup(kept);
  });
});
