import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';
import type { ConnectorDefinition } from './definition.ts';
import { CONNECTORS_AT_ONCE } from './runtime.ts';
import { brokerConnections } from './test-support.ts';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A source that never has documents and polls ahead (as a drop folder or a webhook does); its task's start takes
 * `startMs` and notes, in order, when each connector's start began and ended.
 */
function idleSource(events: string[], startMs: number) {
  return definePlugin({
    type: 'idle-source',
    kind: 'source',
    description: 'test source: nothing to read',
    config: z.object({}),
    createSource: (_config, context) => ({
      pollsAhead: true,
      async start() {
        events.push(`begin ${context.name}`);
        await sleep(startMs);
        events.push(`end ${context.name}`);
      },
      async poll() {
        await sleep(50);
        return [];
      },
      async commit() {},
      async stop() {},
    }),
  });
}

/** The most starts begun and not yet ended at one time, from the events in order. */
function mostAtOnce(events: string[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    running += event.startsWith('begin ') ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

describe('a hub of many connectors', () => {
  const bus = testBus('/eai/tests/at-scale');
  const runtimes: ConnectorRuntime[] = [];
  beforeAll(() => bus.provisionTopics());
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop().catch(() => undefined);
  });

  const definitions = (label: string, count: number): ConnectorDefinition[] =>
    Array.from({ length: count }, (_, i) => ({
      name: unique(`${label}-${i}`),
      type: 'idle-source',
      format: 'json',
      state: 'RUNNING',
      config: {},
    }));

  it(`starts its connectors ${CONNECTORS_AT_ONCE} at a time, not one after another`, async () => {
    const events: string[] = [];
    const runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, idleSource(events, 300)],
      logger: silent,
      group: unique('connect-scale'),
    });
    runtimes.push(runtime);
    const deployed = definitions('parallel', CONNECTORS_AT_ONCE + 4);
    await runtime.start({ definitions: deployed, baseDir: mkdtempSync(join(tmpdir(), 'eai-scale-')) });
    await waitFor(
      'every connector running',
      () => runtime.local().filter((c) => c.state === 'RUNNING').length === deployed.length,
      30_000,
    );
    expect(events.filter((e) => e.startsWith('end ')).length).toBe(deployed.length);
    // One at a time, each start would end before the next began (at most one under way).
    const most = mostAtOnce(events);
    expect(most, events.join(', ')).toBeGreaterThan(1);
    expect(most, events.join(', ')).toBeLessThanOrEqual(CONNECTORS_AT_ONCE);
  }, 60_000);

  it('an idle source that polls ahead holds one transactional producer: its second one disconnects', async () => {
    const runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, idleSource([], 0)],
      logger: silent,
      group: unique('connect-idle'),
      spareProducerIdleMs: 2_000,
    });
    runtimes.push(runtime);
    await runtime.start();
    // What the hub holds with no connector (its views, its group membership), once settled.
    await sleep(500);
    const without = brokerConnections();
    const sources = definitions('idle', 4);
    await runtime.deploy(sources, mkdtempSync(join(tmpdir(), 'eai-idle-')));
    await waitFor(
      'every source running',
      () => runtime.local().filter((c) => c.state === 'RUNNING').length === sources.length,
      30_000,
    );
    // At start each connects both of its transactional ids (fencing an earlier instance's producers)…
    expect(brokerConnections() - without).toBeGreaterThanOrEqual(sources.length * 2);
    // …and once idle holds one connection (a single broker: one per producer) instead of two.
    await waitFor(
      'the spare producers disconnected',
      () => brokerConnections() - without <= sources.length,
      10_000,
    );
    await sleep(1_000);
    expect(brokerConnections() - without).toBeLessThanOrEqual(sources.length);
  }, 60_000);
});
