import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { exampleJson } from '../schemas/examples.ts';
import { readToEnd } from '../tests/read-to-end.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type TcpGate, tcpGate } from '../tests/tcp-gate.ts';
import { waitFor } from '../tests/wait-for.ts';
import { describeDeadLetter } from './dlq.ts';
import { createRegistryClient } from './registry.ts';
import { type ConsumerRunnerOptions, startConsumerRunner } from './runner.ts';
import type { ConsumedEvent } from './runner-decisions.ts';
import { AvroSerde } from './serde.ts';

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

/** The dead letters `owner` (a group) wrote to `dlqTopic`, read to the topic's end now. */
async function deadLettersOf(dlqTopic: string, owner: string) {
  const letters = await readToEnd(dlqTopic, (m) => m.headers['__connect.errors.connector.name'] === owner);
  return letters.map((m) => ({
    ...m,
    headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])),
  }));
}

/** The TCP connections this process holds open (each Kafka client's to the broker among them). */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

/** The stack's schema registry, host and port, for a gate in front of it. */
function registryTarget(): { host: string; port: number } {
  const url = new URL(testStack().registryUrl);
  return { host: url.hostname, port: Number(url.port) };
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
    let refused = 0;
    const groupId = unique('group');
    const runner = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic,
      fromBeginning: true,
      retry: fastRetry,
      handler: async (event: ConsumedEvent) => {
        const id = (event.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
        if (id === 'sap:3') {
          refused += 1;
          throw new NonRetriableError('credit block: customer sap:3 unknown');
        }
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
        attempts: 1,
      });
      expect(dead[0]!.headers['__connect.errors.class.name']!.toString()).toBe('eai.bus.AvroSerde');
      expect(dead[1]!.value!.equals(unknownId)).toBe(true);
      expect(describeDeadLetter(dead[1]!.headers)).toMatchObject({
        offset: '2',
        stage: 'VALUE_CONVERTER',
        exceptionClass: 'UnknownSchemaError',
      });
      expect(describeDeadLetter(dead[2]!.headers)).toMatchObject({
        offset: '4',
        stage: 'TASK_PUT',
        exceptionClass: 'NonRetriableError',
        message: 'credit block: customer sap:3 unknown',
        attempts: 1,
      });
      // Refused for good: dead-lettered at once, without a retry, and said to be no retriable failure.
      expect(refused).toBe(1);
      expect(dead[2]!.headers['__eai.errors.retriable']!.toString()).toBe('false');
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

  it('retries a failing handler with backoff, then dead-letters it with the attempt count and lets it be committed', async () => {
    const topic = unique('flaky');
    const dlqTopic = unique('dlq');
    await bus.provisionTopics([
      { topic, partitions: 1 },
      { topic: dlqTopic, partitions: 1 },
    ]);
    const [, second] = await publisher.publish([
      { schema: 'SalesOrderEvent', value: order(1), topic },
      { schema: 'SalesOrderEvent', value: order(2), topic },
    ]);
    const calls: Record<string, number> = {};
    const thrown: unknown[] = [];
    const told: Array<[ConsumedEvent['record'], unknown]> = [];
    const groupId = unique('group');
    const runner = await bus.consume({
      groupId,
      topics: [topic],
      dlqTopic,
      fromBeginning: true,
      retry: fastRetry,
      handler: async (event) => {
        const id = (event.value as { salesOrder: { orderId: string } }).salesOrder.orderId;
        calls[id] = (calls[id] ?? 0) + 1;
        // sap:1 recovers on the second try; sap:2 never does.
        if (id === 'sap:2' || calls[id] === 1) {
          const error = new Error(`ERP timeout for ${id}`);
          thrown.push(error);
          throw error;
        }
      },
      onDeadLetter: (record, error) => void told.push([record, error]),
    });
    try {
      // The dead letter is written before the offset is committed: both offsets committed, every letter is there.
      await waitFor('both offsets committed', async () => (await committedOffset(groupId, topic)) === 2);
      const dead = await readAll(dlqTopic, 1);
      expect(calls).toEqual({ 'sap:1': 2, 'sap:2': 3 });
      // sap:1, which recovered, was not dead-lettered: one letter, sap:2's.
      expect(dead).toHaveLength(1);
      expect(describeDeadLetter(dead[0]!.headers)).toMatchObject({
        topic,
        partition: 0,
        offset: '1',
        owner: groupId,
        stage: 'TASK_PUT',
        attempts: 3,
        message: 'ERP timeout for sap:2',
      });
      // The original record byte for byte, its envelope kept, and what failed in Kafka Connect's headers.
      const [original] = await readAll(topic, 2).then((records) => records.slice(1));
      expect(dead[0]!.key!.toString()).toBe(second!.key);
      expect(dead[0]!.value!.equals(original!.value!)).toBe(true);
      expect(dead[0]!.headers.ce_type!.toString()).toBe(original!.headers.ce_type!.toString());
      expect(dead[0]!.headers['__eai.errors.retriable']!.toString()).toBe('true');
      expect(dead[0]!.headers['__connect.errors.class.name']!.toString()).toBe('eai.bus.ConsumerRunner');
      // Told once, of that record and the handler's last failure.
      expect(told).toHaveLength(1);
      expect(told[0]![0]).toMatchObject({ topic, partition: 0, offset: '1' });
      expect(told[0]![1]).toBe(thrown.at(-1));
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

  /** A group as the broker describes it: its state, its members and the topics they read. */
  async function groupOf(groupId: string) {
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      const [group] = await admin.describeGroups([groupId]);
      return group;
    } finally {
      await admin.disconnect();
    }
  }

  /** A one-partition topic holding one order (sap:0) and a dead-letter topic, for the tests of a describe. */
  async function oneOrderTopics(prefix: string): Promise<{ topic: string; dlqTopic: string }> {
    const topic = await topicWithOrders(prefix, 1);
    const dlqTopic = unique(`dlq-${prefix}`);
    await bus.provisionTopics([{ topic: dlqTopic, partitions: 1 }]);
    return { topic, dlqTopic };
  }

  /** A runner of a new group on `topic` with the bus's transport and serde, its log lines kept when `lines` is given. */
  function runnerOn(
    topic: string,
    dlqTopic: string,
    options: Partial<ConsumerRunnerOptions> & Pick<ConsumerRunnerOptions, 'handler'>,
    lines?: string[],
  ) {
    const logger = lines
      ? pino({ level: 'info' }, { write: (line: string) => void lines.push(line) })
      : createLogger('runner-int', 'silent');
    return startConsumerRunner(bus.transport, bus.serde, {
      groupId: unique('group'),
      topics: [topic],
      dlqTopic,
      fromBeginning: true,
      retry: fastRetry,
      logger,
      ...options,
    });
  }

  describe('its consumer, producer and lifecycle', () => {
    let orders: string;
    let more: string;
    let dlqTopic: string;
    let keyOfFirst: string;

    beforeAll(async () => {
      orders = unique('lifecycle');
      more = unique('lifecycle-more');
      dlqTopic = unique('dlq-lifecycle');
      await bus.provisionTopics([
        { topic: orders, partitions: 1 },
        { topic: more, partitions: 1 },
        { topic: dlqTopic, partitions: 1 },
      ]);
      // orders: 0 an order, 1 its key's tombstone, 2 an order without a key, 3 a JSON receipt, 4 malformed JSON.
      const [first] = await publisher.publish([
        { schema: 'SalesOrderEvent', value: order(1), topic: orders },
      ]);
      keyOfFirst = first!.key;
      const [keyless] = await publisher.prepare([
        { schema: 'SalesOrderEvent', value: order(2), topic: orders },
      ]);
      const json = { ce_type: 'eai.receipt.applied', 'content-type': 'application/json' };
      await producer.send({
        topic: orders,
        messages: [
          { key: keyOfFirst, value: null },
          { key: null, value: keyless!.value, headers: keyless!.headers },
          { key: 'wf:step', value: '{"commandId":"wf:step","outcome":"APPLIED"}', headers: json },
          { key: 'wf:step', value: '{"commandId":', headers: json },
        ],
      });
      await publisher.publish([{ schema: 'SalesOrderEvent', value: order(9), topic: more }]);
    });

    it('runs on its topics from the beginning and hands each handler its event; a tombstone goes nowhere, malformed JSON to the dead letters; stops its clients, twice without harm', async () => {
      const sockets = openSockets();
      const events: ConsumedEvent[] = [];
      const groupId = unique('group');
      const runner = await runnerOn(orders, dlqTopic, {
        groupId,
        topics: [orders, more],
        sessionTimeoutMs: 12_345,
        handler: async (event) => void events.push(event),
      });
      try {
        await runner.ready();
        await waitFor('both topics read to their end', async () => {
          const [a, b] = [await committedOffset(groupId, orders), await committedOffset(groupId, more)];
          return a === 5 && b === 1;
        });
        const group = (await groupOf(groupId))!;
        expect(group).toMatchObject({ state: 'Stable', members: 1 });
        expect([...group.topics].sort()).toEqual([orders, more].sort());
      } finally {
        await runner.stop();
      }
      // A second stop has nothing left to do, and throws nothing.
      await runner.stop();
      expect(await groupOf(groupId)).toMatchObject({ state: 'Empty', members: 0 });
      // The consumer's and the producer's connections to the broker are closed.
      await waitFor('the runner closed its connections', () => openSockets() <= sockets, 5_000);

      const byOffset = new Map(events.map((e) => [`${e.record.topic}:${e.record.offset}`, e]));
      // The tombstone (orders:1) and the malformed JSON (orders:4) reached no handler.
      expect([...byOffset.keys()].sort()).toEqual(
        [`${orders}:0`, `${orders}:2`, `${orders}:3`, `${more}:0`].sort(),
      );
      expect(events).toHaveLength(4);
      expect(byOffset.get(`${orders}:0`)).toMatchObject({
        schemaName: 'eai.canonical.SalesOrderEvent',
        key: keyOfFirst,
        attributes: { type: 'eai.canonical.SalesOrderEvent', source: '/eai/tests/runner' },
        value: { salesOrder: { orderId: 'sap:1' } },
        record: { topic: orders, partition: 0, offset: '0' },
      });
      expect(byOffset.get(`${orders}:2`)).toMatchObject({
        key: null,
        value: { salesOrder: { orderId: 'sap:2' } },
      });
      expect(byOffset.get(`${more}:0`)).toMatchObject({ value: { salesOrder: { orderId: 'sap:9' } } });
      // A JSON CloudEvent among the Avro ones: parsed, named by its ce_type (the serde would have refused its bytes).
      expect(byOffset.get(`${orders}:3`)).toMatchObject({
        schemaName: 'eai.receipt.applied',
        value: { commandId: 'wf:step', outcome: 'APPLIED' },
      });
      const dead = await deadLettersOf(dlqTopic, groupId);
      expect(dead.map((d) => describeDeadLetter(d.headers))).toMatchObject([
        {
          topic: orders,
          offset: '4',
          stage: 'VALUE_CONVERTER',
          attempts: 1,
          message: expect.stringContaining('cannot decode JSON value'),
        },
      ]);
      const counted = await metricsRegistry.getSingleMetricAsString('eai_bus_events_consumed_total');
      expect(counted).toContain(`eai_bus_events_consumed_total{group="${groupId}",outcome="ok"} 4`);
      expect(counted).toContain(
        `eai_bus_events_consumed_total{group="${groupId}",outcome="dead_lettered"} 1`,
      );
      expect(counted).toContain(`eai_bus_events_consumed_total{group="${groupId}",outcome="tombstone"} 1`);
    });

    it('joins its group with its session timeout: one the broker refuses (below its 6 s minimum) keeps it out, said as a crash', async () => {
      const crashes: Error[] = [];
      const groupId = unique('group');
      const runner = await runnerOn(more, dlqTopic, {
        groupId,
        sessionTimeoutMs: 1_000,
        handler: async () => {},
        onCrash: (error) => void crashes.push(error),
      });
      try {
        await waitFor('the join refused', () => crashes.length > 0, 20_000);
        expect(crashes[0]!.message).toMatch(/session timeout/i);
        expect(await committedOffset(groupId, more)).toBe(-1);
      } finally {
        await runner.stop();
      }
    });
  });

  describe('decoding, and a dead-letter write that fails', () => {
    let topic: string;
    let dlqTopic: string;
    beforeAll(async () => {
      ({ topic, dlqTopic } = await oneOrderTopics('decode'));
    });

    /** A serde of its own (nothing cached) whose registry is reached through `gate` to the stack's registry. */
    function serdeThrough(gate: TcpGate): AvroSerde {
      const url = new URL(stack.registryUrl);
      url.host = gate.address;
      const registry = createRegistryClient(url.toString().replace(/\/$/, ''), {
        retries: 0,
        requestTimeoutMs: 2_000,
        logger: createLogger('runner-int', 'silent'),
      });
      return new AvroSerde(registry);
    }

    it('dead-letters a record the registry cannot be reached for after every attempt, at VALUE_CONVERTER with their number; the handler never sees it', async () => {
      const gate = await tcpGate(registryTarget());
      await gate.shut();
      let handled = 0;
      const groupId = unique('group');
      const runner = await startConsumerRunner(bus.transport, serdeThrough(gate), {
        groupId,
        topics: [topic],
        dlqTopic,
        fromBeginning: true,
        retry: fastRetry,
        handler: async () => {
          handled += 1;
        },
        logger: createLogger('runner-int', 'silent'),
      });
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
        expect(handled).toBe(0);
        const dead = await deadLettersOf(dlqTopic, groupId);
        expect(dead).toHaveLength(1);
        expect(describeDeadLetter(dead[0]!.headers)).toMatchObject({
          offset: '0',
          stage: 'VALUE_CONVERTER',
          attempts: 3,
          message: expect.stringContaining('unreachable'),
        });
        expect(dead[0]!.headers['__connect.errors.class.name']!.toString()).toBe('eai.bus.AvroSerde');
        expect(dead[0]!.headers['__eai.errors.retriable']!.toString()).toBe('true');
      } finally {
        await runner.stop();
        await gate.close();
      }
    });

    it('retries a decode the registry was away for and, once it answers, hands the event to the handler; nothing dead-lettered', async () => {
      const gate = await tcpGate(registryTarget());
      // Taken and never answered: the first decode's request times out, as with a registry that hangs.
      gate.hang();
      const events: ConsumedEvent[] = [];
      const groupId = unique('group');
      const runner = await startConsumerRunner(bus.transport, serdeThrough(gate), {
        groupId,
        topics: [topic],
        dlqTopic,
        fromBeginning: true,
        retry: { retries: 20, initialDelayMs: 100, maxDelayMs: 200 },
        handler: async (event) => void events.push(event),
        logger: createLogger('runner-int', 'silent'),
      });
      try {
        await waitFor('a decode asking the registry', () => gate.accepted() >= 1);
        expect(events).toEqual([]);
        await gate.open();
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
        expect(gate.accepted()).toBeGreaterThanOrEqual(2);
        expect(events.map((e) => e.value)).toMatchObject([{ salesOrder: { orderId: 'sap:0' } }]);
        expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);
      } finally {
        await runner.stop();
        await gate.close();
      }
    });

    it('commits nothing when the dead-letter write itself fails: the record is delivered again, and no one is told of a dead letter until it is written', async () => {
      let attempts = 0;
      const told: unknown[] = [];
      const crashes: Error[] = [];
      const groupId = unique('group');
      const options = {
        groupId,
        handler: async () => {
          attempts += 1;
          throw new NonRetriableError('bad order');
        },
        onDeadLetter: (_record: unknown, error: unknown) => void told.push(error),
        onCrash: (error: Error) => void crashes.push(error),
      };
      // A topic name Kafka refuses (a space in it): the dead-letter write fails for good, and the consumer with it.
      const refused = await runnerOn(topic, 'dlq refused name', options);
      try {
        await waitFor('the dead-letter write failed', () => crashes.length > 0);
        expect(crashes[0]!.message).toContain('dlq refused name');
        expect(attempts).toBe(1);
        expect(told).toEqual([]);
      } finally {
        await refused.stop();
      }
      expect(await committedOffset(groupId, topic)).toBe(-1);
      expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);

      // Uncommitted, the record is delivered again to the group's next member, which can write its dead letter.
      const next = await runnerOn(topic, dlqTopic, options);
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
      } finally {
        await next.stop();
      }
      expect(attempts).toBe(2);
      expect(told).toHaveLength(1);
      expect(await deadLettersOf(dlqTopic, groupId)).toHaveLength(1);
    });

    it("logs a target's refusal without the answer body it quotes (the customer a 400 echoes); the dead letter keeps it whole", async () => {
      const lines: string[] = [];
      const answer =
        'crm-sink: POST /contacts answered HTTP 400: {"errors":[{"field":"email","value":"anna.schmidt@example.org","name":"Anna Schmidt"}]}';
      let attempts = 0;
      const groupId = unique('group');
      const runner = await runnerOn(
        topic,
        dlqTopic,
        {
          groupId,
          handler: async () => {
            attempts += 1;
            throw attempts === 1 ? new RetriableError(answer) : new NonRetriableError(answer);
          },
        },
        lines,
      );
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
      } finally {
        await runner.stop();
      }
      const logged = lines.join('\n');
      // Both the retry's line and the dead letter's.
      expect(logged).toContain('handler failed, retrying');
      expect(logged).toContain('record sent to dead-letter topic');
      expect(logged).toContain('crm-sink: POST /contacts answered HTTP 400: (answer body left out)');
      expect(logged).not.toContain('anna.schmidt');
      expect(logged).not.toContain('Anna Schmidt');
      const [dead] = await deadLettersOf(dlqTopic, groupId);
      expect(describeDeadLetter(dead!.headers).message).toBe(answer);
    });
  });

  describe('retrying until applied (a sink, as Kafka Connect retries a RetriableException)', () => {
    let topic: string;
    let dlqTopic: string;
    beforeAll(async () => {
      ({ topic, dlqTopic } = await oneOrderTopics('sink'));
    });
    const endless = { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1, maxDelayMs: 1 };

    it('retries a retriable failure past any count until the handler succeeds, telling of each retry and logging them sparingly (1, 2, 4, 8…); nothing dead-lettered', async () => {
      const lines: string[] = [];
      const retries: number[] = [];
      let attempts = 0;
      const groupId = unique('group');
      const runner = await runnerOn(
        topic,
        dlqTopic,
        {
          groupId,
          retry: endless,
          handler: async () => {
            attempts += 1;
            if (attempts <= 100) throw new RetriableError('target answered 503');
          },
          onRetry: (_record, _error, attempt) => void retries.push(attempt),
        },
        lines,
      );
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
      } finally {
        await runner.stop();
      }
      expect(attempts).toBe(101);
      expect(retries).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const logged = lines
        .map((line) => JSON.parse(line) as { msg: string; attempt?: number; attempts?: number })
        .filter((l) => l.msg.startsWith('handler '));
      expect(logged.filter((l) => l.msg === 'handler failed, retrying').map((l) => l.attempt)).toEqual([
        1, 2, 4, 8, 16, 32, 64,
      ]);
      expect(logged.filter((l) => l.msg === 'handler succeeded after retrying')).toMatchObject([
        { attempts: 101 },
      ]);
      // An offset alone does not say which record of a group reading several partitions: each line names all three.
      for (const line of logged) expect(line).toMatchObject({ topic, partition: 0, offset: '0' });
      expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);
    });

    it('with retryForMs, dead-letters the record once that time has passed', async () => {
      let first: number | undefined;
      const groupId = unique('group');
      const runner = await runnerOn(topic, dlqTopic, {
        groupId,
        retry: { ...endless, initialDelayMs: 5, maxDelayMs: 10, retryForMs: 150 },
        handler: async () => {
          first ??= Date.now();
          throw new RetriableError('target answered 503');
        },
        // The runner's 150 ms start just before the first attempt, which this handler times: both in whole
        // milliseconds of Date.now(), so the first attempt may read 1 ms later than the start (a CI run met 149).
        onDeadLetter: () => {
          expect(Date.now() - first!).toBeGreaterThanOrEqual(149);
        },
      });
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
      } finally {
        await runner.stop();
      }
      const dead = await deadLettersOf(dlqTopic, groupId);
      expect(dead.map((d) => describeDeadLetter(d.headers))).toMatchObject([
        { stage: 'TASK_PUT', message: 'target answered 503' },
      ]);
      expect(describeDeadLetter(dead[0]!.headers).attempts).toBeGreaterThan(1);
      const written = Date.parse(dead[0]!.headers['__eai.errors.time']!.toString());
      expect(written - first!).toBeGreaterThanOrEqual(149);
    });

    it('keeps the member in its group while it retries past its session timeout, and gives the record up (uncommitted, not dead-lettered) once the group rebalances', async () => {
      const lines: string[] = [];
      const gaveUp = () => lines.some((l) => l.includes('retries given up for a rebalance or a stop'));
      let attempts = 0;
      let applied = 0;
      const groupId = unique('group');
      const member = () =>
        runnerOn(
          topic,
          dlqTopic,
          {
            groupId,
            sessionTimeoutMs: 6_000,
            retry: { ...endless, initialDelayMs: 100, maxDelayMs: 200 },
            // The target is down until the first member gave its record up; the next delivery applies it.
            handler: async () => {
              attempts += 1;
              if (!gaveUp()) throw new RetriableError('target down');
              applied += 1;
            },
          },
          lines,
        );
      const first = await member();
      let second: Awaited<ReturnType<typeof member>> | undefined;
      try {
        await waitFor('the first member retrying', () => attempts >= 2);
        // Past its 6 s session timeout the member is still the group's: its heartbeats went on while it retried.
        await sleep(7_000);
        expect(await groupOf(groupId)).toMatchObject({ state: 'Stable', members: 1 });
        expect(gaveUp()).toBe(false);
        expect(await committedOffset(groupId, topic)).toBe(-1);
        const before = attempts;
        await waitFor('still retrying', () => attempts > before);

        second = await member();
        await waitFor('the record applied after the rebalance', () => applied === 1, 30_000);
        expect(gaveUp()).toBe(true);
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
        expect(applied).toBe(1);
        expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);
      } finally {
        await second?.stop();
        await first.stop();
      }
    }, 60_000);

    it('a stop ends the retries at once: the record is left uncommitted, not dead-lettered, and the stop does not wait for the target', async () => {
      const lines: string[] = [];
      let attempts = 0;
      const groupId = unique('group');
      const runner = await runnerOn(
        topic,
        dlqTopic,
        {
          groupId,
          retry: { ...endless, initialDelayMs: 10_000, maxDelayMs: 10_000 },
          handler: async () => {
            attempts += 1;
            throw new RetriableError('target down');
          },
        },
        lines,
      );
      await waitFor('the first attempt failed', () => attempts === 1);
      await sleep(100);
      const started = Date.now();
      await runner.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(attempts).toBe(1);
      expect(lines.some((l) => l.includes('retries given up for a rebalance or a stop'))).toBe(true);
      expect(await committedOffset(groupId, topic)).toBe(-1);
      expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);
    });
  });

  describe('waiting out an outage (waitOutOutages)', () => {
    let topic: string;
    let dlqTopic: string;
    beforeAll(async () => {
      ({ topic, dlqTopic } = await oneOrderTopics('outage'));
    });
    /** PostgreSQL shutting down (57P01), as node-postgres reports it: the handler's database is away. */
    const databaseAway = () =>
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

    it("retries a failure that says the handler's database is away past the retry budget; nothing dead-lettered", async () => {
      let attempts = 0;
      const groupId = unique('group');
      const runner = await runnerOn(topic, dlqTopic, {
        groupId,
        retry: { ...fastRetry, initialDelayMs: 1, maxDelayMs: 2, waitOutOutages: true },
        handler: async () => {
          attempts += 1;
          if (attempts <= 8) throw databaseAway();
        },
      });
      try {
        await waitFor('the record committed', async () => (await committedOffset(groupId, topic)) === 1);
      } finally {
        await runner.stop();
      }
      expect(attempts).toBe(9);
      expect(await deadLettersOf(dlqTopic, groupId)).toEqual([]);
    });

    it('still dead-letters other failures after the budget with it; without it, an outage spends the budget as any failure does', async () => {
      const cases = [
        { waitOutOutages: true, error: () => new RetriableError('the workflow engine answered 500') },
        {
          waitOutOutages: false,
          error: () =>
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
        },
      ];
      const runs = await Promise.all(
        cases.map(async ({ waitOutOutages, error }) => {
          const run = { groupId: unique('group'), attempts: 0 };
          const runner = await runnerOn(topic, dlqTopic, {
            groupId: run.groupId,
            retry: { ...fastRetry, initialDelayMs: 1, maxDelayMs: 2, waitOutOutages },
            handler: async () => {
              run.attempts += 1;
              throw error();
            },
          });
          try {
            await waitFor(
              'the record committed',
              async () => (await committedOffset(run.groupId, topic)) === 1,
            );
          } finally {
            await runner.stop();
          }
          return run;
        }),
      );
      for (const run of runs) {
        expect(run.attempts).toBe(3);
        const dead = await deadLettersOf(dlqTopic, run.groupId);
        expect(dead.map((d) => describeDeadLetter(d.headers))).toMatchObject([
          { stage: 'TASK_PUT', attempts: 3 },
        ]);
      }
    });
  });
});
