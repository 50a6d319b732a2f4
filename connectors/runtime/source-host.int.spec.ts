import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CompactedLog, type TransactionalProducer, type Transport } from '../../bus/index.ts';
import { RetriableError } from '../../lib/errors.ts';
import { readToEnd } from '../../tests/read-to-end.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorContext, SourceDocument, SourceTask } from '../sdk/index.ts';
import { sourceTransactionalIds } from './connector-ids.ts';
import { connectorMetrics, newCounters } from './connector-metrics.ts';
import type { DocumentInput, MappingStep } from './mapping-step.ts';
import { SourceHost } from './source-host.ts';

const silent = pino({ level: 'silent' });

/** A task that polls ahead, handing out the batches a test gives it, one document each; commits are recorded. */
function aheadTask() {
  const queued: SourceDocument[][] = [];
  const committed: Array<{ name: string; ok: boolean }> = [];
  const task: SourceTask = {
    pollsAhead: true,
    async start() {},
    async poll() {
      if (queued.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return queued.shift() ?? [];
    },
    async commit(documents, outcome) {
      for (const d of documents) committed.push({ name: d.name ?? '', ok: outcome.ok });
    },
    async stop() {},
  };
  const give = (name: string, n: number) =>
    queued.push([{ bytes: Buffer.from(name), name, position: { partition: 'p', offset: n } }]);
  return { task, give, committed };
}

/** Each document as one record of `topic`, keyed by its name (the host's Kafka side is what is tested here). */
function passThrough(topic: string): MappingStep {
  return {
    prepareEagerly: (input: DocumentInput) => ({
      records: [{ topic, key: input.name ?? null, value: input.bytes }],
      published: 1,
      deadLettered: [],
    }),
  } as unknown as MappingStep;
}

describe('source host on the real broker', () => {
  const bus = testBus('/eai/tests/source-host');
  /** The connect group the hosts run in. */
  const group = unique('source-host');
  const closing: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  });

  /** A connector name, its output topic of `partitions`, and its offsets log (compacted), started. */
  async function connectorTopics(label: string, partitions: number) {
    const name = unique(label);
    const topic = unique(`${label}-out`);
    const offsetsTopic = unique(`${label}-offsets`);
    const admin = bus.transport.admin();
    await admin.connect();
    await admin.createTopics([
      { topic, partitions, replicationFactor: 1 },
      { topic: offsetsTopic, partitions: 1, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    ]);
    await admin.disconnect();
    const offsets = new CompactedLog(bus.transport, offsetsTopic, silent);
    await offsets.start();
    closing.push(() => offsets.stop());
    return { name, topic, offsets };
  }

  it('a task that polls ahead takes turns with two transactional ids, one transaction at a time; a newer host fences both', async () => {
    const { name, topic, offsets } = await connectorTopics('turns', 3);

    /** Transactional id of each transaction sent, in order, and the producers made per id (first host's first). */
    const sentBy: string[] = [];
    const made = new Map<string, TransactionalProducer[]>();
    const transport: Transport = {
      ...bus.transport,
      transactionalProducer(id) {
        const producer = bus.transport.transactionalProducer(id);
        made.set(id, [...(made.get(id) ?? []), producer]);
        return {
          connect: () => producer.connect(),
          disconnect: () => producer.disconnect(),
          sendTransaction: (records) => {
            sentBy.push(id);
            return producer.sendTransaction(records);
          },
        };
      },
    };
    const host = (task: SourceTask, onFailure: (error: Error) => void) => {
      const abort = new AbortController();
      const context = { name, logger: silent, signal: abort.signal } as unknown as ConnectorContext;
      const h = new SourceHost({
        name,
        group,
        task,
        context,
        bus: { ...bus, transport },
        step: passThrough(topic),
        offsets,
        format: 'test',
        counters: newCounters(),
        logger: silent,
        onFailure,
      });
      closing.push(async () => {
        abort.abort();
        await h.stop();
      });
      return h;
    };

    const first = aheadTask();
    const failures: Error[] = [];
    await host(first.task, (error) => failures.push(error)).start();
    for (let i = 1; i <= 6; i++) {
      first.give(`doc-${i}`, i);
      await waitFor(`doc-${i} committed`, () => first.committed.length === i, 20_000);
    }
    expect(first.committed.every((c) => c.ok)).toBe(true);
    const [one, two] = sourceTransactionalIds(name, group, 2);
    expect(sentBy).toEqual([one, two, one, two, one, two]);
    const read = await readToEnd(topic, () => true);
    expect(read.map((m) => m.key?.toString()).sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `doc-${i}`));

    // A newer host of the same connector connects both ids: the first host's producers are fenced, each of them.
    const second = aheadTask();
    await host(second.task, () => undefined).start();
    for (const id of [one!, two!]) {
      const older = made.get(id)![0]!;
      await expect(
        older.sendTransaction([{ topic, key: 'zombie', value: Buffer.from(id) }]),
      ).rejects.toThrow();
    }
    second.give('doc-7', 7);
    await waitFor('doc-7 committed', () => second.committed.length === 1, 20_000);
    expect(second.committed).toEqual([{ name: 'doc-7', ok: true }]);
    const after = await readToEnd(topic, () => true);
    expect(after.map((m) => m.key?.toString()).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `doc-${i}`));
    expect(failures).toEqual([]);
  }, 60_000);

  it('the second producer of an idle source disconnects, and connects again with its epoch once transactions come back to back', async () => {
    const { name, topic, offsets } = await connectorTopics('spare', 1);
    const [one, two] = sourceTransactionalIds(name, group, 2) as [string, string];
    /** The producers made per id, each transaction's id in order, the connects per id and which ids are connected. */
    const made = new Map<string, TransactionalProducer[]>();
    const sentBy: string[] = [];
    const connects = new Map<string, number>();
    const connected = new Set<string>();
    const transport: Transport = {
      ...bus.transport,
      transactionalProducer(id) {
        const producer = bus.transport.transactionalProducer(id);
        made.set(id, [...(made.get(id) ?? []), producer]);
        return {
          connect: async () => {
            connects.set(id, (connects.get(id) ?? 0) + 1);
            await producer.connect();
            connected.add(id);
          },
          disconnect: async () => {
            connected.delete(id);
            await producer.disconnect();
          },
          sendTransaction: (records) => {
            sentBy.push(id);
            return producer.sendTransaction(records);
          },
        };
      },
    };
    const start = async (task: SourceTask) => {
      const abort = new AbortController();
      const failures: Error[] = [];
      const h = new SourceHost({
        name,
        group,
        task,
        context: { name, logger: silent, signal: abort.signal } as unknown as ConnectorContext,
        bus: { ...bus, transport },
        step: passThrough(topic),
        offsets,
        format: 'test',
        counters: newCounters(),
        logger: silent,
        onFailure: (error) => failures.push(error),
        spareProducerIdleMs: 300,
      });
      closing.push(async () => {
        abort.abort();
        await h.stop();
      });
      await h.start();
      return { host: h, failures };
    };
    const first = aheadTask();
    const { host, failures } = await start(first.task);
    expect(host.connectedProducers()).toBe(2);
    // Idle: the second id's producer closes its connections; the first stays.
    await waitFor('the spare disconnected', () => !connected.has(two), 10_000);
    expect(host.connectedProducers()).toBe(1);
    expect(connected.has(one)).toBe(true);
    // Transactions back to back (each batch given as soon as the one before committed): the first id takes them while
    // the spare connects again, then they take turns as before, on the same producer (its id and epoch kept).
    for (let i = 1; i <= 6; i++) {
      first.give(`doc-${i}`, i);
      await waitFor(`doc-${i} committed`, () => first.committed.length === i, 20_000);
    }
    expect(first.committed.every((c) => c.ok)).toBe(true);
    expect(sentBy[0]).toBe(one);
    expect(sentBy).toContain(two);
    expect(connects.get(two)).toBe(2);
    expect(made.get(two)).toHaveLength(1);
    expect(failures).toEqual([]);

    // Idle again; a newer host of the connector takes both ids over meanwhile. The first host's spare, connected again,
    // is still fenced: connecting sent no InitProducerId that would have taken the id back from the newer host.
    await waitFor('the spare disconnected again', () => !connected.has(two), 10_000);
    const second = aheadTask();
    await start(second.task);
    const zombie = made.get(two)![0]!;
    await zombie.connect();
    await expect(
      zombie.sendTransaction([{ topic, key: 'zombie', value: Buffer.from(two) }]),
    ).rejects.toThrow();
    await zombie.disconnect();
    second.give('doc-7', 7);
    await waitFor('doc-7 committed', () => second.committed.length === 1, 20_000);
    expect(second.committed).toEqual([{ name: 'doc-7', ok: true }]);
    const read = await readToEnd(topic, () => true);
    expect(read.map((m) => m.key?.toString()).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `doc-${i}`));
  }, 60_000);

  it('reads that keep failing set eai_connector_read_failing_since_timestamp_seconds from the first failure, 0 once one works', async () => {
    const { name, topic, offsets } = await connectorTopics('read-failing', 1);
    let down = true;
    let polls = 0;
    const task: SourceTask = {
      async start() {},
      async poll() {
        polls++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (down) throw new RetriableError('polling res.partner failed, tried again shortly: HTTP 503');
        return [];
      },
      async commit() {},
      async stop() {},
    };
    const gauge = async () =>
      (await connectorMetrics.readFailingSince.get()).values.find((v) => v.labels.connector === name)?.value;
    const abort = new AbortController();
    const counters = newCounters();
    const host = new SourceHost({
      name,
      group,
      task,
      context: { name, logger: silent, signal: abort.signal } as unknown as ConnectorContext,
      bus,
      step: passThrough(topic),
      offsets,
      format: 'test',
      counters,
      logger: silent,
      onFailure: () => undefined,
    });
    closing.push(async () => {
      abort.abort();
      await host.stop();
    });
    const before = Date.now() / 1000;
    await host.start();
    await waitFor('two failed polls', () => polls >= 2, 20_000);
    // Since the first failure, not the latest: an alert reads how long the system has been away.
    const since = await gauge();
    expect(since).toBeGreaterThanOrEqual(before - 1);
    await waitFor('a third failed poll', () => polls >= 3, 20_000);
    expect(await gauge()).toBe(since);
    expect(counters.lastError).toMatch(/HTTP 503/);
    down = false;
    await waitFor('the gauge back to 0', async () => (await gauge()) === 0, 20_000);
    expect(counters.lastError).toBeNull();
    abort.abort();
    await host.stop();
  }, 60_000);

  it('a task that polls ahead is polled for its next batch while this one is mapped; one that does not, only after', async () => {
    for (const pollsAhead of [true, false]) {
      const { name, topic, offsets } = await connectorTopics('overlap', 1);
      // What happened, in order: each poll's start and each document's mapping (30 ms of work, yielding between).
      const events: string[] = [];
      const { task, give, committed } = aheadTask();
      const poll = task.poll.bind(task);
      const counted: SourceTask = {
        ...task,
        pollsAhead,
        poll: () => {
          events.push('poll');
          return poll();
        },
      };
      const step = {
        prepareEagerly: (input: DocumentInput) => {
          const until = performance.now() + 30;
          while (performance.now() < until);
          events.push(`mapped ${input.name}`);
          return {
            records: [{ topic, key: input.name ?? null, value: input.bytes }],
            published: 1,
            deadLettered: [],
          };
        },
      } as unknown as MappingStep;
      for (let i = 1; i <= 3; i++) {
        give(`doc-${i}`, i);
        give(`doc-${i}b`, i * 10);
      }
      const abort = new AbortController();
      const host = new SourceHost({
        name,
        group,
        task: counted,
        context: { name, logger: silent, signal: abort.signal } as unknown as ConnectorContext,
        bus,
        step,
        offsets,
        format: 'test',
        counters: newCounters(),
        logger: silent,
        onFailure: () => undefined,
      });
      closing.push(async () => {
        abort.abort();
        await host.stop();
      });
      await host.start();
      await waitFor('six documents committed', () => committed.length === 6, 20_000);
      abort.abort();
      await host.stop();
      expect(committed.map((c) => c.name)).toEqual(['doc-1', 'doc-1b', 'doc-2', 'doc-2b', 'doc-3', 'doc-3b']);
      // The poll after the first batch's: before its mapping ended (polling ahead), or after it.
      const firstMapped = events.indexOf('mapped doc-1');
      const secondPoll = events.indexOf('poll', events.indexOf('poll') + 1);
      expect(secondPoll < firstMapped, events.join(', ')).toBe(pollsAhead);
    }
  }, 60_000);

  it('batches mapped in the mapping threads: the next one is handed over before the one ahead of it is mapped', async () => {
    const { name, topic, offsets } = await connectorTopics('threads', 1);
    const { task, committed } = aheadTask();
    // Three batches of a thousand documents (a transaction's worth each: MAX_GROUPED_DOCUMENTS).
    const batches = ['a', 'b', 'c'].map((label) =>
      Array.from({ length: 1000 }, (_, i) => ({
        bytes: Buffer.from(`${label}-${i}`),
        name: `${label}-${i}`,
        position: { partition: 'p', offset: `${label}-${i}` },
      })),
    );
    const queued = [...batches];
    task.poll = async () => {
      const next = queued.shift();
      if (!next) await new Promise((resolve) => setTimeout(resolve, 5));
      return next ?? [];
    };
    /** Each batch handed to the threads, by its first document, and the release of its mapping. */
    const handed: string[] = [];
    const release = new Map<string, () => void>();
    const mapAll = (inputs: DocumentInput[]) => {
      const first = inputs[0]!.name!;
      handed.push(first);
      const prepared = inputs.map((input) => ({
        records: [{ topic, key: input.name ?? null, value: input.bytes }],
        published: 1,
        deadLettered: [],
      }));
      // Batch b's mapping takes until the test says: c must be handed over meanwhile.
      if (!first.startsWith('b')) return Promise.resolve(prepared);
      return new Promise<typeof prepared>((resolve) => release.set(first, () => resolve(prepared)));
    };
    const abort = new AbortController();
    const host = new SourceHost({
      name,
      group,
      task,
      context: { name, logger: silent, signal: abort.signal } as unknown as ConnectorContext,
      bus,
      step: passThrough(topic),
      mapAll,
      offsets,
      format: 'test',
      counters: newCounters(),
      logger: silent,
      onFailure: () => undefined,
    });
    closing.push(async () => {
      abort.abort();
      await host.stop();
    });
    await host.start();
    await waitFor('batch c handed to the threads', () => handed.includes('c-0'), 20_000);
    // Only a's transaction is done: b's waits for its mapping, c's for b's.
    expect(handed).toEqual(['a-0', 'b-0', 'c-0']);
    expect(committed.map((c) => c.name)).toEqual(batches[0]!.map((d) => d.name));
    release.get('b-0')!();
    await waitFor('all committed', () => committed.length === 3000, 20_000);
    expect(committed.map((c) => c.name)).toEqual(batches.flat().map((d) => d.name));
    expect(committed.every((c) => c.ok)).toBe(true);
    const read = await readToEnd(topic, () => true);
    expect(read.map((m) => m.key?.toString())).toEqual(batches.flat().map((d) => d.name));
  }, 60_000);
});
