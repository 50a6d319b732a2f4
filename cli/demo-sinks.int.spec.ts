import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_GROUP } from '../bus/index.ts';
import { sinkGroupId } from '../connectors/index.ts';
import { testBus, unique } from '../tests/stack.ts';
import { DEMO_CONNECT_GROUP, startSinksAtEnd } from './commands/demo.ts';

describe('eai demo: its sinks start at the end of their topics', () => {
  it("moves its own connect group's sinks only: a hub's sink of the same name in another group keeps its offsets", async () => {
    const bus = testBus('/eai/tests/demo-sinks');
    const topic = unique('demo-despatch');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const producer = bus.transport.producer();
    await producer.connect();
    await producer.send(
      ['1', '2', '3'].map((n) => ({ topic, key: `order-${n}`, value: Buffer.from('an earlier run') })),
    );
    await producer.disconnect();
    const name = unique('logistics-despatch');
    const groups = [DEFAULT_CONNECT_GROUP, unique('team-b'), DEMO_CONNECT_GROUP];
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      for (const group of groups)
        await admin.setGroupOffsets(sinkGroupId(name, group), topic, [{ partition: 0, offset: '0' }]);
      await startSinksAtEnd(admin, [[name, [topic]]], DEMO_CONNECT_GROUP, pino({ level: 'silent' }));
      const committed = await Promise.all(
        groups.map(async (group) => (await admin.groupOffsets(sinkGroupId(name, group), topic))[0]?.offset),
      );
      expect(committed).toEqual(['0', '0', '3']);
    } finally {
      for (const group of groups) await admin.deleteGroup(sinkGroupId(name, group)).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
