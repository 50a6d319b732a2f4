import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import { metricsRegistry } from '../../lib/metrics.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin, type SourceDocument } from '../sdk/index.ts';

// kafkajs's error classes as it throws them (its typings leave some out, and some of their constructors' arguments).
type ErrorClass = new (...args: unknown[]) => Error;
const { KafkaJSBrokerNotFound, KafkaJSConnectionClosedError } = createRequire(import.meta.url)(
  'kafkajs/src/errors',
) as Record<'KafkaJSBrokerNotFound' | 'KafkaJSConnectionClosedError', ErrorClass>;

const fixture = readFileSync('formats/sap-idoc-orders05/fixtures/several-idocs.xml', 'utf8');
const firstIdoc = fixture.slice(fixture.indexOf('<IDOC'), fixture.indexOf('</IDOC>') + '</IDOC>'.length);

/** Start attempts per connector, and the errors its first starts fail with (then it starts and hands out one IDoc). */
const attempts = new Map<string, number>();

/**
 * A source whose start fails with `failing` (kafkajs's errors of a broker restarting, or a wrong config) for its
 * first `failures` attempts, then works: it hands out one IDoc order once (its position kept), then nothing.
 */
const flakySource = definePlugin({
  type: 'flaky-start-source',
  kind: 'source',
  description: 'test source whose start fails at first',
  config: z.object({ failures: z.number(), failing: z.enum(['broker', 'config']) }),
  defaults: { format: 'sap-idoc-orders05', mapping: 'sap/idoc-orders05.to-canonical.yaml' },
  createSource: (config, context) => {
    let handedOut = false;
    return {
      async start(positions) {
        const attempt = (attempts.get(context.name) ?? 0) + 1;
        attempts.set(context.name, attempt);
        if (attempt <= config.failures) {
          if (config.failing === 'config')
            throw new ConfigError(`config.dir: /nowhere/${context.name} does not exist`);
          throw attempt % 2
            ? new KafkaJSBrokerNotFound('Broker -1 not found in the cached metadata')
            : new KafkaJSConnectionClosedError('Closed connection', { host: '127.0.0.1', port: 19092 });
        }
        handedOut = positions.has('orders');
      },
      async poll(): Promise<SourceDocument[]> {
        if (handedOut) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return [];
        }
        handedOut = true;
        const docnum = `${Date.now()}`.padStart(16, '0');
        const idoc = firstIdoc.replace(/<DOCNUM>\d+<\/DOCNUM>/, `<DOCNUM>${docnum}</DOCNUM>`);
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ORDERS05>\n${idoc}\n</ORDERS05>\n`;
        return [{ bytes: Buffer.from(xml), name: 'order.xml', position: { partition: 'orders', offset: 1 } }];
      },
      async commit() {},
      async stop() {},
    };
  },
});

/** Polls per connector of the failing-poll source. */
const polls = new Map<string, number>();

/**
 * A source whose polls fail: `retriable` ones (a system away) for `failures` polls, then it polls nothing; or one that
 * says asking again cannot help (a revoked key) at its first poll.
 */
const failingPollSource = definePlugin({
  type: 'failing-poll-source',
  kind: 'source',
  description: 'test source whose polls fail',
  config: z.object({ failures: z.number(), retriable: z.boolean() }),
  defaults: { format: 'sap-idoc-orders05', mapping: 'sap/idoc-orders05.to-canonical.yaml' },
  createSource: (config, context) => ({
    async start() {},
    async poll(): Promise<SourceDocument[]> {
      const n = (polls.get(context.name) ?? 0) + 1;
      polls.set(context.name, n);
      if (n <= config.failures) {
        if (config.retriable) throw new RetriableError('the system does not answer');
        throw new NonRetriableError('the system refused the API key (401): check config.apiKey');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      return [];
    },
    async commit() {},
    async stop() {},
  }),
});

describe('a connector that failed with a transient error restarts by itself', () => {
  const bus = testBus('/eai/tests/auto-restart');
  let runtime: ConnectorRuntime;
  const topic = unique('auto-restart');

  beforeAll(async () => {
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, flakySource, failingPollSource],
      logger: pino({ level: 'silent' }),
      group: unique('connect'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const put = (name: string, config: object, restart: object) =>
    runtime.put(
      {
        name,
        type: 'flaky-start-source',
        outputTopics: { 'eai.canonical.SalesOrderEvent': topic },
        restart,
        config,
      },
      'test',
    );
  const restartsSeries = async (name: string) =>
    (await metricsRegistry.getMetricsAsJSON())
      .find((m) => m.name === 'eai_connector_restarts_total')
      ?.values.find((v) => v.labels.connector === name)?.value;

  it('a source whose start fails twice on Kafka errors ends RUNNING with restarts 2, its document published', async () => {
    const name = unique('flaky');
    await put(name, { failures: 2, failing: 'broker' }, { initialDelayMs: 100, maxDelayMs: 400 });
    // RUNNING is written as a start begins: wait for the third start, the one that works.
    await waitFor(
      'the connector running after two restarts',
      async () => (await runtime.status(name))?.state === 'RUNNING' && attempts.get(name) === 3,
      10_000,
    );
    const status = await runtime.status(name);
    expect(attempts.get(name)).toBe(3);
    expect(status?.autoRestart).toMatchObject({
      restarts: 2,
      nextRestartAt: null,
      error: 'Closed connection',
    });
    expect(status?.trace).toBeNull();
    await waitFor(
      'its document published',
      async () => (await runtime.status(name))?.metrics.recordsOut === 1,
    );
    expect(await restartsSeries(name)).toBe(2);
  });

  it('a failure a restart cannot help (a wrong config) stays FAILED, no restart pending', async () => {
    const name = unique('misconfigured');
    await put(name, { failures: 100, failing: 'config' }, { initialDelayMs: 50, maxDelayMs: 50 });
    const status = await runtime.status(name);
    expect(status).toMatchObject({ state: 'FAILED', trace: `config.dir: /nowhere/${name} does not exist` });
    expect(status?.autoRestart?.nextRestartAt ?? null).toBeNull();
    // Several backoffs later: still its one start, still FAILED.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(attempts.get(name)).toBe(1);
    expect((await runtime.status(name))?.state).toBe('FAILED');
    expect(await restartsSeries(name)).toBe(0);
  });

  it('a pause while the restart waits cancels it; a resume starts afresh', async () => {
    const name = unique('paused');
    await put(name, { failures: 2, failing: 'broker' }, { initialDelayMs: 1_500, maxDelayMs: 1_500 });
    const failed = await runtime.status(name);
    expect(failed).toMatchObject({
      state: 'FAILED',
      trace: 'Broker -1 not found in the cached metadata',
      autoRestart: { restarts: 0, error: 'Broker -1 not found in the cached metadata' },
    });
    const due = Date.parse(failed?.autoRestart?.nextRestartAt ?? '');
    expect(due - Date.now()).toBeGreaterThan(500);
    expect(due - Date.now()).toBeLessThanOrEqual(1_500);

    await runtime.setTargetState(name, 'PAUSED');
    expect(await runtime.status(name)).toMatchObject({ state: 'PAUSED', autoRestart: null });
    await new Promise((resolve) => setTimeout(resolve, due - Date.now() + 500));
    expect(attempts.get(name)).toBe(1);
    expect((await runtime.status(name))?.state).toBe('PAUSED');

    // Resumed, it starts at once (its second failure, a restart pending again after the first delay), then recovers.
    await runtime.setTargetState(name, 'RUNNING');
    expect(attempts.get(name)).toBe(2);
    expect((await runtime.status(name))?.autoRestart).toMatchObject({ restarts: 0 });
    await waitFor(
      'the connector running',
      async () => (await runtime.status(name))?.state === 'RUNNING',
      10_000,
    );
    expect((await runtime.status(name))?.autoRestart?.restarts).toBe(1);
  });

  it('a poll that says asking again cannot help fails the connector (as Kafka Connect fails the task), no restart pending; one that can help keeps it RUNNING', async () => {
    const gaveUp = unique('poll-refused');
    await runtime.put(
      {
        name: gaveUp,
        type: 'failing-poll-source',
        restart: { initialDelayMs: 50, maxDelayMs: 50 },
        config: { failures: 100, retriable: false },
      },
      'test',
    );
    await waitFor('the connector failed', async () => (await runtime.status(gaveUp))?.state === 'FAILED');
    const failed = await runtime.status(gaveUp);
    expect(failed?.trace).toBe('the system refused the API key (401): check config.apiKey');
    expect(failed?.autoRestart?.nextRestartAt ?? null).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Polled once: not polled again, not restarted.
    expect(polls.get(gaveUp)).toBe(1);
    expect((await runtime.status(gaveUp))?.state).toBe('FAILED');

    const away = unique('poll-away');
    await runtime.put(
      { name: away, type: 'failing-poll-source', config: { failures: 2, retriable: true } },
      'test',
    );
    await waitFor(
      'its polls failing',
      async () => (await runtime.status(away))?.metrics.lastError === 'the system does not answer',
    );
    expect((await runtime.status(away))?.state).toBe('RUNNING');
    await waitFor('polling again', async () => (polls.get(away) ?? 0) > 3, 10_000);
    expect((await runtime.status(away))?.state).toBe('RUNNING');
    await runtime.remove(gaveUp);
    await runtime.remove(away);
  });
});
