import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { readRawMessages, topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../index.ts';

/**
 * The outside trial's case, end to end: a drop folder connector reads a CSV customer report with one bad row in the
 * middle. Its good rows reach canonical.customer, the bad one alone goes to dlq.mapping naming its row, the file is
 * done (not an error), and the connector counts one document in, four records out, one failed.
 */
describe('a CSV customer report with one bad row, through a file-source connector', () => {
  const bus = testBus('/eai/tests/csv-rows');
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    await bus.provisionTopics();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: pino({ level: 'silent' }),
      group: unique('connect-csv-rows'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('publishes the good rows, dead-letters the bad one alone, and counts 1 in, 4 out, 1 failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-drop-csv-'));
    const run = Date.now().toString(36);
    const rows = [1, 2, 3, 4, 5].map(
      (n) => `${run}-${n},Firm ${n},c${n}@example.com,DE,${n === 3 ? '2024-01-15T25:99' : '2024-01-15'}`,
    );
    const bytes = Buffer.from(`Customer ID,Name,Email,Country,Created At\n${rows.join('\n')}\n`);
    const id = findReader('csv').parse(bytes)[0]!.id;
    const name = unique('csv-customers');
    const [customersFrom, lettersFrom] = await Promise.all([
      topicEnds('canonical.customer'),
      topicEnds('dlq.mapping'),
    ]);
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'csv',
        mapping: 'csv/customer-table.to-canonical.yaml',
        config: { dir, stableMs: 50 },
      },
      'test',
    );
    writeFileSync(join(dir, 'customers.csv'), bytes);
    await waitFor('the file in done/', () => existsSync(join(dir, 'done', 'customers.csv')));
    expect(existsSync(join(dir, 'error')) ? readdirSync(join(dir, 'error')) : []).toEqual([]);

    const published = await readRawMessages('canonical.customer', 4, {
      wanted: (m) => m.headers.ce_correlationid === id,
      from: customersFrom,
    });
    // Keyed by customer over the topic's partitions: in no order across them.
    expect(published.map((m) => [m.key, m.headers.ce_id]).sort()).toEqual(
      [1, 2, 4, 5].map((n) => [`csv:${run}-${n}`, `${id}:${n}`]),
    );
    const [letter] = await readRawMessages('dlq.mapping', 1, {
      wanted: (m) => m.headers['__connect.errors.connector.name'] === connectorKey(name, runtime.group),
      from: lettersFrom,
    });
    expect(letter!.value.equals(bytes)).toBe(true);
    expect(letter!.headers).toMatchObject({
      'eai.record.index': '3',
      'eai.record.count': '5',
      'eai.error.location': 'line 4',
      'eai.error.field': 'occurredAt',
    });
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsIn: 1,
      recordsOut: 4,
      recordsFailed: 1,
    });
    await runtime.remove(name);
  });
});
