import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { slotOf } from './runtime.ts';

interface Line {
  msg: string;
  otherWorker?: string;
}

/**
 * Two instances given one EAI_INSTANCE_ID (a copied manifest) make every status ambiguous: which one runs the
 * connector? The one that sees the other's statuses says so; a restart under the same name (the predecessor gone)
 * and instances with names of their own say nothing.
 */
describe('one instance name given to two live instances', () => {
  const bus = testBus('/eai/tests/instance-names');
  const group = unique('names');
  const runtimes: ConnectorRuntime[] = [];
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop();
  });

  function instance(name: string) {
    const lines: Line[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
    );
    // A short stop timeout: the wait before statuses under the same name count as a live duplicate is that plus 5 s.
    const runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group,
      workerId: unique('worker'),
      instance: name,
      stopTimeoutMs: 200,
    });
    runtimes.push(runtime);
    return { runtime, lines };
  }

  it('is said by the instance that sees the other, in its log and its sameNameAs; not after a restart', async () => {
    await bus.provisionTopics();
    // Connectors on every slot: whichever slots each instance gets, it runs some and writes their statuses.
    const names: string[] = [];
    while (names.length < 12) {
      const name = unique('names-src');
      if (!names.some((n) => slotOf(n) === slotOf(name))) names.push(name);
    }
    // The predecessor: stopped before the others start, its statuses left on the topic under its name.
    const gone = instance('hub-0');
    await gone.runtime.start();
    await Promise.all(
      names.map((name) =>
        gone.runtime.put(
          {
            name,
            type: 'file-source',
            format: 'sap-idoc-orders05',
            config: { dir: mkdtempSync(join(tmpdir(), 'eai-names-')), idleWaitMs: 50 },
          },
          'test',
        ),
      ),
    );
    await waitFor('the predecessor runs them', () => gone.runtime.local().length === names.length);
    await gone.runtime.stop();

    const [a, b, other] = [instance('hub-0'), instance('hub-0'), instance('hub-1')];
    await Promise.all([a.runtime.start(), b.runtime.start(), other.runtime.start()]);
    await waitFor(
      'an instance named hub-0 sees the other',
      () => a.runtime.sameNameAs.length + b.runtime.sameNameAs.length > 0,
      30_000,
    );
    const seen = [...a.runtime.sameNameAs, ...b.runtime.sameNameAs];
    // Only the live one is named: never the stopped predecessor, never the instance called hub-1.
    expect(new Set(seen).size).toBeGreaterThan(0);
    for (const worker of seen) expect([a.runtime.workerId, b.runtime.workerId]).toContain(worker);
    expect(seen).not.toContain(gone.runtime.workerId);
    expect(other.runtime.sameNameAs).toEqual([]);
    const said = [...a.lines, ...b.lines].filter((l) => l.msg.startsWith('another hub instance runs under'));
    expect(said.map((l) => l.otherWorker).sort()).toEqual([...seen].sort());
  });
});
