import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RetriableError } from '../../lib/errors.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';
import { sinkGroupId } from './connector-ids.ts';

/** Each put the sink began, by customer id, and the ones it applied, in order. */
const began: string[] = [];
const applied: string[] = [];
/** The customer ids whose put waits until the task stops (it then fails, retriable: not applied). */
const held = new Set<string>();

/** A sink that takes 10 records at once (`concurrency`), as a sink that writes in batches does. */
const concurrentSink = definePlugin({
  type: 'concurrent-test-sink',
  kind: 'sink',
  description: 'test sink: 10 puts in hand at once; holds the records named in `held` until it stops',
  config: z.object({}),
  createSink: (_config, context) => ({
    concurrency: 10,
    async put(record) {
      const id = (record.value as { customer: { customerId: string } }).customer.customerId;
      began.push(id);
      if (held.has(id)) {
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
        throw new RetriableError(`${id} abandoned: the task stops`);
      }
      applied.push(id);
    },
    async stop() {},
  }),
});

/**
 * The sink contract with `concurrency`: the runtime hands the task several records of different keys at once, and
 * acknowledges (commits) each only once its put resolved. A record still in hand when the task stops is delivered
 * again to the next task; those before it on its partition are not.
 */
describe('a sink task that takes several records at once', () => {
  const bus = testBus('/eai/tests/sink-concurrency');
  const group = unique('connect');
  let runtime: ConnectorRuntime;
  const sample = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };

  beforeAll(async () => {
    runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, concurrentSink],
      logger: pino({ level: 'silent' }),
      group,
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('puts records of different keys in hand together and, after a restart, delivers again only from the first not applied', async () => {
    const topic = unique('concurrent-in');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const ids = Array.from({ length: 10 }, (_, i) => `K-${i}`);
    held.add('K-5');
    const publisher = await bus.publisher();
    await publisher.publish(
      ids.map((customerId) => ({
        schema: 'CustomerEvent',
        topic,
        key: customerId,
        value: { ...sample, customer: { ...sample.customer, customerId } },
      })),
    );
    await publisher.close();
    const name = unique('concurrent');
    await runtime.put({ name, type: 'concurrent-test-sink', topics: [topic], config: {} }, 'test');

    // The records after K-5 were applied while K-5 was in hand: several at once.
    await waitFor('the nine others applied', () => applied.length === 9);
    expect(applied).toEqual(ids.filter((id) => id !== 'K-5'));
    expect(began).toContain('K-5');
    const admin = bus.transport.admin();
    await admin.connect();
    const committed = async () =>
      Number((await admin.groupOffsets(sinkGroupId(name, group), topic))[0]?.offset ?? -1);
    try {
      // Nothing past K-5 is acknowledged while it is in hand.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await committed()).toBeLessThanOrEqual(5);

      held.clear();
      applied.length = 0;
      await runtime.restart(name);
      await waitFor('K-5 and those after it applied again', () => applied.length === 5);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // K-0..K-4 were acknowledged: not delivered again; K-5 was not: delivered again, with the records after it on
      // its partition (Kafka commits a partition's offset, not each record: they are written again, idempotently).
      expect([...applied].sort()).toEqual(['K-5', 'K-6', 'K-7', 'K-8', 'K-9']);
      await waitFor('all ten acknowledged', async () => (await committed()) === 10);
    } finally {
      await admin.disconnect();
      await runtime.remove(name);
    }
  }, 30_000);
});
