import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { NonRetriableError, RetriableError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { describeDeadLetter } from './dlq.ts';
import { busMetrics } from './metrics.ts';
import { type ConsumerRunnerOptions, startConsumerRunner } from './runner.ts';
import type { ConsumedEvent } from './runner-decisions.ts';
import type { AvroSerde } from './serde.ts';
import type {
  ConsumeOptions,
  IncomingRecord,
  OutgoingRecord,
  RecordContext,
  Transport,
} from './transport/types.ts';

// The runner's retry / dead-letter decision without Kafka: a transport whose consumer hands records to the
// runner's eachRecord when the test says, and whose producer records what was sent (or fails when told to).

function fakeTransport(options: { failSend?: boolean } = {}) {
  const sent: OutgoingRecord[] = [];
  const calls: string[] = [];
  const consumerOptions: unknown[] = [];
  let consume: ConsumeOptions | undefined;
  const transport = {
    consumer: (o: unknown) => {
      consumerOptions.push(o);
      return {
        connect: async () => void calls.push('consumer.connect'),
        disconnect: async () => void calls.push('consumer.disconnect'),
        ready: async () => void calls.push('consumer.ready'),
        onAssignment: () => {},
        run: async (o: ConsumeOptions) => {
          consume = o;
        },
      };
    },
    producer: () => ({
      connect: async () => void calls.push('producer.connect'),
      disconnect: async () => void calls.push('producer.disconnect'),
      send: async (records: OutgoingRecord[]) => {
        if (options.failSend) throw new RetriableError('broker gone');
        sent.push(...records);
      },
    }),
  } as unknown as Transport;
  /** Delivers one record as the transport would; resolves when the runner would let it be committed. */
  const deliver = (record: IncomingRecord, context: RecordContext = { keepAlive: async () => true }) =>
    consume!.eachRecord(record, context);
  return { transport, sent, deliver, calls, consumerOptions, consumeOptions: () => consume };
}

const record: IncomingRecord = {
  topic: 'canonical.orders',
  partition: 2,
  offset: '41',
  timestamp: '0',
  key: Buffer.from('order-1'),
  value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
  headers: { ce_type: Buffer.from('com.example.order') },
};

function serdeDecoding(decode: (value: Buffer | null) => Promise<unknown>): AvroSerde {
  return { decode } as unknown as AvroSerde;
}
const okSerde = serdeDecoding(async () => ({ value: { id: 'order-1' }, schemaName: 'SalesOrderEvent' }));

async function start(
  transport: Transport,
  serde: AvroSerde,
  handler: ConsumerRunnerOptions['handler'],
  onDeadLetter?: ConsumerRunnerOptions['onDeadLetter'],
) {
  return startConsumerRunner(transport, serde, {
    groupId: 'g-test',
    topics: ['canonical.orders'],
    dlqTopic: 'dlq.g-test',
    handler,
    onDeadLetter,
    retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 2 },
    logger: createLogger('runner-spec', 'silent'),
  });
}

async function consumed(outcome: string): Promise<number> {
  const metric = await busMetrics.eventsConsumed.get();
  return metric.values.find((v) => v.labels.group === 'g-test' && v.labels.outcome === outcome)?.value ?? 0;
}

