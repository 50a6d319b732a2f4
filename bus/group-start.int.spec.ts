import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { testStack, unique } from '../tests/stack.ts';
import { pinGroupStart } from './group-start.ts';
import { createKafkajsTransport } from './transport/kafkajs.ts';
import type { TransportAdmin } from './transport/types.ts';

/**
 * Seen in CI on a loaded machine: two orchestrator instances of one deployment started at the same moment, and one
 * died at start with "The consumer group must have no running instances, current state: Stable". Pinning a group's
 * start joins the group for a moment; the second instance's pin met the first's short-lived member, and by the time
 * it asked the group's state the member had left ("Empty"), so it took the refusal for its own fault.
 */
describe('pinGroupStart, by several instances starting at once', () => {
  const brokers = testStack().brokers.split(',');
  const transport = createKafkajsTransport({ brokers, clientId: unique('pin') });

  async function topicOf(partitions: number): Promise<string> {
    const topic = unique('pin');
    const admin = transport.admin();
    await admin.connect();
    await admin.createTopics([{ topic, partitions }]);
    await admin.disconnect();
    return topic;
  }

  it('pins once another instance’s short-lived member has left the group, instead of failing the start', async () => {
    const topic = await topicOf(2);
    const groupId = unique('pin-group');
    // The other instance's member, in the group while this pin asks to join, gone when it asks the group's state.
    const other = new Kafka({ brokers, clientId: unique('other'), logLevel: logLevel.NOTHING }).consumer({
      groupId,
    });
    await other.connect();
    await other.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => other.on(other.events.GROUP_JOIN, () => resolve()));
    await other.run({ eachMessage: async () => {} });
    await joined;
    const admin = transport.admin();
    await admin.connect();
    let refusals = 0;
    const racing: TransportAdmin = Object.assign(Object.create(admin) as TransportAdmin, {
      setGroupOffsets: async (...args: Parameters<TransportAdmin['setGroupOffsets']>) => {
        try {
          return await admin.setGroupOffsets(...args);
        } catch (error) {
          refusals++;
          await other.disconnect();
          throw error;
        }
      },
    });
    try {
      const [start] = await pinGroupStart(racing, groupId, [topic], 'earliest');
      expect(refusals).toBe(1);
      expect(start).toEqual({ topic, from: 'earliest', pinned: { 0: '0', 1: '0' } });
      const committed = await admin.groupOffsets(groupId, topic);
      expect(committed.map((o) => [o.partition, o.offset]).sort()).toEqual([
        [0, '0'],
        [1, '0'],
      ]);
    } finally {
      await admin.disconnect();
      await other.disconnect();
    }
  });

  it('six at once: every one starts, and the group starts where one of them pinned it', async () => {
    const topic = await topicOf(3);
    const groupId = unique('pin-group');
    const admins = Array.from({ length: 6 }, () => transport.admin());
    try {
      for (const admin of admins) await admin.connect();
      const starts = await Promise.all(
        admins.map((admin) => pinGroupStart(admin, groupId, [topic], 'earliest')),
      );
      // `active`: it met another's short-lived member still in the group, which pins for it.
      for (const [start] of starts) expect(['earliest', 'committed', 'active']).toContain(start!.from);
      expect(starts.filter(([start]) => start!.from === 'earliest').length).toBeGreaterThanOrEqual(1);
      const committed = await admins[0]!.groupOffsets(groupId, topic);
      expect(committed.map((o) => [o.partition, o.offset]).sort()).toEqual([
        [0, '0'],
        [1, '0'],
        [2, '0'],
      ]);
    } finally {
      for (const admin of admins) await admin.disconnect();
    }
  });
});
