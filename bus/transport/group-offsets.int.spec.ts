import { afterAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { specTransport } from './test-support.ts';

const { transport, admin, closeAll, topicWith } = await specTransport('group-offsets');
afterAll(closeAll);

/**
 * `setGroupOffsets` (kafkajs's setOffsets with a short fetch wait): the offsets given are the group's committed
 * offsets once it resolves, partitions not named keep theirs, a consumer of the group starts there, and a group with
 * a live member is refused, its offsets untouched.
 */
describe('setting a group’s offsets', () => {
  it('commits the offsets given, for a new and for an existing group, and a consumer starts there', async () => {
    const { topic } = await topicWith('set-offsets', 6, 2);
    const groupId = unique('set-offsets-group');
    const offsets = async () =>
      Object.fromEntries((await admin.groupOffsets(groupId, topic)).map((o) => [o.partition, o.offset]));
    await admin.setGroupOffsets(groupId, topic, [
      { partition: 0, offset: '1' },
      { partition: 1, offset: '2' },
    ]);
    expect(await offsets()).toEqual({ 0: '1', 1: '2' });
    await admin.setGroupOffsets(groupId, topic, [{ partition: 1, offset: '0' }]);
    expect(await offsets()).toEqual({ 0: '1', 1: '0' });

    const ends = Object.fromEntries(
      (await admin.topicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
    );
    const handled: string[] = [];
    const consumer = transport.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.run({
        topics: [topic],
        fromBeginning: true,
        eachRecord: async (record) => void handled.push(`${record.partition}:${record.offset}`),
      });
      const expected = ends[0]! - 1 + ends[1]!;
      await waitFor('the records after the offsets set', () => handled.length === expected);
      expect(handled.filter((h) => h.startsWith('0:')).sort()[0]).toBe('0:1');
      expect(handled.filter((h) => h.startsWith('1:')).sort()[0]).toBe('1:0');

      // The group has a member now: moving it is refused, and its offsets stay.
      await waitFor('the handled offsets committed', async () =>
        Object.values(await offsets()).every((o, p) => Number(o) === ends[p]),
      );
      await expect(admin.setGroupOffsets(groupId, topic, [{ partition: 0, offset: '0' }])).rejects.toThrow(
        /must have no running instances, current state: Stable/,
      );
      expect(Number((await offsets())[0])).toBe(ends[0]);
    } finally {
      await consumer.disconnect();
    }
  });
});
