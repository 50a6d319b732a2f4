import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../lib/errors.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { exampleJson } from '../schemas/examples.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { describeDeadLetter } from './dlq.ts';
import type { ConsumedEvent } from './runner-decisions.ts';

const stack = testStack();
const kafka = new Kafka({
  brokers: stack.brokers.split(','),
  clientId: unique('raw'),
  logLevel: logLevel.NOTHING,
});
const fastRetry = { retries: 2, initialDelayMs: 10, maxDelayMs: 50 };

async function readAll(topic: string, count: number) {
  const consumer = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 200 });
  const out: Array<{ key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push({
        key: message.key,
        value: message.value,
        headers: message.headers as Record<string, Buffer>,
      });
    },
  });
  await waitFor(`${count} records on ${topic}`, () => out.length >= count);
  await consumer.disconnect();
  return out;
}

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return Number(result!.partitions[0]!.offset);
}

describe('consumer runner', () => {
  const bus = testBus('/eai/tests/runner');
  const producer = kafka.producer();
  let publisher: Awaited<ReturnType<typeof bus.publisher>>;

  beforeAll(async () => {
    await producer.connect();
    publisher = await bus.publisher();
  });
  afterAll(async () => {
    await producer.disconnect();
    await publisher.close();
  });

  /** A one-partition topic holding `total` orders, offsets 0 to total - 1. */
  async function topicWithOrders(prefix: string, total: number): Promise<string> {
    const topic = unique(prefix);
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    await publisher.publish(
      Array.from({ length: total }, (_, i) => ({ schema: 'SalesOrderEvent', value: order(i), topic })),
    );
    return topic;
  }

  function order(n: number) {
    const value = structuredClone(exampleJson('SalesOrderEvent')) as { salesOrder: { orderId: string } };
    value.salesOrder.orderId = `sap:${n}`;
    return value;
  }

  it('sends poison messages to the dead-letter topic with their original bytes and goes on', async () => {
    const topic = unique('poison');
    const dlqTopic = unique('dlq');
    await bus.provisionTopics([
      { topic, partitions: 1 },
      { topic: dlqTopic, partitions: 1 },
    ]);
    await publisher.publish([{ schema: 'SalesOrderEvent', value: order(1), topic }]);
    const notAvro = Buffer.from('{"this is":"json, not avro"}');
    const unknownId = Buffer.from([0, 0x3a, 0xde, 0x68, 0xb1, 2, 4, 6]);
    await producer.send({
      topic,
      messages: [
        { key: 'k-json', value: notAvro, headers: { origin: 'legacy-app' } },
        { key: 'k-unknown', value: unknownId },
      ],
    });
    await publisher.publish([{ schema: 'SalesOrderEvent', value: order(2), topic }]);
    await publisher.publish([{ schema: 'SalesOrderEvent', value: order(3), topic }]);

    const handled: string[] = [];
    const groupId = unique('group');
    const runner = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic,
      fromBeginning: true,
      retry: fastRetry,
      handler: async (event: ConsumedEvent) => {
        const id = (event.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
        if (id === 'sap:3') throw new NonRetriableError('credit block: customer sap:3 unknown');
        handled.push(id);
      },
    });
    try {
      await waitFor('two good records handled', () => handled.length === 2);
      const dead = await readAll(dlqTopic, 3);
      expect(handled).toEqual(['sap:1', 'sap:2']);
      expect(dead[0]!.value!.equals(notAvro)).toBe(true);
      expect(dead[0]!.key!.toString()).toBe('k-json');
      expect(dead[0]!.headers.origin!.toString()).toBe('legacy-app');
      expect(describeDeadLetter(dead[0]!.headers)).toMatchObject({
        topic,
        partition: 0,
        offset: '1',
        stage: 'VALUE_CONVERTER',
        exceptionClass: 'WireFormatError',
        owner: groupId,
      });
      expect(dead[1]!.value!.equals(unknownId)).toBe(true);
      expect(describeDeadLetter(dead[1]!.headers)).toMatchObject({
        offset: '2',
        exceptionClass: 'UnknownSchemaError',
      });
      expect(describeDeadLetter(dead[2]!.headers)).toMatchObject({
        offset: '4',
        stage: 'TASK_PUT',
        exceptionClass: 'NonRetriableError',
        message: 'credit block: customer sap:3 unknown',
        attempts: 1,
      });
      await waitFor('all five offsets committed', async () => (await committedOffset(groupId, topic)) === 5);
      const consumed = await metricsRegistry.getSingleMetricAsString('eai_bus_events_consumed_total');
      expect(consumed).toContain(`eai_bus_events_consumed_total{group="${groupId}",outcome="ok"} 2`);
      expect(consumed).toContain(
        `eai_bus_events_consumed_total{group="${groupId}",outcome="dead_lettered"} 3`,
      );
    } finally {
      await runner.stop();
    }
  });

  it('retries a failing handler with backoff, then dead-letters it with the attempt count', async () => {
    const topic = unique('flaky');
    const dlqTopic = unique('dlq');
    await bus.provisionTopics([
      { topic, partitions: 1 },
      { topic: dlqTopic, partitions: 1 },
    ]);
    await publisher.publish([
      { schema: 'SalesOrderEvent', value: order(1), topic },
      { schema: 'SalesOrderEvent', value: order(2), topic },
    ]);
    const calls: Record<string, number> = {};
    const runner = await bus.consume({
      groupId: unique('group'),
      topics: [topic],
      dlqTopic,
      fromBeginning: true,
      retry: fastRetry,
      handler: async (event) => {
        const id = (event.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
        calls[id] = (calls[id] ?? 0) + 1;
        // sap:1 recovers on the second try; sap:2 never does.
        if (id === 'sap:2' || calls[id] === 1) throw new Error(`ERP timeout for ${id}`);
      },
    });
    try {
      const [dead] = await readAll(dlqTopic, 1);
      expect(calls).toEqual({ 'sap:1': 2, 'sap:2': 3 });
      expect(describeDeadLetter(dead!.headers)).toMatchObject({
        stage: 'TASK_PUT',
        attempts: 3,
        message: 'ERP timeout for sap:2',
      });
    } finally {
      await runner.stop();
    }
  });

  it('commits nothing before the handler has succeeded', async () => {
    const topic = unique('slow');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    await publisher.publish([{ schema: 'SalesOrderEvent', value: order(1), topic }]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = false;
    const groupId = unique('group');
    const runner = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: true,
      handler: async () => {
        entered = true;
        await gate;
      },
    });
    try {
      await waitFor('handler entered', () => entered);
      await sleep(500);
      expect(await committedOffset(groupId, topic)).toBe(-1);
      release();
      await waitFor('offset committed', async () => (await committedOffset(groupId, topic)) === 1);
    } finally {
      release();
      await runner.stop();
    }
  });

  it('with concurrency, handles keys at once and one key in order, and commits each fetch once it is handled', async () => {
    const keys = 6;
    const perKey = 10;
    const topic = unique('concurrent');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    // Key k's records are orders sap:k (the business key), their sequence in the order's notes.
    await publisher.publish(
      Array.from({ length: keys * perKey }, (_, i) => {
        const value = order(i % keys) as { salesOrder: { orderId: string; notes: string[] } };
        value.salesOrder.notes = [String(Math.floor(i / keys))];
        return { schema: 'SalesOrderEvent', value, topic };
      }),
    );
    const groupId = unique('group');
    const seen = new Map<string, number[]>();
    let inHand = 0;
    let most = 0;
    const runner = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: true,
      concurrency: 4,
      handler: async (event) => {
        inHand += 1;
        most = Math.max(most, inHand);
        const { orderId, notes } = (event.value as { salesOrder: { orderId: string; notes: string[] } })
          .salesOrder;
        await sleep(20);
        seen.set(orderId, [...(seen.get(orderId) ?? []), Number(notes[0])]);
        inHand -= 1;
      },
    });
    try {
      await waitFor('all handled', () => [...seen.values()].flat().length === keys * perKey);
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(4);
      for (const [, sequence] of seen) expect(sequence).toEqual(Array.from({ length: perKey }, (_, i) => i));
      await waitFor('all committed', async () => (await committedOffset(groupId, topic)) === keys * perKey);
    } finally {
      await runner.stop();
    }
  });

  it('neither loses nor handles twice a committed message across a stop and restart mid-stream', async () => {
    const total = 30;
    const topic = await topicWithOrders('restart', total);
    const groupId = unique('group');
    const first: number[] = [];
    let stopRequested = false;
    const runnerA = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: true,
      handler: async (event) => {
        first.push(Number(event.record.offset));
        if (first.length === 10) stopRequested = true;
        // Slow after the tenth, so the stop lands mid-stream however fast the batch arrived.
        if (stopRequested) await sleep(100);
      },
    });
    await waitFor('ten handled', () => stopRequested);
    await runnerA.stop();
    const committed = await committedOffset(groupId, topic);
    // The stop let the record in hand finish and commit: everything handled is committed, nothing more.
    expect(committed).toBeGreaterThanOrEqual(10);
    expect(committed).toBeLessThan(total);
    expect(first).toEqual(Array.from({ length: committed }, (_, i) => i));

    const second: number[] = [];
    const runnerB = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: true,
      handler: async (event) => {
        second.push(Number(event.record.offset));
      },
    });
    try {
      await waitFor('the rest handled', () => second.length >= total - committed);
      await sleep(300);
      expect(second).toEqual(Array.from({ length: total - committed }, (_, i) => committed + i));
    } finally {
      await runnerB.stop();
    }
  });

  it('on SIGTERM finishes and commits the record in hand, then exits 0', async () => {
    const total = 20;
    const topic = await topicWithOrders('sigterm', total);
    const groupId = unique('group');
    const script = fileURLToPath(new URL('../tests/sigterm-consumer.ts', import.meta.url));
    const child = spawn(process.execPath, [script, stack.brokers, stack.registryUrl, topic, groupId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started: number[] = [];
    const done: number[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^(start|done) (\d+)$/.exec(line);
        if (match) (match[1] === 'start' ? started : done).push(Number(match[2]));
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('three records handled', () => done.length >= 3);
      // Each record takes 200 ms: wait until one is in hand, so the signal lands mid-handler.
      await waitFor('a record in hand', () => started.length > done.length);
      child.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(done).toEqual(started);
    expect(done).toEqual(Array.from({ length: done.length }, (_, i) => i));
    expect(done.length).toBeLessThan(total);
    // Committed up to exactly what was handled: a restart neither skips nor repeats a record.
    expect(await committedOffset(groupId, topic)).toBe(done.length);
  });
});
