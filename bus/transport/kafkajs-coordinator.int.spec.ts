import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readToEnd } from '../../tests/read-to-end.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { cacheTransactionCoordinators } from './kafkajs-coordinator.ts';
import { createJavaPartitioner } from './kafkajs-partitioner.ts';

/** kafkajs's name of FindCoordinator requests in its instrumentation events. */
const FIND_COORDINATOR = 'GroupCoordinator';

function client(cached: boolean): Kafka {
  const kafka = new Kafka({
    brokers: testStack().brokers.split(','),
    clientId: unique('coordinator'),
    logLevel: logLevel.NOTHING,
  });
  if (cached) expect(cacheTransactionCoordinators(kafka)).toBe(true);
  return kafka;
}

function transactional(kafka: Kafka, transactionalId: string): { producer: Producer; requests: string[] } {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: createJavaPartitioner,
    retry: { retries: 2, initialRetryTime: 50 },
  });
  const requests: string[] = [];
  producer.on(producer.events.REQUEST, (event) => requests.push(event.payload.apiName));
  return { producer, requests };
}

async function commit(producer: Producer, topic: string, value: string): Promise<void> {
  const transaction = await producer.transaction();
  try {
    await transaction.send({ topic, acks: -1, messages: [{ key: value, value }] });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => undefined);
    throw error;
  }
}

const count = (requests: string[], api: string) => requests.filter((r) => r === api).length;

describe('kafkajs transaction coordinator kept per transactional id', () => {
  const topic = unique('coordinator');
  const producers: Producer[] = [];

  beforeAll(async () => {
    const admin = client(false).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
  });
  afterAll(async () => {
    for (const producer of producers) await producer.disconnect().catch(() => undefined);
  });

  it('five transactions ask for the coordinator once instead of twice each, and all five commit', async () => {
    const stock = transactional(client(false), unique('stock'));
    const kept = transactional(client(true), unique('kept'));
    producers.push(stock.producer, kept.producer);
    await stock.producer.connect();
    await kept.producer.connect();
    // The first transaction of each: on a freshly started broker the coordinator may still be loading its partition
    // of __transaction_state, and kafkajs looks it up again; the counts below are those of the settled cluster.
    await commit(stock.producer, topic, 'stock-first');
    await commit(kept.producer, topic, 'kept-first');
    expect(count(kept.requests, FIND_COORDINATOR)).toBeGreaterThanOrEqual(1);
    stock.requests.length = 0;
    kept.requests.length = 0;
    for (let i = 0; i < 5; i++) {
      await commit(stock.producer, topic, `stock-${i}`);
      await commit(kept.producer, topic, `kept-${i}`);
    }
    // kafkajs as published: one lookup before AddPartitionsToTxn and one before EndTxn (more when a request is retried,
    // as right after a broker restart); kept: none.
    expect(count(stock.requests, FIND_COORDINATOR)).toBeGreaterThanOrEqual(10);
    expect(count(kept.requests, FIND_COORDINATOR)).toBe(0);
    expect(count(kept.requests, 'EndTxn')).toBe(5);
    const read = await readToEnd(topic, (m) => /^kept-\d$/.test(m.key?.toString() ?? ''));
    expect(read.map((m) => m.value?.toString()).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `kept-${i}`));
  });

  it('a transaction begun while the previous one completes asks again at its coordinator: no metadata, no lookup', async () => {
    const kept = transactional(client(true), unique('back-to-back'));
    producers.push(kept.producer);
    await kept.producer.connect();
    await commit(kept.producer, topic, 'back-to-back-first');
    kept.requests.length = 0;
    // Back to back, each begun as soon as the previous commit returned: the broker answers CONCURRENT_TRANSACTIONS to
    // the AddPartitionsToTxn of many of them (it still writes the previous one's markers). Until three were.
    let transactions = 0;
    while (transactions < 200 && count(kept.requests, 'AddPartitionsToTxn') - transactions < 3)
      await commit(kept.producer, topic, `back-to-back-${transactions++}`);
    expect(count(kept.requests, 'AddPartitionsToTxn') - transactions).toBeGreaterThanOrEqual(3);
    // Through kafkajs's producer retry, each such answer cost a metadata refresh and a coordinator lookup.
    expect(count(kept.requests, 'Metadata')).toBe(0);
    expect(count(kept.requests, FIND_COORDINATOR)).toBe(0);
    expect(count(kept.requests, 'EndTxn')).toBe(transactions);
    const read = await readToEnd(topic, (m) => /^back-to-back-\d+$/.test(m.key?.toString() ?? ''));
    expect(read).toHaveLength(transactions);
  });

  it('a request to the coordinator that fails (fenced by a newer producer) makes the next lookup ask again', async () => {
    const id = unique('fenced');
    const older = transactional(client(true), id);
    producers.push(older.producer);
    await older.producer.connect();
    await commit(older.producer, topic, 'older-1');
    expect(count(older.requests, FIND_COORDINATOR)).toBe(1);

    // A newer producer with the same transactional id fences the older one (InitProducerId bumps the epoch).
    const newer = transactional(client(true), id);
    producers.push(newer.producer);
    await newer.producer.connect();
    await commit(newer.producer, topic, 'newer-1');

    await expect(commit(older.producer, topic, 'older-2')).rejects.toThrow();
    // The refused request dropped the kept coordinator. Whether kafkajs's abort of older-2 already looked it up again
    // depends on how far its transaction got (the CI run saw both), so the check is on the next transaction: with the
    // coordinator still kept it would ask no one (the broker pool answers), without it it asks the cluster.
    const afterFenced = count(older.requests, FIND_COORDINATOR);
    await expect(commit(older.producer, topic, 'older-3')).rejects.toThrow();
    expect(count(older.requests, FIND_COORDINATOR)).toBeGreaterThan(afterFenced);
    const read = await readToEnd(topic, (m) => /^(older|newer)-/.test(m.key?.toString() ?? ''));
    expect(read.map((m) => m.value?.toString()).sort()).toEqual(['newer-1', 'older-1']);
  });
});
