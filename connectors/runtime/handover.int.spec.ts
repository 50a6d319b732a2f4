import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../lib/metrics.ts';
import { closedPort } from '../../tests/ports.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { slotOf } from './runtime.ts';

interface Line {
  msg: string;
  connector?: string;
  connectors?: string[];
  reason?: string;
}

/**
 * What two instances of one connect group say as connectors move between them, are paused, deleted and shut down:
 * in the HA trial the instance a connector left logged its start and never its stop, and a paused connector had no
 * `eai_connector_running` series at 1 (the dashboard's state table lost it).
 */
describe('two instances of a connect group: handover as the operator sees it', () => {
  const bus = testBus('/eai/tests/handover');
  const group = unique('handover');
  const runtimes: ConnectorRuntime[] = [];
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop();
  });

  function instance(workerId: string, inGroup = group) {
    const lines: Line[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
    );
    const runtime = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger, group: inGroup, workerId });
    runtimes.push(runtime);
    return { runtime, lines };
  }

  it('logs each connector stopped where it stopped and why, and shows a paused one in /metrics', async () => {
    await bus.provisionTopics();
    // Four connectors on slots 0-3: whatever half of the twelve slots the second instance gets, it takes some.
    const names: string[] = [];
    while (names.length < 4) {
      const name = unique('handover-src');
      if (slotOf(name) < 4 && !names.some((n) => slotOf(n) === slotOf(name))) names.push(name);
    }
    const a = instance(unique('worker-a'));
    await a.runtime.start();
    for (const name of names)
      await a.runtime.put(
        {
          name,
          type: 'file-source',
          format: 'sap-idoc-orders05',
          config: { dir: mkdtempSync(join(tmpdir(), 'eai-handover-')), idleWaitMs: 50 },
        },
        'test',
      );
    const workerOf = async (name: string) => (await a.runtime.status(name))?.workerId;
    await waitFor('every connector on a', async () => {
      for (const name of names) if ((await workerOf(name)) !== a.runtime.workerId) return false;
      return true;
    });

    const b = instance(unique('worker-b'));
    await b.runtime.start();
    let onB: string[] = [];
    await waitFor(
      'some connectors moved to b',
      async () => {
        onB = [];
        for (const name of names)
          if ((await b.runtime.status(name))?.workerId === b.runtime.workerId) onB.push(name);
        return onB.length > 0 && b.runtime.local().length === onB.length;
      },
      30_000,
    );
    // The instance they left says so, one line each, with the reason.
    await waitFor('a logged their stops', () =>
      onB.every((name) => a.lines.some((l) => l.msg === 'connector stopped here' && l.connector === name)),
    );
    const stops = a.lines.filter((l) => l.msg === 'connector stopped here');
    expect(stops.map((l) => l.connector).sort()).toEqual([...onB].sort());
    expect(new Set(stops.map((l) => l.reason))).toEqual(new Set(['its slot moved to another instance']));

    // Paused on a, the instance that runs it (b) shows it PAUSED in /metrics, as its readiness details do.
    const paused = onB[0]!;
    await a.runtime.setTargetState(paused, 'PAUSED');
    const series = async (state: string) =>
      (await metricsRegistry.getMetricsAsJSON())
        .find((m) => m.name === 'eai_connector_running')
        ?.values.find((v) => v.labels.connector === paused && v.labels.state === state)?.value;
    await waitFor('b runs it paused', () =>
      b.runtime.local().some((c) => c.name === paused && c.state === 'PAUSED'),
    );
    expect(await series('PAUSED')).toBe(1);
    expect(await series('RUNNING')).toBe(0);
    await a.runtime.setTargetState(paused, 'RUNNING');
    await waitFor('b runs it again', async () => (await series('RUNNING')) === 1);
    expect(await series('PAUSED')).toBe(0);

    // Deleted on a: b, which ran it, says it stopped it because it was deleted.
    await a.runtime.remove(paused);
    await waitFor('b logged the delete', () =>
      b.lines.some(
        (l) => l.msg === 'connector stopped here' && l.connector === paused && l.reason === 'deleted',
      ),
    );

    // A shutdown names what it stopped.
    const left = b.runtime.local().map((c) => c.name);
    runtimes.splice(runtimes.indexOf(b.runtime), 1);
    await b.runtime.stop();
    const shutdown = b.lines.find((l) => l.msg === 'connectors stopped here: this instance is shutting down');
    expect(shutdown?.connectors?.sort()).toEqual(left.sort());
  }, 90_000);

  it('says once, not per request, that webhook requests cannot be forwarded to the instance that ran the connector', async () => {
    // The owner gone (SIGKILL) and its session not timed out yet: each request the other instance forwards fails.
    const own = unique('handover-hooks');
    const name = unique('handover-hook');
    const [a, b] = [instance(unique('worker-a'), own), instance(unique('worker-b'), own)];
    await a.runtime.start();
    await b.runtime.start();
    await a.runtime.put(
      {
        name,
        type: 'webhook-source',
        format: 'hubspot-contact',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: { signature: { scheme: 'none' } },
      },
      'test',
    );
    let owner: ConnectorRuntime | undefined;
    await waitFor('one instance runs the webhook', () => {
      owner = [a.runtime, b.runtime].find((r) =>
        r.local().some((c) => c.name === name && c.state === 'RUNNING'),
      );
      return owner !== undefined;
    });
    const other = owner === a.runtime ? b : a;
    await owner!.advertise(`http://127.0.0.1:${await closedPort()}`);
    await waitFor(
      'the other instance sees its URL',
      async () => (await other.runtime.status(name))?.workerUrl?.startsWith('http://127.0.0.1:') === true,
    );
    const request = {
      method: 'POST',
      path: '/',
      url: `http://127.0.0.1/webhooks/${name}`,
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from('[]'),
    };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await other.runtime.webhook(name, request)).status);
    expect(new Set(statuses)).toEqual(new Set([503]));
    expect(other.lines.filter((l) => l.msg === 'webhook request not forwarded')).toHaveLength(1);
  }, 60_000);
});
