import { describe, expect, it } from 'vitest';
import { readToEnd } from '../../tests/read-to-end.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { chunkByBytes, TRANSACTION_REQUEST_BYTES } from './kafkajs.ts';
import type { OutgoingRecord } from './types.ts';

const record = (topic: string, n: number, bytes = 1000): OutgoingRecord => ({
  topic,
  key: `k-${n}`,
  value: Buffer.alloc(bytes, n % 251),
  headers: { ce_id: `id-${n}` },
});

describe('a transaction larger than one record batch may be', () => {
  it('is cut into requests under the budget, in order, a larger record alone', () => {
    const records = Array.from({ length: 2500 }, (_, n) => record('t', n));
    records.splice(100, 0, record('t', -1, 2 * TRANSACTION_REQUEST_BYTES));
    const chunks = chunkByBytes(records, TRANSACTION_REQUEST_BYTES);
    expect(chunks.flat()).toEqual(records);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      const bytes = chunk.reduce((n, r) => n + (r.value?.length ?? 0), 0);
      if (chunk.length > 1) expect(bytes).toBeLessThanOrEqual(TRANSACTION_REQUEST_BYTES);
    }
    expect(chunks.find((chunk) => chunk.includes(records[100]!))).toHaveLength(1);
    expect(chunkByBytes([], TRANSACTION_REQUEST_BYTES)).toEqual([]);
  });

  it('commits 3 MB to one partition in one transaction (one request of it went over the broker’s 1 MiB batch limit)', async () => {
    const topic = unique('tx-large');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const producer = bus.transport.transactionalProducer(unique('tx-large'));
    await producer.connect();
    try {
      await producer.sendTransaction(Array.from({ length: 3000 }, (_, n) => record(topic, n)));
    } finally {
      await producer.disconnect();
    }
    // The commit's markers reach the partition a moment after the commit returns (the coordinator writes them after
    // its answer), and a read_committed end offset stays at the transaction's start until then: wait for it.
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      await waitFor('the committed records below the end offset', async () =>
        (await admin.topicOffsets(topic)).some((p) => BigInt(p.high) >= 3000n),
      );
    } finally {
      await admin.disconnect();
    }
    const read = await readToEnd(topic, () => true);
    expect(read.map((m) => m.headers.ce_id)).toEqual(Array.from({ length: 3000 }, (_, n) => `id-${n}`));
  });
});
