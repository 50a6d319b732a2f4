/**
 * A hub upgraded from a version whose sinks committed in `eai-sink-<name>` whatever their connect group (before
 * connector-ids.ts): its sinks outside the default group resume where they were instead of applying every record again
 * (the upgrade trial: every ORDRSP written to SAP twice). The state such a version leaves is made here by committing
 * the old group's offsets.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { ConnectorRuntime } from '../index.ts';
import { sinkGroupId } from './connector-ids.ts';
import { preGroupSinkGroupId } from './pre-group-offsets.ts';
import { customerIdSink } from './test-support.ts';

describe('a sink outside the default group, after an upgrade from ids without the group', () => {
  const bus = testBus('/eai/tests/pre-group-offsets');
  const runtimes: ConnectorRuntime[] = [];
  const admin = bus.transport.admin();
  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop().catch(() => undefined);
    await admin.disconnect();
  });

  /** A topic with customers C-1 to C-3, the old group's offset at `old` and the sink's own at `own` (if given). */
  async function upgraded(old: number, own?: number) {
    const topic = unique('pre-group-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    await publisher.publish(
      ['C-1', 'C-2', 'C-3'].map((customerId) => ({
        schema: 'CustomerEvent',
        topic,
        value: { ...base, customer: { ...base.customer, customerId } },
      })),
    );
    await publisher.close();
    const name = unique('pre-group-sink');
    const group = unique('pre-group');
    await admin.setGroupOffsets(preGroupSinkGroupId(name), topic, [{ partition: 0, offset: String(old) }]);
    if (own !== undefined)
      await admin.setGroupOffsets(sinkGroupId(name, group), topic, [{ partition: 0, offset: String(own) }]);
    const applied = new Map<string, string[]>();
    const runtime = new ConnectorRuntime({
      bus,
      plugins: [customerIdSink(applied)],
      logger: pino({ level: 'silent' }),
      group,
    });
    runtimes.push(runtime);
    await runtime.start();
    await runtime.put({ name, type: 'recording-sink', topics: [topic], config: {} }, 'test');
    await waitFor(
      'the sink committed to the end',
      async () => (await admin.groupOffsets(sinkGroupId(name, group), topic))[0]?.offset === '3',
      15_000,
    );
    return applied.get(name) ?? [];
  }

  it('takes over the old group offsets when its own group has none: nothing applied again', async () => {
    expect(await upgraded(2)).toEqual(['C-3']);
  });

  it('keeps its own offsets when it has some', async () => {
    expect(await upgraded(2, 1)).toEqual(['C-2', 'C-3']);
  });
});
