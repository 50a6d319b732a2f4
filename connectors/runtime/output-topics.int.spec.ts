import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';

/**
 * A connector that cannot publish or cannot stop says so and holds up no other: an output topic that does not
 * exist is refused when the connector is written, one deleted while it runs fails it with the topic named, and a
 * task that never stops is left behind after the runtime's deadline instead of blocking every later change.
 */

/** A source whose task polls nothing and, with `hang`, never finishes stopping (a system call that never ends). */
const stuckSource = definePlugin({
  type: 'stuck-source',
  kind: 'source',
  description: 'test source whose stop may never end',
  config: z.object({ hang: z.boolean().default(true) }),
  defaults: { format: 'sap-idoc-orders05' },
  createSource: (config, context) => ({
    async start() {},
    async poll() {
      if (!context.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
      return [];
    },
    async commit() {},
    stop: () => (config.hang ? new Promise<void>(() => {}) : Promise.resolve()),
  }),
});

const fixture = readFileSync('formats/sap-idoc-orders05/fixtures/several-idocs.xml', 'utf8');

describe('connectors whose topic is missing or whose task does not stop', () => {
  const bus = testBus('/eai/tests/output-topics');
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    await bus.provisionTopics();
    runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, stuckSource],
      logger: pino({ level: 'silent' }),
      group: unique('connect'),
      stopTimeoutMs: 500,
      topicCheckMs: 300,
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('refuses an output topic that does not exist, naming the field', async () => {
    const name = unique('no-topic');
    const missing = unique('no.such.topic');
    const refused = await runtime
      .put(
        {
          name,
          type: 'file-source',
          format: 'sap-idoc-orders05',
          outputTopics: { 'eai.canonical.SalesOrderEvent': missing },
          config: { dir: mkdtempSync(join(tmpdir(), 'eai-nowhere-')) },
        },
        'body',
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).fields).toEqual([
      {
        field: 'outputTopics["eai.canonical.SalesOrderEvent"]',
        problem: expect.stringMatching(
          new RegExp(`^topic "${missing}" does not exist; the topic must exist`),
        ),
      },
    ]);
    expect(runtime.names()).not.toContain(name);
  });

  it('fails a running source whose output topic was deleted, naming the topic', async () => {
    const topic = unique('eai.test.orders');
    const admin = bus.transport.admin();
    await admin.connect();
    try {
      await admin.createTopics([{ topic, partitions: 1 }]);
      const dir = mkdtempSync(join(tmpdir(), 'eai-drop-'));
      const name = unique('gone-topic');
      await runtime.put(
        {
          name,
          type: 'file-source',
          format: 'sap-idoc-orders05',
          outputTopics: { 'eai.canonical.SalesOrderEvent': topic },
          config: { dir, stableMs: 50 },
        },
        'body',
      );
      expect((await runtime.status(name))?.state).toBe('RUNNING');
      await admin.deleteTopics([topic]);
      writeFileSync(join(dir, 'orders.xml'), fixture);
      await waitFor(
        'the connector FAILED',
        async () => (await runtime.status(name))?.state === 'FAILED',
        30_000,
      );
      const status = (await runtime.status(name))!;
      expect(status.trace).toMatch(
        new RegExp(`output topic "${topic.replaceAll('.', '\\.')}" does not exist`),
      );
      expect(status.metrics.lastError).toBe(status.trace);
      const removing = Date.now();
      await runtime.remove(name);
      expect(Date.now() - removing).toBeLessThan(5000);
    } finally {
      await admin.disconnect();
    }
  });

  it('leaves a task that does not stop behind after the deadline: its connector FAILED, the others go on', async () => {
    const stuck = unique('stuck');
    const other = unique('other');
    await runtime.put({ name: stuck, type: 'stuck-source', config: { hang: true } }, 'body');
    await runtime.put({ name: other, type: 'stuck-source', config: { hang: false } }, 'body');
    expect((await runtime.status(stuck))?.state).toBe('RUNNING');

    await runtime.setTargetState(stuck, 'PAUSED');
    const status = (await runtime.status(stuck))!;
    expect(status.state).toBe('FAILED');
    expect(status.trace).toMatch(/did not stop within 500 ms/);

    const started = Date.now();
    await runtime.setTargetState(other, 'PAUSED');
    expect((await runtime.status(other))?.state).toBe('PAUSED');
    // A restart starts a new task (the stuck one is gone from this runtime); the next stop is bounded too.
    await runtime.restart(stuck);
    expect((await runtime.status(stuck))?.state).toBe('PAUSED');
    await runtime.remove(stuck);
    await runtime.remove(other);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
