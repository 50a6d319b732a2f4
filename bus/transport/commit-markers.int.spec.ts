import { afterAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { specTransport } from './test-support.ts';

const { transport, admin, closing, closeAll } = await specTransport('markers');
afterAll(closeAll);

/**
 * Records written in transactions are each followed by a commit marker, an offset no consumer is handed. A group that
 * has handled everything must stand at the partition's end, not one short per transaction's partition: the hub's
 * backlog figures (sync health's "changes not yet matched", connector and router lag) are end minus committed.
 */
describe('the consumer commits past commit markers', () => {
  for (const concurrency of [1, 4]) {
    it(`an idle group stands at the partition's end after two transactions (concurrency ${concurrency})`, async () => {
      const topic = unique('txn-markers');
      await admin.connect();
      closing.push(() => admin.disconnect());
      await admin.createTopics([{ topic, partitions: 1 }]);
      const producer = transport.transactionalProducer(unique('txn-markers-id'));
      await producer.connect();
      closing.push(() => producer.disconnect());
      for (const batch of [['a', 'b'], ['c']])
        await producer.sendTransaction(batch.map((key) => ({ topic, key, value: Buffer.from(key) })));
      // Three records and two markers. The coordinator writes a transaction's marker after it has answered its end
      // (CI once read 3 here): waited for, not read at once.
      await waitFor('both markers written', async () => (await admin.topicOffsets(topic))[0]!.high === '5');

      const groupId = unique('txn-markers-group');
      const handled: string[] = [];
      const consumer = transport.consumer({ groupId });
      await consumer.connect();
      closing.push(() => consumer.disconnect());
      await consumer.run({
        topics: [topic],
        fromBeginning: true,
        concurrency,
        eachRecord: async (record) => void handled.push(record.key!.toString()),
      });
      await waitFor('three records handled', () => handled.length === 3);
      const committed = async () => (await admin.groupOffsets(groupId, topic))[0]?.offset;
      await waitFor('the group committed to the end', async () => (await committed()) === '5', 15_000);
      expect(handled).toEqual(['a', 'b', 'c']);
    });
  }
});
