import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { customerIdSink } from './test-support.ts';

/** Per sink name, the customer ids it applied, in order. */
const applied = new Map<string, string[]>();

const recordingSink = customerIdSink(applied);

/**
 * `startAt` on a topic with history: `latest` applies only what is written after the sink started, `earliest` all of
 * it; once started, a `latest` sink resumes where it was (its start committed at once, so a stop before its first
 * record skips nothing), and a reset of its offsets starts it at the end again.
 */
describe("a sink's startAt", () => {
  const bus = testBus('/eai/tests/sink-start-at');
  const runtime = new ConnectorRuntime({
    bus,
    plugins: [...builtinPlugins, recordingSink],
    logger: pino({ level: 'silent' }),
    group: unique('start-at'),
  });
  afterAll(() => runtime.stop());

  it('latest applies only records written after its start, across restarts and after a reset; earliest all', async () => {
    const topic = unique('start-at-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    await runtime.start();
    const publisher = await bus.publisher();
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const publish = (...ids: string[]) =>
      publisher.publish(
        ids.map((customerId) => ({
          schema: 'CustomerEvent',
          topic,
          value: { ...base, customer: { ...base.customer, customerId } },
        })),
      );
    const [late, all] = [unique('late'), unique('all')];
    const state = async (name: string, target: 'RUNNING' | 'STOPPED') => {
      await runtime.setTargetState(name, target);
      await waitFor(`${name} ${target}`, async () => (await runtime.status(name))?.state === target, 15_000);
    };
    const appliedBy = (name: string, count: number) =>
      waitFor(`${name} applied ${count}`, () => (applied.get(name) ?? []).length >= count, 15_000);
    try {
      await publish('H-1', 'H-2', 'H-3');
      for (const [name, startAt] of [
        [late, 'latest'],
        [all, 'earliest'],
      ] as const)
        await runtime.put({ name, type: 'recording-sink', topics: [topic], startAt, config: {} }, 'test');
      for (const name of [late, all])
        await waitFor(
          `${name} RUNNING`,
          async () => (await runtime.status(name))?.state === 'RUNNING',
          15_000,
        );
      // Stopped before it applied anything: its start stays where it was, not the end at its next start.
      await state(late, 'STOPPED');
      await publish('N-1');
      await state(late, 'RUNNING');
      await appliedBy(late, 1);
      await appliedBy(all, 4);
      // A restart resumes from its committed offset: exactly the records written while it was stopped.
      await state(late, 'STOPPED');
      await publish('N-2', 'N-3');
      await state(late, 'RUNNING');
      await appliedBy(late, 3);
      expect(applied.get(late)).toEqual(['N-1', 'N-2', 'N-3']);
      // A reset forgets its offsets: it starts as a new `latest` sink does, at the end when resumed.
      await state(late, 'STOPPED');
      await runtime.alterOffsets(late, null);
      await publish('N-4');
      await state(late, 'RUNNING');
      await publish('N-5');
      await appliedBy(late, 4);
      await appliedBy(all, 8);
      expect(applied.get(late)).toEqual(['N-1', 'N-2', 'N-3', 'N-5']);
      expect(applied.get(all)).toEqual(['H-1', 'H-2', 'H-3', 'N-1', 'N-2', 'N-3', 'N-4', 'N-5']);
    } finally {
      await publisher.close();
    }
  });
});