describe('consumer runner: its consumer, producer and lifecycle', () => {
  it('joins its group with its session timeout, runs on its topics, connects both clients and stops them once', async () => {
    const { transport, calls, consumerOptions, consumeOptions } = fakeTransport();
    const runner = await startConsumerRunner(transport, okSerde, {
      groupId: 'g-test',
      topics: ['canonical.orders', 'canonical.customers'],
      dlqTopic: 'dlq.g-test',
      handler: async () => {},
      fromBeginning: true,
      sessionTimeoutMs: 12_345,
      logger: createLogger('runner-spec', 'silent'),
    });
    expect(consumerOptions).toEqual([{ groupId: 'g-test', sessionTimeoutMs: 12_345 }]);
    expect(consumeOptions()).toMatchObject({
      topics: ['canonical.orders', 'canonical.customers'],
      fromBeginning: true,
    });
    expect(calls.sort()).toEqual(['consumer.connect', 'producer.connect']);
    await runner.ready();
    expect(calls).toContain('consumer.ready');
    await runner.stop();
    await runner.stop();
    expect(calls.filter((c) => c.endsWith('disconnect')).sort()).toEqual([
      'consumer.disconnect',
      'producer.disconnect',
    ]);
  });

  it('counts each record once by outcome: ok or dead_lettered', async () => {
    const [ok, dead] = [await consumed('ok'), await consumed('dead_lettered')];
    const { transport, deliver } = fakeTransport();
    let fail = false;
    await start(transport, okSerde, async () => {
      if (fail) throw new NonRetriableError('no');
    });
    await deliver(record);
    fail = true;
    await deliver(record);
    expect(await consumed('ok')).toBe(ok + 1);
    expect(await consumed('dead_lettered')).toBe(dead + 1);
  });

  it('a tombstone (null value) never reaches the handler nor the dead letters: skipped and counted', async () => {
    const before = await consumed('tombstone');
    const { transport, deliver, sent } = fakeTransport();
    const seen: unknown[] = [];
    await start(transport, okSerde, async (event) => void seen.push(event.value));
    await deliver({ ...record, value: null });
    await deliver(record);
    expect(seen).toEqual([{ id: 'order-1' }]);
    expect(sent).toEqual([]);
    expect(await consumed('tombstone')).toBe(before + 1);
  });

  it('a record without a key reaches the handler with key null', async () => {
    const { transport, deliver } = fakeTransport();
    const keys: Array<string | null> = [];
    await start(transport, okSerde, async (event) => void keys.push(event.key));
    await deliver({ ...record, key: null });
    expect(keys).toEqual([null]);
  });
});

