import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

/** The keys of one raw JSON log line, in order, duplicates kept (JSON.parse keeps only the last of each). */
const keysOf = (line: string) => [...line.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => m[1]!);

/**
 * A connector's log lines as pino writes them: the runtime binds `connector` on the connector's logger, so neither the
 * connector's code nor a child of that logger may bind or pass it again (pino would write the key twice).
 */
describe("a connector's log lines", () => {
  const bus = testBus('/eai/tests/log-keys');
  const raw: string[] = [];
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    await bus.provisionTopics();
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      // As the hub builds it (ops/hub.ts).
      logger: pino({ level: 'debug' }, stream).child({ component: 'connectors' }),
      group: unique('connect-log-keys'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('name each key once, the connector among them', async () => {
    const name = unique('hook-unsigned');
    await runtime.put(
      {
        name,
        type: 'webhook-source',
        format: 'sap-idoc-orders05',
        mapping: 'sap/idoc-orders05.to-canonical.yaml',
        // Unsigned, as the demo's salesforce-accounts: the source warns about it at start.
        config: { signature: { scheme: 'none' } },
      },
      'test',
    );
    const mine = () => raw.filter((line) => line.includes(`"connector":"${name}"`));
    await waitFor('the unsigned webhook warning', () =>
      mine().some((line) => line.includes('webhook signatures are not checked')),
    );
    for (const line of mine()) {
      const keys = keysOf(line);
      expect(
        keys.filter((k) => k === 'connector'),
        line,
      ).toHaveLength(1);
      expect(
        keys.filter((k, i) => keys.indexOf(k) !== i),
        line,
      ).toEqual([]);
    }
  });
});
