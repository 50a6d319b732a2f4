import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exampleJson } from '../../schemas/examples.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';
import type { ConnectorDefinition } from './definition.ts';

const silent = pino({ level: 'silent' });

/** A sink that notes which label (its config) applied which customer. */
function labelSink(applied: Array<{ label: string; customerId: string }>) {
  return definePlugin({
    type: 'label-sink',
    kind: 'sink',
    description: 'test sink',
    config: z.object({ label: z.string() }),
    createSink: (config) => ({
      async put(record) {
        const { customerId } = (record.value as { customer: { customerId: string } }).customer;
        applied.push({ label: config.label, customerId });
      },
      async stop() {},
    }),
  });
}

describe('a deployment folder at start', () => {
  const bus = testBus('/eai/tests/deploy-at-start');
  const applied: Array<{ label: string; customerId: string }> = [];
  const plugins = [...builtinPlugins, labelSink(applied)];
  const runtimes: ConnectorRuntime[] = [];
  const runtime = () => {
    const own = new ConnectorRuntime({ bus, plugins, logger: silent, group });
    runtimes.push(own);
    return own;
  };
  const group = unique('connect-deploy');
  beforeAll(() => bus.provisionTopics());
  afterAll(async () => {
    for (const own of runtimes) await own.stop();
  });

  it('runs the definitions the folder holds now, never the ones stored by an earlier deploy of it', async () => {
    // Seen in the ops trial: a hub restarted on a folder whose sink had a new path wrote the records waiting for it
    // to the old path, and ran a connector whose file was deleted, before writing the folder over the stored configs.
    const dir = mkdtempSync(join(tmpdir(), 'eai-deploy-'));
    const [kept, gone] = [unique('kept'), unique('gone')];
    const sink = (name: string, topic: string, label: string): ConnectorDefinition => ({
      name,
      type: 'label-sink',
      state: 'RUNNING',
      topics: [topic],
      config: { label },
    });
    await bus.provisionTopics([kept, gone].map((topic) => ({ topic, partitions: 1 })));
    const first = runtime();
    await first.start({ definitions: [sink(kept, kept, 'old'), sink(gone, gone, 'gone')], baseDir: dir });
    await waitFor('both sinks run', async () =>
      (await Promise.all([kept, gone].map((name) => first.status(name)))).every(
        (s) => s?.state === 'RUNNING',
      ),
    );
    await first.stop();

    // Records arrive while the hub is down; then it starts on the folder with the sink changed and the other deleted.
    const publisher = await bus.publisher();
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    await publisher.publish(
      [kept, gone].map((topic) => ({
        schema: 'CustomerEvent',
        topic,
        value: { ...base, customer: { ...base.customer, customerId: topic } },
      })),
    );
    const second = runtime();
    await second.start({ definitions: [sink(kept, kept, 'new')], baseDir: dir });
    await waitFor('the record applied', async () => applied.some((a) => a.customerId === kept));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(applied).toEqual([{ label: 'new', customerId: kept }]);
    expect(second.names()).toEqual([kept]);
  });
});