describe('consumer runner: retry, then dead letter, then commit', () => {
  it('hands the decoded event, its key and envelope to the handler; nothing dead-lettered', async () => {
    const { transport, sent, deliver } = fakeTransport();
    const seen: ConsumedEvent[] = [];
    await start(transport, okSerde, async (event) => {
      seen.push(event);
    });
    await deliver(record);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      value: { id: 'order-1' },
      schemaName: 'SalesOrderEvent',
      key: 'order-1',
      attributes: { type: 'com.example.order' },
      record,
    });
    expect(sent).toEqual([]);
  });

  it('retries a retriable handler failure and, when a retry succeeds, dead-letters nothing', async () => {
    const { transport, sent, deliver } = fakeTransport();
    let calls = 0;
    await start(transport, okSerde, async () => {
      calls++;
      if (calls < 3) throw new RetriableError('database busy');
    });
    await deliver(record);
    expect(calls).toBe(3);
    expect(sent).toEqual([]);
  });

  it('dead-letters a handler that keeps failing retriably, after every attempt, and lets the record be committed', async () => {
    const { transport, sent, deliver } = fakeTransport();
    const onDeadLetter = vi.fn();
    const handler = vi.fn(async () => {
      throw new RetriableError('database busy');
    });
    await start(transport, okSerde, handler, onDeadLetter);
    await expect(deliver(record)).resolves.toBeUndefined();
    expect(handler).toHaveBeenCalledTimes(3);
    expect(sent).toHaveLength(1);
    const [dead] = sent;
    expect(dead!.topic).toBe('dlq.g-test');
    expect(dead!.key).toEqual(record.key);
    expect(dead!.value).toEqual(record.value);
    expect(describeDeadLetter(dead!.headers as Record<string, Buffer>)).toMatchObject({
      topic: 'canonical.orders',
      partition: 2,
      offset: '41',
      owner: 'g-test',
      stage: 'TASK_PUT',
      message: 'database busy',
      attempts: 3,
    });
    expect(String(dead!.headers!['__eai.errors.retriable'])).toBe('true');
    expect(String(dead!.headers!['__connect.errors.class.name'])).toBe('eai.bus.ConsumerRunner');
    expect(String(dead!.headers!.ce_type)).toBe('com.example.order');
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
    expect(onDeadLetter.mock.calls[0]![1]).toBeInstanceOf(RetriableError);
  });

  it('dead-letters a non-retriable handler failure at once, without retrying it', async () => {
    const { transport, sent, deliver } = fakeTransport();
    const handler = vi.fn(async () => {
      throw new NonRetriableError('order has no lines');
    });
    await start(transport, okSerde, handler);
    await deliver(record);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(1);
    const headers = sent[0]!.headers as Record<string, Buffer>;
    expect(describeDeadLetter(headers)).toMatchObject({
      stage: 'TASK_PUT',
      attempts: 1,
      message: 'order has no lines',
    });
    expect(String(headers['__eai.errors.retriable'])).toBe('false');
  });

  it('dead-letters a record that cannot be decoded at the VALUE_CONVERTER stage; the handler never sees it', async () => {
    const { transport, sent, deliver } = fakeTransport();
    const handler = vi.fn(async () => {});
    const decode = vi.fn(async () => {
      throw new NonRetriableError('unknown magic byte');
    });
    await start(transport, serdeDecoding(decode), handler);
    await deliver(record);
    expect(handler).not.toHaveBeenCalled();
    expect(decode).toHaveBeenCalledTimes(1);
    expect(describeDeadLetter(sent[0]!.headers as Record<string, Buffer>)).toMatchObject({
      stage: 'VALUE_CONVERTER',
      attempts: 1,
      message: 'unknown magic byte',
    });
  });

  it('dead-letters a decode that keeps failing retriably after every attempt, with their number', async () => {
    const { transport, sent, deliver } = fakeTransport();
    const decode = vi.fn(async () => {
      throw new RetriableError('registry unreachable');
    });
    await start(transport, serdeDecoding(decode), async () => {});
    await deliver(record);
    expect(decode).toHaveBeenCalledTimes(3);
    expect(describeDeadLetter(sent[0]!.headers as Record<string, Buffer>)).toMatchObject({
      stage: 'VALUE_CONVERTER',
      attempts: 3,
    });
    expect(String(sent[0]!.headers!['__connect.errors.class.name'])).toBe('eai.bus.AvroSerde');
  });

  it('retries a decode that fails retriably (registry unreachable) and goes on to the handler', async () => {
    const { transport, sent, deliver } = fakeTransport();
    let decodes = 0;
    const handler = vi.fn(async () => {});
    await start(
      transport,
      serdeDecoding(async () => {
        decodes++;
        if (decodes === 1) throw new RetriableError('registry unreachable');
        return { value: {}, schemaName: 'SalesOrderEvent' };
      }),
      handler,
    );
    await deliver(record);
    expect(decodes).toBe(2);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([]);
  });

  it('commits nothing when the dead-letter write itself fails: the record is delivered again', async () => {
    const { transport, deliver } = fakeTransport({ failSend: true });
    const onDeadLetter = vi.fn();
    await start(
      transport,
      okSerde,
      async () => {
        throw new NonRetriableError('bad order');
      },
      onDeadLetter,
    );
    await expect(deliver(record)).rejects.toThrow(/broker gone/);
    expect(onDeadLetter).not.toHaveBeenCalled();
  });
});

describe('consumer runner: JSON CloudEvents', () => {
  it('hands a JSON event (content-type application/json) over parsed, named by its ce_type, without the Avro serde; a malformed one is dead-lettered', async () => {
    const { transport, deliver, sent } = fakeTransport();
    const decode = vi.fn(async () => ({ value: null, schemaName: 'x' }));
    const events: ConsumedEvent[] = [];
    await start(transport, serdeDecoding(decode), async (event) => void events.push(event));
    const json = (value: string): IncomingRecord => ({
      ...record,
      value: Buffer.from(value),
      headers: {
        ce_type: Buffer.from('eai.receipt.applied'),
        'content-type': Buffer.from('application/json'),
      },
    });
    await deliver(json('{"commandId":"wf:step","outcome":"APPLIED"}'));
    expect(events.map((e) => [e.schemaName, e.value])).toEqual([
      ['eai.receipt.applied', { commandId: 'wf:step', outcome: 'APPLIED' }],
    ]);
    await deliver(json('{"commandId":'));
    expect(events).toHaveLength(1);
    expect(decode).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
    expect(describeDeadLetter(sent[0]!.headers as never)).toMatchObject({
      stage: 'VALUE_CONVERTER',
      message: expect.stringContaining('cannot decode JSON value'),
    });
  });
});

