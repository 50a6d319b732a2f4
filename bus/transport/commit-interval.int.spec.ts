import { afterAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { specTransport } from './test-support.ts';

const { transport, admin, closing, closeAll, topicWith } = await specTransport('commits');
afterAll(closeAll);

/**
 * A consumer commits what it handled together, at most once per `commitIntervalMs` (one OffsetCommit request for
 * many fetches, not one each), and everything handled when it stops; a record that fails has what was handled before
 * it committed first, so it is the first one delivered again.
 */
describe('the consumer commits handled offsets together', () => {
  const committed = async (groupId: string, topic: string) =>
    Number((await admin.groupOffsets(groupId, topic))[0]?.offset ?? -1);

  // The two concurrencies at once (each its own topic and group): each waits out its 4 s interval.
  for (const concurrency of [1, 4]) {
    it.concurrent(`holds commits for the interval, then commits the latest, and all on stop (concurrency ${concurrency})`, async () => {
      const { topic } = await topicWith('commit-interval', 1);
      const groupId = unique('commit-interval-group');
      const handled: string[] = [];
      const consumer = transport.consumer({ groupId });
      await consumer.connect();
      await consumer.run({
        topics: [topic],
        fromBeginning: true,
        concurrency,
        commitIntervalMs: 4_000,
        eachRecord: async (record) => void handled.push(record.value!.toString()),
      });
      await waitFor('the first record handled', () => handled.length === 1);
      // The first commit goes at once; what is handled in the next 4 s waits for one commit.
      await waitFor('the first commit', async () => (await committed(groupId, topic)) === 1);
      const producer = transport.producer();
      await producer.connect();
      for (let wave = 0; wave < 4; wave++) {
        await producer.send(
          Array.from({ length: 25 }, (_, i) => ({
            topic,
            key: `w${wave}-${i}`,
            value: Buffer.from(`${wave}`),
          })),
        );
        await waitFor(`wave ${wave} handled`, () => handled.length === 1 + 25 * (wave + 1));
      }
      expect(await committed(groupId, topic)).toBe(1);
      await waitFor(
        'the interval commits the latest',
        async () => (await committed(groupId, topic)) === 101,
        10_000,
      );

      await producer.send([{ topic, key: 'late', value: Buffer.from('late') }]);
      await producer.disconnect();
      await waitFor('one more handled', () => handled.length === 102);
      await consumer.disconnect();
      expect(await committed(groupId, topic)).toBe(102);
    });
  }

  it('commits what was handled before a failing record, which is delivered again first', async () => {
    const { topic } = await topicWith('commit-interval', 20);
    const groupId = unique('commit-interval-fail');
    const seen: number[] = [];
    let failures = 0;
    const consumer = transport.consumer({ groupId });
    await consumer.connect();
    closing.push(() => consumer.disconnect());
    await consumer.run({
      topics: [topic],
      fromBeginning: true,
      commitIntervalMs: 60_000,
      eachRecord: async (record) => {
        const n = Number(record.value!.toString());
        seen.push(n);
        if (n === 12 && failures++ === 0) throw new Error('once');
      },
    });
    await waitFor('all 20 handled', () => seen.includes(19), 30_000);
    // 0..12 (12 failing), then 12 again first: nothing before it handled twice.
    expect(seen.slice(0, 14)).toEqual([...Array.from({ length: 13 }, (_, i) => i), 12]);
    expect(seen.filter((n) => n < 12).length).toBe(12);
  });

  // A rebalance while handled offsets wait for their commit: kafkajs fetches a partition again from its committed
  // offset after any join, so what was handled and not yet committed was handled again (CI: a dead-letter topic got
  // its three letters twice). Handled offsets are committed when the rebalance begins, and a member that keeps a
  // partition goes on from what it handled.
  for (const concurrency of [1, 4]) {
    it.concurrent(`handles nothing twice across a rebalance while commits wait (concurrency ${concurrency})`, async () => {
      const { topic, producer } = await topicWith('commit-rebalance', 0, 2);
      const send = (wave: string) =>
        producer.send(
          Array.from({ length: 20 }, (_, i) => ({
            topic,
            key: `${wave}${i}`,
            value: Buffer.from(`${wave}${i}`),
          })),
        );
      const groupId = unique('commit-rebalance-group');
      const handled: string[] = [];
      const member = async () => {
        // Heartbeats every 500 ms, not 3 s: the first member hears of the rebalance the second one's join begins at
        // its next heartbeat, and the join waited for it.
        const consumer = transport.consumer({ groupId, heartbeatIntervalMs: 500 });
        await consumer.connect();
        closing.push(() => consumer.disconnect());
        await consumer.run({
          topics: [topic],
          fromBeginning: true,
          concurrency,
          commitIntervalMs: 60_000,
          eachRecord: async (record) => void handled.push(record.value!.toString()),
        });
        await consumer.ready();
      };
      await send('a');
      await member();
      await waitFor('the first 20 handled', () => handled.length === 20);
      // A second member joins: the group rebalances while 18 or more handled offsets wait for the interval.
      await member();
      await send('b');
      await waitFor('40 handled', () => handled.length >= 40, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const twice = handled.filter((value, i) => handled.indexOf(value) !== i);
      expect(twice).toEqual([]);
      expect(new Set(handled).size).toBe(40);
    });
  }
});
