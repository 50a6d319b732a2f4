import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { CompactedLog } from '../compacted-log.ts';
import { createKafkajsTransport } from './kafkajs.ts';
import type { TransactionalProducer } from './types.ts';

/**
 * A process killed inside a transaction leaves it open: until the broker times it out (a minute, kafkajs's default),
 * no `read_committed` reader gets past it, and the connector runtime's views of its compacted topics (positions)
 * wait there. Connecting a producer with the same transactional id takes the id over, as the Java producer's
 * initTransactions() does, and the broker aborts what the old one left open.
 */
describe('a transactional producer takes its id over when it connects', () => {
  const stack = testStack();
  const logger = createLogger('transactional-spec', 'silent');
  const transport = createKafkajsTransport({ brokers: stack.brokers.split(','), clientId: unique('txn') });
  const closing: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closing) await close().catch(() => undefined);
  });

  it('the transaction a killed producer left open is aborted, and readers get past it at once', async () => {
    const topic = unique('txn-orphan');
    const admin = transport.admin();
    await admin.connect();
    await admin.createTopics([{ topic, partitions: 1 }]);
    await admin.disconnect();
    const id = unique('txn-id');

    // The "killed" producer: a transaction with a record in it, never ended (its process is gone).
    const kafka = new Kafka({
      brokers: stack.brokers.split(','),
      clientId: unique('killed'),
      logLevel: logLevel.NOTHING,
    });
    const killed = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
    await killed.connect();
    const open = await killed.transaction();
    await open.send({ topic, acks: -1, messages: [{ key: 'k', value: 'never committed' }] });
    closing.push(() => killed.disconnect());

    const view = new CompactedLog(transport, topic, logger);
    closing.push(() => view.stop());
    const started = view.start();

    const successor: TransactionalProducer = transport.transactionalProducer(id);
    closing.push(() => successor.disconnect());
    const connectedAt = Date.now();
    await successor.connect();
    await started;
    // Well inside the minute the broker would otherwise wait before aborting it.
    expect(Date.now() - connectedAt).toBeLessThan(20_000);
    expect(view.get('k')).toBeUndefined();

    await successor.sendTransaction([{ topic, key: 'k', value: Buffer.from('committed') }]);
    await view.sync();
    expect(view.get('k')).toBe('committed');
    await expect(open.commit()).rejects.toThrow();
  });
});