describe('consumer runner: what its log lines keep of an error', () => {
  it("logs a target's refusal without the answer body it quotes (the customer a 400 echoes); the dead letter keeps it whole", async () => {
    const { transport, deliver, sent } = fakeTransport();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const answer =
      'crm-sink: POST /contacts answered HTTP 400: {"errors":[{"field":"email","value":"anna.schmidt@example.org","name":"Anna Schmidt"}]}';
    let attempts = 0;
    await startConsumerRunner(transport, okSerde, {
      groupId: 'g-log',
      topics: ['canonical.orders'],
      dlqTopic: 'dlq.g-log',
      handler: async () => {
        attempts += 1;
        throw attempts === 1 ? new RetriableError(answer) : new NonRetriableError(answer);
      },
      retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 2 },
      logger,
    });
    await deliver(record);
    const logged = lines.join('\n');
    expect(logged).toContain('crm-sink: POST /contacts answered HTTP 400: (answer body left out)');
    expect(logged).not.toContain('anna.schmidt');
    expect(logged).not.toContain('Anna Schmidt');
    expect(describeDeadLetter(sent[0]!.headers as Record<string, Buffer>).message).toBe(answer);
  });
});

describe('consumer runner: retrying until applied (a sink, as Kafka Connect retries a RetriableException)', () => {
  const retryingRunner = (
    transport: Transport,
    handler: ConsumerRunnerOptions['handler'],
    retry: ConsumerRunnerOptions['retry'],
    onRetry?: ConsumerRunnerOptions['onRetry'],
  ) =>
    startConsumerRunner(transport, okSerde, {
      groupId: 'g-forever',
      topics: ['canonical.orders'],
      dlqTopic: 'dlq.g-forever',
      handler,
      retry,
      onRetry,
      logger: createLogger('runner-spec', 'silent'),
    });

  it('retries a retriable failure past any count until the handler succeeds, telling of each retry; nothing dead-lettered', async () => {
    const { transport, deliver, sent } = fakeTransport();
    let attempts = 0;
    const retries: number[] = [];
    await retryingRunner(
      transport,
      async () => {
        attempts += 1;
        if (attempts < 12) throw new RetriableError('target answered 503');
      },
      { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1, maxDelayMs: 2 },
      (_record, _error, attempt) => void retries.push(attempt),
    );
    await deliver(record);
    expect(attempts).toBe(12);
    expect(retries).toHaveLength(11);
    expect(sent).toEqual([]);
  });

  it('logs the retries of a long outage sparingly (attempts 1, 2, 4, 8…), then once that the record was applied', async () => {
    const { transport, deliver } = fakeTransport();
    const lines: string[] = [];
    let attempts = 0;
    await startConsumerRunner(transport, okSerde, {
      groupId: 'g-forever',
      topics: ['canonical.orders'],
      dlqTopic: 'dlq.g-forever',
      handler: async () => {
        attempts += 1;
        if (attempts <= 100) throw new RetriableError('target answered 503');
      },
      retry: { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1, maxDelayMs: 1 },
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
    });
    await deliver(record);
    const logged = lines.map(
      (line) => JSON.parse(line) as { msg: string; attempt?: number; attempts?: number },
    );
    const retries = logged.filter((l) => l.msg === 'handler failed, retrying').map((l) => l.attempt);
    expect(retries).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(logged.filter((l) => l.msg === 'handler succeeded after retrying')).toMatchObject([
      { attempts: 101 },
    ]);
    // An offset alone does not say which record of a group reading several partitions: each line names all three.
    for (const line of logged.filter((l) => l.msg.startsWith('handler ')))
      expect(line).toMatchObject({ topic: 'canonical.orders', partition: 2, offset: '41' });
  });

  it('with retryForMs, dead-letters the record once that time has passed', async () => {
    const { transport, deliver, sent } = fakeTransport();
    const started = Date.now();
    await retryingRunner(
      transport,
      async () => {
        throw new RetriableError('target answered 503');
      },
      { retries: Number.POSITIVE_INFINITY, initialDelayMs: 5, maxDelayMs: 10, retryForMs: 150 },
    );
    await deliver(record);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(sent).toHaveLength(1);
    expect(describeDeadLetter(sent[0]!.headers as Record<string, Buffer>).message).toBe(
      'target answered 503',
    );
  });

  it('keeps the member in its group while it retries, and gives the record up (uncommitted, not dead-lettered) once the group rebalances', async () => {
    const { transport, deliver, sent } = fakeTransport();
    let beats = 0;
    let attempts = 0;
    await retryingRunner(
      transport,
      async () => {
        attempts += 1;
        throw new RetriableError('target down');
      },
      { retries: Number.POSITIVE_INFINITY, initialDelayMs: 20, maxDelayMs: 40 },
    );
    // The group rebalances at the third heartbeat.
    const context = { keepAlive: async () => ++beats < 3 };
    await expect(deliver(record, context)).rejects.toThrow(/given up/);
    expect(beats).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeGreaterThan(1);
    expect(sent).toEqual([]);
  }, 10_000);

  it('a stop ends the retries at once: the record is left uncommitted, not dead-lettered, and the stop does not wait for the target', async () => {
    const { transport, deliver, sent } = fakeTransport();
    let attempts = 0;
    const runner = await retryingRunner(
      transport,
      async () => {
        attempts += 1;
        throw new RetriableError('target down');
      },
      { retries: Number.POSITIVE_INFINITY, initialDelayMs: 10_000, maxDelayMs: 10_000 },
    );
    const delivered = deliver(record);
    await vi.waitFor(() => expect(attempts).toBe(1));
    const started = Date.now();
    await runner.stop();
    await expect(delivered).rejects.toThrow(/given up/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sent).toEqual([]);
  });
});

describe('consumer runner: waiting out an outage (waitOutOutages)', () => {
  it("retries a failure that says the handler's database is away past the retry budget, and still dead-letters other failures after it", async () => {
    const { transport, deliver, sent } = fakeTransport();
    let attempts = 0;
    const down = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    await startConsumerRunner(transport, okSerde, {
      groupId: 'g-outage',
      topics: ['canonical.orders'],
      dlqTopic: 'dlq.g-outage',
      handler: async () => {
        attempts += 1;
        if (attempts <= 8) throw down;
      },
      retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 2, waitOutOutages: true },
      logger: createLogger('runner-spec', 'silent'),
    });
    await deliver(record);
    expect(attempts).toBe(9);
    expect(sent).toEqual([]);

    attempts = 0;
    await startConsumerRunner(transport, okSerde, {
      groupId: 'g-outage-2',
      topics: ['canonical.orders'],
      dlqTopic: 'dlq.g-outage',
      handler: async () => {
        attempts += 1;
        throw new RetriableError('the workflow engine answered 500');
      },
      retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 2, waitOutOutages: true },
      logger: createLogger('runner-spec', 'silent'),
    });
    await deliver(record);
    expect(attempts).toBe(3);
    expect(sent).toHaveLength(1);
  });

  it('without it, an outage spends the retry budget as any failure does', async () => {
    const { transport, deliver, sent } = fakeTransport();
    let attempts = 0;
    await start(transport, okSerde, async () => {
      attempts += 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    await deliver(record);
    expect(attempts).toBe(3);
    expect(sent).toHaveLength(1);
  });
});
